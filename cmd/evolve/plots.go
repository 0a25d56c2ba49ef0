package main

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/evolve-toolkit/evolve/internal/output"
)

// curve is one named line of a figure.
type curve = output.Curve

// linePlot builds a plot with one line per curve.
func linePlot(title, xlabel, ylabel string, cs []curve, logY bool) (*plot.Plot, error) {
	return output.LinePlot(title, xlabel, ylabel, cs, false, logY)
}

// savePlots writes tiled plots to base.png and base.svg.
func savePlots(base string, plots []*plot.Plot, rows, cols int, w, h vg.Length) error {
	return output.SavePlots(base, plots, rows, cols, w, h)
}

type logTicks = output.LogTicks

// saveLine draws one unnamed line and writes base.png and base.svg.
func saveLine(base, title, xlabel, ylabel string, xy plotter.XYs) error {
	p, err := linePlot(title, xlabel, ylabel, []curve{{XY: xy}}, false)
	if err != nil {
		return err
	}
	return savePlots(base, []*plot.Plot{p}, 1, 1, 6*vg.Inch, 4*vg.Inch)
}

// noteIdentical renames every curve that is the same line as an earlier
// one ("lande (identical to gd)"), so that a reader who sees one line
// where the legend promises two knows why; the later curve is drawn
// dotted over the earlier so both stay visible. Two curves are the same
// when their points agree to 1e-12 relative.
func noteIdentical(cs []curve) []curve {
	out := make([]curve, len(cs))
	copy(out, cs)
	for j := range out {
		for i := 0; i < j; i++ {
			if sameLine(cs[i].XY, cs[j].XY) && cs[i].Name != "" {
				out[j].Name = fmt.Sprintf("%s (identical to %s)", cs[j].Name, cs[i].Name)
				out[j].Dashes = []vg.Length{vg.Points(1), vg.Points(3)}
				break
			}
		}
	}
	return out
}

func sameLine(a, b plotter.XYs) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	for k := range a {
		if a[k].X != b[k].X || math.Abs(a[k].Y-b[k].Y) > 1e-12*math.Max(1, math.Abs(a[k].Y)) {
			return false
		}
	}
	return true
}

// legendAbove keeps a plot's legend off its curves (output.LegendAbove).
func legendAbove(p *plot.Plot, cs []curve) { output.LegendAbove(p, cs) }
