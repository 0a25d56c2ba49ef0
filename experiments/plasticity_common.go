package experiments

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/plasticity"
)

// Helpers shared by the plasticity experiments (table1, theorem1,
// optimal-mse, fig2, fig3). Names carry the prefix pl.

// plLoad loads a data set; mnist and fashion read from env.DataDir if set.
func plLoad(env *Env, name string, dataSeed uint64, train, test int) (*dataset.Split, error) {
	opt := &dataset.Options{Seed: dataSeed, TrainSize: train, TestSize: test}
	if name == "mnist" || name == "fashion" {
		opt.Dir = env.DataDir
	}
	return dataset.Load(name, opt)
}

// plNet builds a network for the data: inputs and labels from the set,
// masks and input weights from the stream (cfg.Seed, seed.Network, 0).
func plNet(cfg plasticity.Config, data *dataset.Set) (*plasticity.Network, error) {
	cfg.Inputs, cfg.Labels = data.Dim, data.Labels
	return plasticity.New(cfg, seed.PCG(cfg.Seed, seed.Network, 0))
}

// plTrainEval resets the network to the rules' start, trains it and
// returns the test accuracy.
func plTrainEval(net *plasticity.Network, rules plasticity.Rules, sp *dataset.Split, s *plasticity.TrainSettings) (float64, *plasticity.TrainResult, error) {
	res, err := plasticity.Train(net, rules, sp.Train, s)
	if err != nil {
		return math.NaN(), res, err
	}
	return plasticity.Evaluate(net, sp.Test).Accuracy, res, nil
}

// plMetaProgress logs about ten lines per meta-learning run.
func plMetaProgress(env *Env, label string) func(plasticity.MetaStep, int) {
	return func(st plasticity.MetaStep, total int) {
		if every := max(1, total/10); st.Step%every == 0 || st.Step == total {
			env.Logf("%s: meta step %d/%d, batch loss %.3f, batch accuracy %.2f", label, st.Step, total, st.Loss, st.Accuracy)
		}
	}
}

// plPerceptronSigns reports whether a T = 1 output table has the sign
// pattern [−, +; +, −] of the perceptron (Theorem 1).
func plPerceptronSigns(t []float64) bool {
	return len(t) == 4 && t[0] < 0 && t[1] > 0 && t[2] > 0 && t[3] < 0
}

// plSigns writes a table's signs as "[−,+;+,−]" (rows of cols entries).
func plSigns(t []float64, cols int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, v := range t {
		if i > 0 {
			if i%cols == 0 {
				b.WriteByte(';')
			} else {
				b.WriteByte(',')
			}
		}
		switch {
		case v > 0:
			b.WriteString("+")
		case v < 0:
			b.WriteString("−")
		default:
			b.WriteString("0")
		}
	}
	b.WriteByte(']')
	return b.String()
}

// plCorr is the Pearson correlation of two tables.
func plCorr(a, b []float64) float64 {
	if len(a) != len(b) || len(a) < 2 {
		panic("experiments: plCorr: tables of different or too small length")
	}
	var ma, mb float64
	for i := range a {
		ma += a[i]
		mb += b[i]
	}
	ma /= float64(len(a))
	mb /= float64(len(b))
	var sab, saa, sbb float64
	for i := range a {
		sab += (a[i] - ma) * (b[i] - mb)
		saa += (a[i] - ma) * (a[i] - ma)
		sbb += (b[i] - mb) * (b[i] - mb)
	}
	return sab / math.Sqrt(saa*sbb)
}

// plNormalised returns t divided by its largest absolute entry.
func plNormalised(t []float64) []float64 {
	top := 0.0
	for _, v := range t {
		top = max(top, math.Abs(v))
	}
	out := make([]float64, len(t))
	for i, v := range t {
		if top > 0 {
			out[i] = v / top
		}
	}
	return out
}

