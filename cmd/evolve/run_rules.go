package main

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/sim"
)

// ruleShape is how the rule tables of a rule landscape's coefficients
// are laid out: the first graph entries are the graph rule S×S
// ([pre][post]), the rest the output rule S×2 ([pattern][true,
// predicted]). tables, if not nil, turns coefficients into these tables
// (an MLP graph rule's parameters into its table); nil means the
// coefficients are the tables.
type ruleShape struct {
	graph, S int
	tables   func(y []float64) []float64
}

// of returns the rule tables of the coefficients y.
func (sh ruleShape) of(y []float64) []float64 {
	if sh.tables == nil {
		return y
	}
	return sh.tables(y)
}

// shapeOf returns the table shape of a landscape of P coefficients whose
// first graph coefficients belong to the graph rule; ok is false when the
// coefficients are not a rule's tables.
func shapeOf(P int, land any) (ruleShape, bool) {
	g, ok := land.(interface{ GraphEntries() int })
	if !ok {
		return ruleShape{}, false
	}
	if m, ok := land.(interface {
		GraphHidden() int
		Tables([]float64) []float64
		Rounds() int
	}); ok && m.GraphHidden() > 0 {
		S := 1 << m.Rounds()
		return ruleShape{graph: S * S, S: S, tables: m.Tables}, true
	}
	sh := ruleShape{graph: g.GraphEntries(), S: (P - g.GraphEntries()) / 2}
	return sh, sh.S > 0 && 2*sh.S+sh.graph == P && (sh.graph == 0 || sh.graph == sh.S*sh.S)
}

// refRun returns the index of the run distances are measured to in the
// summary: the meta-learner (adam) if present, else the first run.
func refRun(res *sim.Result) int {
	for i, r := range res.Runs {
		if r == "adam" {
			return i
		}
	}
	return 0
}

// printRuleSummary prints, for landscapes with many coefficients, a few
// numbers per run and the final rule tables as small matrices.
func printRuleSummary(w io.Writer, res *sim.Result, sh ruleShape, hasShape bool) {
	final := res.Final()
	ref := refRun(res)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "run\tkind\tL(Ȳ) batch\tE[L(Y)]\ttest acc\tcost (examples)\t‖Ȳ − Ȳ_%s‖\n", res.Runs[ref])
	for _, o := range final {
		fmt.Fprintf(tw, "%s\t%s\t%.5f\t%s\t%s\t%.3g\t%.4g\n", o.Run, o.Kind, o.Loss, nanDash(o.MeanLoss), accString(o.TestAccuracy), o.Cost, dist(o.Y, final[ref].Y))
	}
	tw.Flush()
	if !hasShape {
		return
	}
	for _, o := range final {
		y := sh.of(o.Y)
		fmt.Fprintf(w, "\n%s: final rule tables (rows: pattern, first round most significant bit)\n", o.Run)
		if sh.graph > 0 {
			what := ""
			if sh.tables != nil {
				what = " (the table of the MLP)"
			}
			fmt.Fprintf(w, "graph rule [pre][post]%s:\n", what)
			writeMatrix(w, y[:sh.graph], sh.S, sh.S)
		}
		fmt.Fprintf(w, "output rule [pattern][true, predicted]:\n")
		writeMatrix(w, y[sh.graph:], sh.S, 2)
	}
}

func accString(a float64) string {
	if a != a {
		return "—"
	}
	return fmt.Sprintf("%.4f", a)
}

func dist(a, b []float64) float64 {
	var s float64
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return math.Sqrt(s)
}

func writeMatrix(w io.Writer, v []float64, rows, cols int) {
	T := 0
	for 1<<T < rows {
		T++
	}
	for r := 0; r < rows; r++ {
		cells := make([]string, cols)
		for c := range cols {
			cells[c] = fmt.Sprintf("%+7.3f", v[r*cols+c])
		}
		fmt.Fprintf(w, "  %0*b  %s\n", T, r, strings.Join(cells, " "))
	}
}

