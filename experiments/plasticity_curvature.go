package experiments

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/plasticity"
	"github.com/evolve-toolkit/evolve/plasticity/attack"
)

// plasticityCurvatureConfig is the configuration of plasticity-curvature:
// the networks of Table 2 (SPEC §9) and the curvature of their
// classification loss (SPEC §11, last part).
type plasticityCurvatureConfig struct {
	Dataset   string            `toml:"dataset"`
	TrainSize int               `toml:"train_size"`
	TestSize  int               `toml:"test_size"`
	Models    []string          `toml:"models"`
	Measure   int               `toml:"measure"`
	Network   plasticity.Config `toml:"network"`
	Meta      struct {
		Steps      int     `toml:"steps"`
		Batch      int     `toml:"batch"`
		GraphScale float64 `toml:"graph_scale"`
	} `toml:"meta"`
	Attack struct {
		Eps    float64 `toml:"eps"`
		Images int     `toml:"images"`
		Steps  int     `toml:"steps"`
	} `toml:"attack"`
	Curvature CurvatureConfig `toml:"curvature"`
}

func init() {
	register(&Experiment{
		Name:       "plasticity-curvature",
		Title:      "curvature of the loss at networks trained by plasticity rules and by gradient descent, against test and robust accuracy",
		Reproduces: "new question (SPEC §11, last part); networks of paper Table 2",
		FullTime:   "286 s of wall time measured at the committed config (3 seeds, measure = 256, probes = 20, the calibrated measurement included) on the idle 2-core machine; 505 s without the calibrated measurement on the machine shared with two niced runs",
		Run:        runPlasticityCurvature,
	})
}

// Layout of a cell: test accuracy, train loss on the measured set, robust
// accuracy, then λ_top, λ_min, trace, trace s.e. of the U block and of
// (U, W) (NaN without W), then the seconds of the two measurements; then
// the calibrated measurement (CalibratedHessian): the scale c of U that
// minimises the loss, the loss at cU, λ_top, λ_min, trace and trace s.e.
// of the U block at cU, and its seconds; the mean of ‖hᵀ‖² over the
// measured examples and the largest eigenvalue of their mean hᵀhᵀᵀ (the
// Hessian in U is an average of softmax curvature times hᵀhᵀᵀ, so it grows
// with the size of the hidden state); last λ_top, λ_min, trace, trace s.e.
// and seconds of (U, W) at cU (NaN without W).
const (
	pcTest = iota
	pcLoss
	pcRobust
	pcUTop
	pcUMin
	pcUTr
	pcUSE
	pcATop
	pcAMin
	pcATr
	pcASE
	pcSecU
	pcSecA
	pcScale
	pcCalLoss
	pcCalTop
	pcCalMin
	pcCalTr
	pcCalSE
	pcSecCal
	pcH2
	pcHTop
	pcCalATop
	pcCalAMin
	pcCalATr
	pcCalASE
	pcSecCalA
	pcLen
)