// plTablePlot draws tables as lines over their entry index (parallel
// coordinates): the named reference curves with a legend, and the others
// as thin grey lines without one.
func plTablePlot(title string, refs []plRef, tables [][]float64, labels []string) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "table entry"
	p.Y.Label.Text = "entry / max |entry|"
	p.Legend.Top = true
	p.Y.Min, p.Y.Max = -1.1, 1.1
	for _, t := range tables {
		xy := make(plotter.XYs, len(t))
		for i, v := range t {
			xy[i] = plotter.XY{X: float64(i), Y: v}
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, err
		}
		l.Color = color.Gray{Y: 150}
		l.Width = vg.Points(0.7)
		p.Add(l)
	}
	colors := []color.Color{color.RGBA{R: 200, A: 255}, color.RGBA{B: 200, A: 255}, color.RGBA{G: 140, A: 255}}
	for k, r := range refs {
		xy := make(plotter.XYs, len(r.Y))
		for i, v := range r.Y {
			xy[i] = plotter.XY{X: float64(i), Y: v}
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, err
		}
		l.Color = colors[k%len(colors)]
		l.Width = vg.Points(2)
		if r.Dashed {
			l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		p.Add(l)
		p.Legend.Add(r.Name, l)
	}
	if labels != nil {
		ticks := make([]plot.Tick, len(labels))
		for i, s := range labels {
			ticks[i] = plot.Tick{Value: float64(i), Label: s}
		}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
	}
	p.Add(plotter.NewGrid())
	return p, nil
}

// plRef is a named reference table for plTablePlot.
type plRef struct {
	Name   string
	Y      []float64
	Dashed bool
}

// plOutputLabels names the entries of a T = 1 output table.
var plOutputLabels = []string{"R[0][y]", "R[0][ŷ]", "R[1][y]", "R[1][ŷ]"}

// plFmtTable formats a table with 3 significant digits.
func plFmtTable(t []float64, cols int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, v := range t {
		if i > 0 {
			if i%cols == 0 {
				b.WriteString("; ")
			} else {
				b.WriteString(", ")
			}
		}
		fmt.Fprintf(&b, "%+.3g", v)
	}
	b.WriteByte(']')
	return b.String()
}

// plMeanCurve averages learning curves of several seeds point by point
// (they share their Seen values) and returns the curve of the mean with
// the standard deviation as error bars.
func plMeanCurve(name string, curves [][]plasticity.CurvePoint, dashed bool) output.Curve {
	c := output.Curve{Name: name, Dashed: dashed}
	if len(curves) == 0 {
		return c
	}
	npts := len(curves[0])
	for _, cv := range curves {
		npts = min(npts, len(cv))
	}
	for i := 0; i < npts; i++ {
		v := make([]float64, len(curves))
		for k, cv := range curves {
			v[k] = cv[i].Accuracy
		}
		st := NewStat("", v...)
		sd := st.SD
		if st.N < 2 {
			sd = 0
		}
		c.XY = append(c.XY, plotter.XY{X: float64(curves[0][i].Seen), Y: st.Mean})
		c.Err = append(c.Err, sd)
	}
	return c
}

// plAccuracyAt returns the curve's accuracy at the last point with at most
// seen examples (NaN if none).
func plAccuracyAt(curve []plasticity.CurvePoint, seen int) float64 {
	acc := math.NaN()
	for _, p := range curve {
		if p.Seen > seen {
			break
		}
		acc = p.Accuracy
	}
	return acc
}

// plSummaryCSV writes the report's rows (mean, sd, n over seeds) to name.
func plSummaryCSV(env *Env, name string, rep *Report) error {
	var rows [][]string
	for _, r := range rep.Rows {
		rows = append(rows, []string{r.Quantity, output.F(r.Ours.Mean), output.F(r.Ours.SD), fmt.Sprint(r.Ours.N), r.Ours.Unit, r.Paper})
	}
	return output.WriteCSV(env.Path(name), []string{"quantity", "mean", "sd", "n", "unit", "paper"}, rows)
}
