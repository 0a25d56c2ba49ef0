package experiments

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/plasticity/attack"
)

// settledFigures draws the small multiples of robust accuracy against ε
// (one panel per network, one line per attack), the survival curves of the
// minimal distances (one panel per search, one line per network) and the
// temperature study.
func settledFigures(env *Env, cfg settledConfig, attacks, dists []attack.Method, get func(string) settledModel) error {
	eps := append([]float64{0}, cfg.Attack.Eps...)
	style := func(l *plotter.Line, pts *plotter.Scatter, i int) {
		l.Color, l.Dashes, l.Width = output.Color(i), plotutil.Dashes(i), vg.Points(1.5)
		if pts != nil {
			pts.Color, pts.Shape = output.Color(i), plotutil.Shape(i)
		}
	}
	legend := plot.New()
	legend.HideAxes()
	legend.Title.Text = "attacks (coinciding lines hide each other)"
	legend.Legend.Left, legend.Legend.Top = true, true
	legend.Legend.TextStyle.Font.Size = vg.Points(13)
	legend.Legend.ThumbnailWidth = vg.Points(40)
	var panels []*plot.Plot
	paperInLegend := false
	for mi, model := range cfg.Models {
		md := get(model)
		p := plot.New()
		p.Title.Text = model
		p.X.Label.Text = "ε (L2)"
		p.Y.Label.Text = "robust accuracy"
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, eps[len(eps)-1], 0, 1
		p.Y.Tick.Marker = plot.ConstantTicks(ticks(0, 1, 0.2))
		p.X.Tick.Marker = plot.ConstantTicks(ticks(0, eps[len(eps)-1], 1))
		p.Add(plotter.NewGrid())
		clean := NewStat("", md.clean...).Mean
		curve := func(first []int) plotter.XYs {
			xy := plotter.XYs{{X: 0, Y: clean}}
			for e := range cfg.Attack.Eps {
				xy = append(xy, plotter.XY{X: cfg.Attack.Eps[e], Y: shareAboveInt(first, e)})
			}
			return xy
		}
		// The union of the attacks underneath, wide and grey, so the
		// attacks' own lines stay visible on top of it.
		l, err := plotter.NewLine(curve(md.combined))
		if err != nil {
			return err
		}
		l.Color, l.Width = color.Gray{Y: 170}, vg.Points(7)
		p.Add(l)
		if mi == 0 {
			legend.Legend.Add("all attacks, strongest per image", l)
		}
		for k, m := range attacks {
			l, pts, err := plotter.NewLinePoints(curve(md.first[k]))
			if err != nil {
				return err
			}
			style(l, pts, k)
			p.Add(l, pts)
			if mi == 0 {
				legend.Legend.Add(m.String(), l, pts)
			}
		}
		if pp, ok := paperTable2[model]; ok && cfg.Dataset == "mnist" {
			var a, b float64
			fmt.Sscanf(pp[2], "%g", &a)
			fmt.Sscanf(pp[3], "%g", &b)
			var xy plotter.XYs
			for _, q := range []plotter.XY{{X: 2, Y: a / 100}, {X: 4, Y: b / 100}} {
				if q.X <= eps[len(eps)-1] {
					xy = append(xy, q)
				}
			}
			if len(xy) == 0 {
				panels = append(panels, p)
				continue
			}
			sc, err := plotter.NewScatter(xy)
			if err != nil {
				return err
			}
			sc.Shape = draw.CrossGlyph{}
			sc.Color = color.Black
			sc.Radius = vg.Points(5)
			p.Add(sc)
			if !paperInLegend {
				legend.Legend.Add("paper, Table 2", sc)
				paperInLegend = true
			}
		}
		panels = append(panels, p)
	}
	panels = append(panels, legend)
	// Three or four columns, whichever leaves fewer empty places (six
	// networks and the legend: two full rows of four but for one place).
	cols := 3
	if (4-len(panels)%4)%4 < (3-len(panels)%3)%3 {
		cols = 4
	}
	rows := (len(panels) + cols - 1) / cols
	if err := output.SavePlots(env.Path("robustness-settled"), panels, rows, cols, vg.Length(cols)*4*vg.Inch, vg.Length(rows)*3.6*vg.Inch); err != nil {
		return err
	}

	if len(dists) > 0 {
		var dp []*plot.Plot
		for k, m := range dists {
			p := plot.New()
			p.Title.Text = "minimal distance by " + m.String()
			p.X.Label.Text = "ε (L2)"
			p.Y.Label.Text = "share of images with distance > ε"
			// The x range ends a little past the largest finite distance.
			top := 0.0
			for _, model := range cfg.Models {
				for _, d := range get(model).dist[k] {
					if !math.IsInf(d, 1) {
						top = max(top, d)
					}
				}
			}
			xMax := min(cfg.Distances.Max, math.Ceil(top)+1)
			p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, xMax, 0, 1
			p.Y.Tick.Marker = plot.ConstantTicks(ticks(0, 1, 0.2))
			p.X.Tick.Marker = plot.ConstantTicks(ticks(0, xMax, 0.5))
			p.Add(plotter.NewGrid())
			p.Legend.Top = true
			for mi, model := range cfg.Models {
				d := get(model).dist[k]
				const steps = 200
				xy := make(plotter.XYs, steps+1)
				for j := range xy {
					x := xMax * float64(j) / steps
					xy[j] = plotter.XY{X: x, Y: attack.RobustAt(d, x)}
				}
				l, err := plotter.NewLine(xy)
				if err != nil {
					return err
				}
				style(l, nil, mi)
				p.Add(l)
				p.Legend.Add(model, l)
			}
			dp = append(dp, p)
		}
		if err := output.SavePlots(env.Path("robustness-settled-distances"), dp, 1, len(dp), vg.Length(len(dp))*5.5*vg.Inch, 4.2*vg.Inch); err != nil {
			return err
		}
	}

	if len(cfg.Temperature.Models) > 0 && len(cfg.Temperature.Taus) > 1 {
		temps, err := settledMethods("temperature.attacks", cfg.Temperature.Attacks)
		if err != nil {
			return err
		}
		var cs []output.Curve
		for _, model := range cfg.Temperature.Models {
			md := get(model)
			if md.temp == nil {
				continue
			}
			for k, m := range temps {
				c := output.Curve{Name: fmt.Sprintf("%s, %s", model, m), Dashed: m.Loss == attack.Margin, Points: true}
				for t, tau := range cfg.Temperature.Taus {
					c.XY = append(c.XY, plotter.XY{X: tau, Y: NewStat("", md.temp[t][k]...).Mean})
				}
				cs = append(cs, c)
			}
		}
		p, err := output.LinePlot(fmt.Sprintf("logits divided by τ (predictions unchanged), ε = %g", cfg.Temperature.Eps), "τ", "robust accuracy", cs, true, false)
		if err != nil {
			return err
		}
		p.Y.Min, p.Y.Max = 0, 1.3 // room above 1 for the legend
		p.Y.Tick.Marker = plot.ConstantTicks(ticks(0, 1, 0.2))
		p.Legend.Left, p.Legend.Top = false, true // the masked curve falls from the top left
		if err := output.SavePlots(env.Path("robustness-settled-temperature"), []*plot.Plot{p}, 1, 1, 7*vg.Inch, 4.5*vg.Inch); err != nil {
			return err
		}
	}
	return nil
}

// ticks returns labelled ticks from lo to hi every step.
func ticks(lo, hi, step float64) []plot.Tick {
	var ts []plot.Tick
	for x := lo; x <= hi+1e-9; x += step {
		ts = append(ts, plot.Tick{Value: x, Label: fmt.Sprintf("%g", math.Round(x*100)/100)})
	}
	return ts
}