// grid is a rows×cols table drawn as a heat map, row 0 at the top.
type grid struct {
	v          []float64
	rows, cols int
}

func (g grid) Dims() (c, r int)       { return g.cols, g.rows }
func (g grid) Z(c, r int) float64     { return g.v[r*g.cols+c] }
func (g grid) X(c int) float64        { return float64(c) }
func (g grid) Y(r int) float64        { return float64(g.rows - 1 - r) }
func (g grid) Min() (m float64)       { return -maxAbs(g.v) }
func (g grid) Max() float64           { return maxAbs(g.v) }
func (g grid) dims() (rows, cols int) { return g.rows, g.cols }

func maxAbs(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = max(m, math.Abs(x))
	}
	return m
}

// ruleHeatmaps draws the final graph and output rules of every run side
// by side (one row per run), each table on a blue–red scale symmetric
// about 0 shared by all runs, with a colour bar per column.
func ruleHeatmaps(base string, res *sim.Result, sh ruleShape) error {
	final := res.Final()
	var gMax, oMax float64
	for _, o := range final {
		y := sh.of(o.Y)
		gMax = max(gMax, maxAbs(y[:sh.graph]))
		oMax = max(oMax, maxAbs(y[sh.graph:]))
	}
	type table struct {
		name     string
		off, len int
		cols     int
		scale    float64
	}
	tables := []table{{"output rule", sh.graph, 2 * sh.S, 2, oMax}}
	if sh.graph > 0 {
		name := "graph rule"
		if sh.tables != nil {
			name = "graph rule (MLP's table)"
		}
		tables = append([]table{{name, 0, sh.graph, sh.S, gMax}}, tables...)
	}
	var plots []*plot.Plot
	for _, o := range final {
		for _, tb := range tables {
			p, err := heatPlot(fmt.Sprintf("%s — %s", o.Run, tb.name), grid{sh.of(o.Y)[tb.off : tb.off+tb.len], sh.S, tb.cols}, tb.scale, tb.cols == 2)
			if err != nil {
				return err
			}
			plots = append(plots, p)
		}
	}
	for _, tb := range tables {
		cm := moreland.SmoothBlueRed()
		s := max(tb.scale, 1e-12)
		cm.SetMin(-s)
		cm.SetMax(s)
		p := plot.New()
		p.Title.Text = "colour scale, " + tb.name
		p.HideY()
		p.X.Label.Text = "coefficient value"
		p.Add(&plotter.ColorBar{ColorMap: cm})
		plots = append(plots, p)
	}
	cols := len(tables)
	rows := len(plots) / cols
	return savePlots(base, plots, rows, cols, vg.Length(cols)*4*vg.Inch, vg.Length(rows)*3*vg.Inch)
}

func heatPlot(title string, g grid, scale float64, output bool) (*plot.Plot, error) {
	cm := moreland.SmoothBlueRed()
	s := max(scale, 1e-12)
	cm.SetMin(-s)
	cm.SetMax(s)
	h := plotter.NewHeatMap(g, cm.Palette(255))
	h.Min, h.Max = -s, s
	p := plot.New()
	p.Title.Text = title
	p.Add(h)
	rows, cols := g.dims()
	T := 0
	for 1<<T < rows {
		T++
	}
	var yt []plot.Tick
	for r := 0; r < rows; r++ {
		yt = append(yt, plot.Tick{Value: float64(rows - 1 - r), Label: fmt.Sprintf("%0*b", T, r)})
	}
	p.Y.Tick.Marker = plot.ConstantTicks(yt)
	var xt []plot.Tick
	for c := 0; c < cols; c++ {
		l := fmt.Sprintf("%0*b", T, c)
		if output {
			l = []string{"true", "predicted"}[c]
		}
		xt = append(xt, plot.Tick{Value: float64(c), Label: l})
	}
	p.X.Tick.Marker = plot.ConstantTicks(xt)
	if output {
		p.X.Label.Text = "label"
		p.Y.Label.Text = "pattern of node"
	} else {
		p.X.Label.Text = "post pattern"
		p.Y.Label.Text = "pre pattern"
	}
	return p, nil
}