func runPlasticityCurvature(env *Env, text []byte) (*Report, error) {
	var cfg plasticityCurvatureConfig
	if err := decode(text, &cfg); err != nil {
		return nil, err
	}
	if env.Quick {
		cfg.TrainSize, cfg.TestSize, cfg.Measure = 300, 200, 64
		cfg.Network.Nodes, cfg.Network.Cap, cfg.Network.Epochs = 60, 30, 1
		cfg.Meta.Steps, cfg.Meta.Batch = 4, 30
		cfg.Attack.Images, cfg.Attack.Steps = 4, 5
		cfg.Curvature.Lanczos, cfg.Curvature.Probes = 10, 4
	}
	if cfg.Meta.GraphScale == 0 {
		cfg.Meta.GraphScale = 1
	}
	if err := cfg.Curvature.Validate(); err != nil {
		return nil, err
	}
	if cfg.Measure < 1 {
		return nil, fmt.Errorf("plasticity-curvature: measure must be positive, got %d", cfg.Measure)
	}
	// The models are built as table2 builds them (robustModel).
	var rc robustConfig
	rc.TrainSize, rc.Network = cfg.TrainSize, cfg.Network
	rc.Meta.Steps, rc.Meta.Batch, rc.Meta.GraphScale = cfg.Meta.Steps, cfg.Meta.Batch, cfg.Meta.GraphScale
	n := seeds(env, 3, 1)
	rep := &Report{Seeds: n}
	vals := map[string][][]float64{} // model → cells over seeds
	var rows [][]string
	var rules3 []float64
	for s := 1; s <= n; s++ {
		var sp *dataset.Split
		for _, model := range cfg.Models {
			v, err := env.Cell(fmt.Sprintf("seed %d %s", s, model), func() ([]float64, error) {
				if model == "T=3" && rules3 == nil {
					var err error
					if rules3, err = env.Cell(cfg.Dataset+" T=3 rules", func() ([]float64, error) { return learnRules3(env, rc, cfg.Dataset) }); err != nil {
						return nil, err
					}
				}
				if sp == nil {
					var err error
					if sp, err = plLoad(env, cfg.Dataset, uint64(s), cfg.TrainSize, cfg.TestSize); err != nil {
						return nil, err
					}
				}
				env.Logf("plasticity-curvature: seed %d/%d, %s: training", s, n, model)
				net, err := robustModel(env, rc, model, sp, uint64(s), rules3)
				if err != nil {
					return nil, err
				}
				return pcMeasure(env, cfg, net, sp, uint64(s), model)
			})
			if err != nil {
				return nil, fmt.Errorf("plasticity-curvature: seed %d, %s: %w", s, model, err)
			}
			vals[model] = append(vals[model], v)
			row := []string{fmt.Sprint(s), model}
			for _, x := range v {
				row = append(row, csvF(x))
			}
			rows = append(rows, row)
		}
	}
	header := []string{"seed", "model", "test_accuracy", "train_loss", fmt.Sprintf("robust_eps_%g", cfg.Attack.Eps),
		"lambda_top_U", "lambda_min_U", "trace_U", "trace_se_U", "lambda_top_UW", "lambda_min_UW", "trace_UW", "trace_se_UW", "seconds_U", "seconds_UW",
		"calibration_scale", "calibrated_loss", "lambda_top_U_calibrated", "lambda_min_U_calibrated", "trace_U_calibrated", "trace_se_U_calibrated", "seconds_calibrated", "mean_h2", "lambda_top_hh",
		"lambda_top_UW_calibrated", "lambda_min_UW_calibrated", "trace_UW_calibrated", "trace_se_UW_calibrated", "seconds_UW_calibrated"}
	if err := output.WriteCSV(env.Path("results.csv"), header, rows); err != nil {
		return nil, err
	}
	var lam, cal, norm, normTop, acc, rob []float64
	for _, model := range cfg.Models {
		col := func(i int) []float64 {
			var out []float64
			for _, v := range vals[model] {
				out = append(out, v[i])
			}
			return out
		}
		rep.Rows = append(rep.Rows,
			Row{Quantity: "test accuracy, " + model, Ours: NewStat("%", col(pcTest)...), Paper: pcPaper(model, 0)},
			Row{Quantity: fmt.Sprintf("robust accuracy ε = %g, %s", cfg.Attack.Eps, model), Ours: NewStat("%", col(pcRobust)...), Paper: pcPaper(model, cfg.Attack.Eps)},
			Row{Quantity: "train loss (measured set), " + model, Ours: NewStat("", col(pcLoss)...), Paper: "—"},
			Row{Quantity: "λ_top of the loss in U, " + model, Ours: NewStat("", col(pcUTop)...), Paper: "— (new)"},
			Row{Quantity: "trace of the loss in U, " + model, Ours: NewStat("", col(pcUTr)...), Paper: "— (new)"})
		if v := col(pcATop); len(v) > 0 && !math.IsNaN(v[0]) {
			rep.Rows = append(rep.Rows,
				Row{Quantity: "λ_top of the loss in (U, W), " + model, Ours: NewStat("", v...), Paper: "— (new)"},
				Row{Quantity: "trace of the loss in (U, W), " + model, Ours: NewStat("", col(pcATr)...), Paper: "— (new)"})
		}
		rep.Rows = append(rep.Rows,
			Row{Quantity: "scale c of U minimising the loss (measured set), " + model, Ours: NewStat("", col(pcScale)...), Paper: "— (new)", Note: "predictions do not depend on c"},
			Row{Quantity: "train loss at cU, " + model, Ours: NewStat("", col(pcCalLoss)...), Paper: "— (new)"},
			Row{Quantity: "λ_top of the loss in U at cU (calibrated), " + model, Ours: NewStat("", col(pcCalTop)...), Paper: "— (new)"},
			Row{Quantity: "trace of the loss in U at cU (calibrated), " + model, Ours: NewStat("", col(pcCalTr)...), Paper: "— (new)"},
			Row{Quantity: "mean ‖hᵀ‖² (measured set), " + model, Ours: NewStat("", col(pcH2)...), Paper: "— (new)"},
			Row{Quantity: "calibrated λ_top in U ÷ mean ‖hᵀ‖², " + model, Ours: NewStat("", ratio(col(pcCalTop), col(pcH2))...), Paper: "— (new)", Note: "the softmax's share of the curvature"},
			Row{Quantity: "λ_top of the mean hᵀhᵀᵀ (measured set), " + model, Ours: NewStat("", col(pcHTop)...), Paper: "— (new)"},
			Row{Quantity: "calibrated λ_top in U ÷ λ_top of the mean hᵀhᵀᵀ, " + model, Ours: NewStat("", ratio(col(pcCalTop), col(pcHTop))...), Paper: "— (new)"})
		if v := col(pcCalATop); len(v) > 0 && !math.IsNaN(v[0]) {
			rep.Rows = append(rep.Rows, Row{Quantity: "λ_top of the loss in (U, W) at cU (calibrated), " + model, Ours: NewStat("", v...), Paper: "— (new)"})
		}
		lam, acc, rob = append(lam, col(pcUTop)...), append(acc, col(pcTest)...), append(rob, col(pcRobust)...)
		cal = append(cal, col(pcCalTop)...)
		norm = append(norm, ratio(col(pcCalTop), col(pcH2))...)
		normTop = append(normTop, ratio(col(pcCalTop), col(pcHTop))...)
	}
	for _, x := range []struct {
		name string
		lam  []float64
	}{{"λ_top in U", lam}, {"calibrated λ_top in U", cal}, {"calibrated λ_top in U ÷ mean ‖hᵀ‖²", norm},
		{"calibrated λ_top in U ÷ λ_top of the mean hᵀhᵀᵀ", normTop}} {
		for _, c := range []struct {
			name string
			y    []float64
		}{{"test accuracy", acc}, {fmt.Sprintf("robust accuracy ε = %g", cfg.Attack.Eps), rob}} {
			var lx, ly []float64 // networks with a measured (positive) λ_top
			for i, l := range x.lam {
				if l > 0 {
					lx, ly = append(lx, math.Log10(l)), append(ly, c.y[i])
				}
			}
			lo, hi, r := bootstrapCorr(lx, ly, 2000, seed.New(1, seed.Sample, 13))
			rep.Rows = append(rep.Rows, Row{Quantity: "corr(log " + x.name + ", " + c.name + ") over models × seeds", Ours: NewStat("", r), Paper: "— (new)",
				Note: fmt.Sprintf("95%% bootstrap interval [%.2f, %.2f], n=%d", lo, hi, len(lx))})
		}
	}
	rep.Notes = append(rep.Notes,
		fmt.Sprintf("Hessian of the mean cross-entropy on %d training examples, cap masks fixed, with respect to the output weights U (every model) and to (U, W) (T = 3); input weights A are not included, although gd-full trains them. Lanczos %d steps, Hutchinson %d probes.", cfg.Measure, cfg.Curvature.Lanczos, cfg.Curvature.Probes),
		"The loss is not invariant to the scale of U: a rule that grows U (perceptron updates on mistakes) gives large logits, small cross-entropy curvature where it is confident and large curvature on its mistakes, so λ_top compares where the learners end, not how 'flat' a scale-free solution is. The calibrated rows measure every network at cU, the scale of its output weights that minimises the loss on the measured examples (temperature scaling: the predictions are the network's own), which makes the curvature in U independent of how large a learner made U.",
		fmt.Sprintf("T = 3 rules meta-learned once (seed 1, %d steps, batch %d), graph table scaled by %g, as table2.", cfg.Meta.Steps, cfg.Meta.Batch, cfg.Meta.GraphScale))
	if env.Quick {
		rep.Notes = append(rep.Notes, "--quick: tiny networks and data; not the experiment's size.")
	}
	return rep, pcFigure(env, cfg, vals)
}