// replicateGroup returns the name of the group a run belongs to in the
// figures: "wright-fisher" for its replicates wright-fisher/1 … /R.
func replicateGroup(name string) string {
	if i := strings.IndexByte(name, '/'); i > 0 {
		return name[:i]
	}
	return name
}

// groupedCurves returns one curve per run, the replicates of a group
// drawn as their mean with ±1 standard deviation bars; x and y pick the
// coordinates of an observation (ok false skips it).
func groupedCurves(res *sim.Result, f func(o sim.Observation) (x, y float64, ok bool)) []curve {
	n := len(res.Runs)
	type acc struct {
		kind   string
		reps   int
		points map[int][]float64 // generation → values
		x      map[int]float64
		gens   []int
	}
	var order []string
	groups := map[string]*acc{}
	for i, name := range res.Runs {
		g := replicateGroup(name)
		a, ok := groups[g]
		if !ok {
			a = &acc{kind: res.Kinds[i], points: map[int][]float64{}, x: map[int]float64{}}
			groups[g] = a
			order = append(order, g)
		}
		a.reps++
	}
	for k, o := range res.Observations {
		x, y, ok := f(o)
		if !ok {
			continue
		}
		a := groups[replicateGroup(res.Runs[k%n])]
		if _, seen := a.points[o.Generation]; !seen {
			a.gens = append(a.gens, o.Generation)
		}
		a.points[o.Generation] = append(a.points[o.Generation], y)
		a.x[o.Generation] += x / float64(a.reps)
	}
	var cs []curve
	for _, g := range order {
		a := groups[g]
		c := curve{Name: g, Dashed: a.kind == "gradient"}
		if a.reps > 1 {
			c.Name = fmt.Sprintf("%s (mean ± sd of %d)", g, a.reps)
		}
		for _, t := range a.gens {
			v := a.points[t]
			var m, s float64
			for _, y := range v {
				m += y
			}
			m /= float64(len(v))
			for _, y := range v {
				s += (y - m) * (y - m)
			}
			c.XY = append(c.XY, plotter.XY{X: a.x[t], Y: m})
			if a.reps > 1 {
				c.Err = append(c.Err, math.Sqrt(s/float64(len(v))))
			}
		}
		if len(c.XY) > 0 {
			cs = append(cs, c)
		}
	}
	return cs
}

// accuracyFigures draws the test accuracy of every run against generation
// and against cost; it draws nothing when no run was tested.
func accuracyFigures(out string, res *sim.Result) (bool, error) {
	tested := func(o sim.Observation) bool { return o.TestAccuracy == o.TestAccuracy }
	byGen := groupedCurves(res, func(o sim.Observation) (float64, float64, bool) {
		return float64(o.Generation), o.TestAccuracy, tested(o)
	})
	if len(byGen) == 0 {
		return false, nil
	}
	byCost := groupedCurves(res, func(o sim.Observation) (float64, float64, bool) {
		return o.Cost, o.TestAccuracy, tested(o) && o.Cost > 0
	})
	what := map[string]string{
		"full-rule": "test accuracy of the mean rule (a fresh network trained with it)",
		"hebb":      "test accuracy of the mean rule (1 − sign error on the test episodes)",
	}[res.Config.Landscape.Kind]
	if what == "" {
		what = "test accuracy of the mean rule"
	}
	a, err := linePlot(what, "generation / step", "test accuracy", byGen, false)
	if err != nil {
		return false, err
	}
	output.LegendAbove(a, byGen)
	b, err := output.LinePlot("test accuracy against cost", "cost: training examples processed (log scale)", "test accuracy", byCost, true, false)
	if err != nil {
		return false, err
	}
	output.LegendAbove(b, byCost)
	return true, savePlots(filepath.Join(out, "accuracy"), []*plot.Plot{a, b}, 1, 2, 12*vg.Inch, 4.5*vg.Inch)
}