// pcMeasure measures one trained network.
func pcMeasure(env *Env, cfg plasticityCurvatureConfig, net *plasticity.Network, sp *dataset.Split, s uint64, model string) ([]float64, error) {
	v := make([]float64, pcLen)
	for i := range v {
		v[i] = math.NaN()
	}
	v[pcTest] = plasticity.Evaluate(net, sp.Test).Accuracy
	r, err := attack.Robustness(attack.Network(net), sp.Test, &attack.Settings{Config: attack.Config{Eps: []float64{cfg.Attack.Eps}, Steps: cfg.Attack.Steps, Images: cfg.Attack.Images, Seed: s}})
	if err != nil {
		return nil, err
	}
	v[pcRobust] = r.Robust[0]
	set := sp.Train.Sample(cfg.Measure, seed.PCG(s, seed.Sample, 20))
	cc := cfg.Curvature
	cc.Seed = s
	// One split loss serves every block, at U and at cU. Its Params are
	// the last θ it evaluated, so the network's own θ is kept apart.
	l, err := networkLoss(net, set, plasticity.CrossEntropy, 0)
	if err != nil {
		return nil, err
	}
	theta := l.Params()
	blocks := []string{BlockOutput}
	if len(net.W) > 0 {
		blocks = append(blocks, BlockAll)
	}
	// measure writes the spectrum of block b of the loss at U scaled by
	// scale to v at off (λ_top, λ_min, trace, trace s.e.) and sec.
	measure := func(b string, scale float64, off, sec int) (*Curvature, error) {
		h, err := scaledHessian(net, l, slices.Clone(theta), b, scale)
		if err != nil {
			return nil, err
		}
		c, err := MeasureCurvature(h, cc, nil)
		if err != nil {
			return nil, err
		}
		v[off], v[off+1], v[off+2], v[off+3], v[sec] = c.LambdaTop(), c.LambdaMin(), c.Trace, c.TraceSE, c.Seconds
		return c, nil
	}
	for _, b := range blocks {
		off, sec := pcUTop, pcSecU
		if b == BlockAll {
			off, sec = pcATop, pcSecA
		}
		c, err := measure(b, 1, off, sec)
		if err != nil {
			return nil, err
		}
		env.Logf("  %s: block %s (%d parameters): λ_top %.4g, λ_min %.3g, trace %.4g ± %.2g (%.0fs)", model, b, c.Params, c.LambdaTop(), c.LambdaMin(), c.Trace, c.TraceSE, c.Seconds)
	}
	c, lc := CalibratedScale(l, theta, len(net.U))
	v[pcScale], v[pcCalLoss] = c, lc
	if math.IsInf(c, 1) {
		env.Logf("  %s: the measured examples are separated (the loss falls as U grows): no calibrated curvature", model)
	} else {
		for _, b := range blocks {
			off, sec := pcCalTop, pcSecCal
			if b == BlockAll {
				off, sec = pcCalATop, pcSecCalA
			}
			cal, err := measure(b, c, off, sec)
			if err != nil {
				return nil, err
			}
			env.Logf("  %s: block %s at the loss-minimising scale c = %.4g of U (loss %.4g): λ_top %.4g, λ_min %.3g, trace %.4g ± %.2g (%.0fs)", model, b, c, lc, cal.LambdaTop(), cal.LambdaMin(), cal.Trace, cal.TraceSE, cal.Seconds)
		}
	}
	xs := set.Rows()
	v[pcH2], v[pcHTop] = hiddenMoments(net, xs)
	cl := plasticity.NewClassLoss(net, xs, set.Y, plasticity.CrossEntropy)
	v[pcLoss] = cl.Grad(make([]float64, cl.Len()), cl.Params())
	return v, nil
}

// pcPaper returns Table 2's MNIST number for a model (ε = 0: test accuracy).
func pcPaper(model string, eps float64) string {
	p, ok := paperTable2[model]
	if !ok {
		return "—"
	}
	switch eps {
	case 0:
		return p[0] + " (Table 2)"
	case 2:
		return p[2] + " (Table 2)"
	case 4:
		return p[3] + " (Table 2)"
	}
	return "—"
}

// hiddenMoments returns the mean of ‖hᵀ‖² over the inputs xs and the
// largest eigenvalue of the mean of hᵀhᵀᵀ, from the Gram matrix of the
// hidden states (which has the same non-zero eigenvalues).
func hiddenMoments(net *plasticity.Network, xs [][]float64) (meanSq, top float64) {
	ws := net.NewWorkspace()
	n := len(xs)
	hs := make([][]float64, n)
	for i, x := range xs {
		net.ForwardWS(ws, x)
		hs[i] = slices.Clone(ws.H[len(ws.H)-1])
	}
	g := mat.NewSymDense(n, nil)
	for i := range n {
		for j := i; j < n; j++ {
			g.SetSym(i, j, floats.Dot(hs[i], hs[j])/float64(n))
		}
		meanSq += g.At(i, i)
	}
	var eig mat.EigenSym
	if !eig.Factorize(g, false) {
		return meanSq, math.NaN()
	}
	return meanSq, slices.Max(eig.Values(nil))
}

// ratio returns a[i]/b[i].
func ratio(a, b []float64) []float64 {
	out := make([]float64, len(a))
	for i := range a {
		out[i] = a[i] / b[i]
	}
	return out
}

func csvF(x float64) string {
	if math.IsNaN(x) {
		return ""
	}
	return output.F(x)
}

// pcFigure draws test accuracy and robust accuracy against λ_top in U,
// one marker shape and colour per model, one point per seed: at the
// networks' own output weights (top row), at their loss-minimising scale
// (middle row), and that divided by the mean ‖hᵀ‖² (bottom row).
func pcFigure(env *Env, cfg plasticityCurvatureConfig, vals map[string][][]float64) error {
	var plots []*plot.Plot
	for _, xc := range []struct {
		col   int
		label string
	}{{pcUTop, "λ_top of the training loss in U (log scale)"}, {pcCalTop, "λ_top in U at the loss-minimising scale of U (log scale)"},
		{pcH2, "calibrated λ_top in U ÷ mean ‖hᵀ‖² (log scale)"}} {
		for _, panel := range []struct {
			col   int
			label string
		}{{pcTest, "test accuracy"}, {pcRobust, fmt.Sprintf("robust accuracy, ε = %g", cfg.Attack.Eps)}} {
			p := plot.New()
			p.Title.Text = panel.label + ", against the curvature of the loss in U"
			switch xc.col {
			case pcCalTop:
				p.Title.Text = panel.label + ", against the calibrated curvature in U"
			case pcH2:
				p.Title.Text = panel.label + ", against the calibrated curvature per ‖hᵀ‖²"
			}
			p.X.Label.Text = xc.label
			p.Y.Label.Text = panel.label
			p.X.Scale = plot.LogScale{}
			p.X.Tick.Marker = output.LogTicks{}
			p.Legend.Top = true
			p.Legend.Left = false
			for i, model := range cfg.Models {
				var xy plotter.XYs
				for _, v := range vals[model] {
					x := v[xc.col]
					if xc.col == pcH2 { // the row of calibrated λ_top per ‖hᵀ‖²
						x = v[pcCalTop] / v[pcH2]
					}
					if x > 0 {
						xy = append(xy, plotter.XY{X: x, Y: v[panel.col]})
					}
				}
				if len(xy) == 0 {
					continue
				}
				sc, err := plotter.NewScatter(xy)
				if err != nil {
					return err
				}
				sc.GlyphStyle.Shape = plotutil.DefaultGlyphShapes[i%len(plotutil.DefaultGlyphShapes)]
				sc.GlyphStyle.Color = plotutil.Color(i)
				sc.GlyphStyle.Radius = vg.Points(4)
				if strings.HasPrefix(model, "gd") {
					sc.GlyphStyle.Shape = draw.CrossGlyph{}
				}
				p.Add(sc)
				p.Legend.Add(model, sc)
			}
			p.Add(plotter.NewGrid())
			p.Y.Min, p.Y.Max = 0, 1.25
			if p.X.Min > 0 {
				p.X.Min, p.X.Max = p.X.Min/1.4, p.X.Max*1.4 // markers off the frame
			}
			p.Legend.Padding = vg.Points(2)
			p.BackgroundColor = color.White
			plots = append(plots, p)
		}
	}
	return output.SavePlots(env.Path("plasticity-curvature"), plots, 3, 2, 30*vg.Centimeter, 36*vg.Centimeter)
}
