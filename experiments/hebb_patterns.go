package experiments

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/plasticity/hebb"
)

// hebbRun is one network of a hebb experiment, trained for every seed.
type hebbRun struct {
	// Name labels the run in tables and legends.
	Name string `toml:"name"`
	// Panel groups runs into one panel of the figure (default: Task).
	Panel string `toml:"panel"`
	// Task is patterns-reduced, patterns-full or images.
	Task string `toml:"task"`
	// P overrides the number of bits (0: the task's).
	P int `toml:"p"`
	// Extra neurons without input.
	Extra int `toml:"extra"`
	// Alpha is the α mode (none: the non-plastic network).
	Alpha hebb.AlphaMode `toml:"alpha"`
	// Rule is the trace rule ("": hebb).
	Rule hebb.Rule `toml:"rule"`
	// Dataset for images.
	Dataset string `toml:"dataset"`
	// Episodes, LR (0: the task's default).
	Episodes int     `toml:"episodes"`
	LR       float64 `toml:"lr"`
	// Reference is the number to compare with (SPEC §10), as text.
	Reference string `toml:"reference"`
}

type hebbExpConfig struct {
	// EvalEpisodes is the number of fresh test episodes per run.
	EvalEpisodes int `toml:"eval_episodes"`
	// CurveBins is the number of points of each learning curve.
	CurveBins int `toml:"curve_bins"`
	// TrainImages and TestImages (images).
	TrainImages int `toml:"train_images"`
	TestImages  int `toml:"test_images"`
	// Images overrides the image task's schedule (zero: SPEC §10's).
	Images hebb.ImageTask `toml:"images"`
	Runs   []hebbRun      `toml:"runs"`
	// Quick replaces Runs at the quick size.
	Quick []hebbRun `toml:"quick"`
}

func init() {
	register(&Experiment{
		Name:       "hebb-patterns",
		Title:      "differentiable plasticity: plastic vs non-plastic networks on pattern memorisation and completion",
		Reproduces: "Miconi, Clune & Stanley 2018, the binary pattern task (SPEC §10)",
		FullTime:   "about 2 minutes on two cores (3.3 CPU-minutes: reduced task and P = 200, 3 seeds); the paper's size, configs/hebb-patterns-full.toml, about 0.8 CPU-s per plastic episode, 30 CPU-minutes per seed",
		Run:        runHebbPatterns,
	})
}

// hebbRunConfig makes the HebbConfig of run r for seed s.
func hebbRunConfig(r hebbRun, ec hebbExpConfig, s uint64) HebbConfig {
	c := DefaultHebbConfig(r.Task)
	if r.P > 0 {
		c.Patterns.P = r.P
	}
	c.Patterns.Extra = r.Extra
	if r.Alpha != "" {
		c.Network.Alpha = r.Alpha
	}
	if r.Rule != "" {
		c.Network.Rule = r.Rule
		if r.Rule == hebb.RuleNeuro {
			c.Network.Clip = 1
		}
	}
	if r.Dataset != "" {
		c.Dataset = r.Dataset
	}
	if r.Episodes > 0 {
		c.Episodes = r.Episodes
	}
	if r.LR > 0 {
		c.LR = r.LR
	}
	if ec.EvalEpisodes > 0 {
		c.EvalEpisodes = ec.EvalEpisodes
	}
	if ec.TrainImages > 0 {
		c.TrainImages = ec.TrainImages
	}
	if ec.TestImages > 0 {
		c.TestImages = ec.TestImages
	}
	if ec.Images.Dim > 0 {
		c.Images = ec.Images
	}
	c.Seed = s
	c.Network.N = c.Neurons()
	return c
}

// hebbTrainCell trains one run for one seed and returns the cell values:
// test loss, test sign error, final η, training seconds, then (episodes,
// loss, sign error) for every bin of the learning curve. keep, if not
// nil, receives the trained setup.
func hebbTrainCell(env *Env, c HebbConfig, bins int, label string, keep func(*HebbSetup)) ([]float64, error) {
	setup, err := c.Setup(nil, env.DataDir)
	if err != nil {
		return nil, err
	}
	env.Logf("%s: %d episodes, N = %d", label, c.Episodes, setup.Net.N)
	var log []HebbPoint
	last := time.Now()
	tr, err := hebb.NewTrainer(setup.Net, setup.Train, &hebb.Settings{Episodes: c.Episodes, Batch: c.Batch, LR: c.LR,
		Progress: func(done int, l, e float64) {
			log = append(log, HebbPoint{Episodes: done, Loss: l, SignErr: e})
			if time.Since(last) > 10*time.Second {
				last = time.Now()
				env.Logf("%s: %d/%d episodes", label, done, c.Episodes)
			}
		}})
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	tr.Run()
	secs := time.Since(t0).Seconds()
	l, e := hebb.Evaluate(setup.Net, setup.Test, c.EvalEpisodes)
	v := []float64{l, e, setup.Net.Eta(), secs}
	cl, ce := HebbCurve(log, bins)
	for i := range cl {
		v = append(v, cl[i].X, cl[i].Y, ce[i].Y)
	}
	if keep != nil {
		keep(setup)
	}
	return v, nil
}

// hebbCurves collects the curves of every run over seeds and draws them.
type hebbCurves struct {
	runs   []hebbRun
	x      map[string][]float64
	y      map[string][][]float64 // [run][bin] over seeds
	rows   [][]string
	metric string
}

func (h *hebbCurves) add(r hebbRun, s int, v []float64) {
	if h.x == nil {
		h.x, h.y = map[string][]float64{}, map[string][][]float64{}
	}
	for i := 0; 4+3*i+2 < len(v); i++ {
		x, l, e := v[4+3*i], v[5+3*i], v[6+3*i]
		if len(h.y[r.Name]) <= i {
			h.y[r.Name] = append(h.y[r.Name], nil)
			h.x[r.Name] = append(h.x[r.Name], x)
		}
		y := e
		if h.metric == "loss" {
			y = l
		}
		h.y[r.Name][i] = append(h.y[r.Name][i], y)
		h.rows = append(h.rows, []string{fmt.Sprint(s), r.Name, output.F(x), output.F(l), output.F(e)})
	}
}

// figure draws one panel per Panel with the mean ± sd of every run.
func (h *hebbCurves) figure(base, ylabel string, seeds int) error {
	var panels []string
	for _, r := range h.runs {
		p := r.Panel
		if p == "" {
			p = r.Task
		}
		if !slices.Contains(panels, p) {
			panels = append(panels, p)
		}
	}
	var ps []*plot.Plot
	for _, pn := range panels {
		var cs []output.Curve
		for _, r := range h.runs {
			p := r.Panel
			if p == "" {
				p = r.Task
			}
			if p != pn {
				continue
			}
			c := output.Curve{Name: r.Name, Dashed: r.Alpha == hebb.AlphaNone}
			for b, vs := range h.y[r.Name] {
				st := NewStat("", vs...)
				c.XY = append(c.XY, plotter.XY{X: h.x[r.Name][b], Y: st.Mean})
				if seeds > 1 {
					c.Err = append(c.Err, st.SD)
				}
			}
			cs = append(cs, c)
		}
		title := pn
		if seeds > 1 {
			title += fmt.Sprintf(" (mean ± sd, %d seeds)", seeds)
		}
		p, err := output.LinePlot(title, "training episodes", ylabel, cs, false, false)
		if err != nil {
			return err
		}
		// Room above the curves for the legend, and labelled ticks.
		ymax := 0.0
		for _, c := range cs {
			for i, xy := range c.XY {
				e := 0.0
				if c.Err != nil {
					e = c.Err[i]
				}
				ymax = max(ymax, xy.Y+e)
			}
		}
		p.Y.Min, p.Y.Max = 0, 1.45*ymax
		p.Y.Tick.Marker, p.X.Tick.Marker = HebbTicks{}, HebbTicks{}
		p.Legend.Left = false
		ps = append(ps, p)
	}
	return output.SavePlots(base, ps, 1, len(ps), vg.Length(len(ps))*5*vg.Inch, 4*vg.Inch)
}

func runHebbPatterns(env *Env, text []byte) (*Report, error) {
	var cfg hebbExpConfig
	if err := decode(text, &cfg); err != nil {
		return nil, err
	}
	if cfg.CurveBins < 1 {
		return nil, fmt.Errorf("curve_bins %d: want ≥ 1", cfg.CurveBins)
	}
	runs := cfg.Runs
	if env.Quick {
		runs = cfg.Quick
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("no runs configured")
	}
	n := seeds(env, 3, 1)
	rep := &Report{Seeds: n}
	curves := &hebbCurves{runs: runs, metric: "sign error"}
	final := map[string][]float64{}
	etas := map[string][]float64{}
	secs := map[string][]float64{}
	var summary [][]string
	for _, r := range runs {
		for s := 1; s <= n; s++ {
			c := hebbRunConfig(r, cfg, uint64(s))
			if err := c.Validate(); err != nil {
				return nil, fmt.Errorf("run %q: %w", r.Name, err)
			}
			label := fmt.Sprintf("seed %d, %s", s, r.Name)
			v, err := env.Cell(label, func() ([]float64, error) { return hebbTrainCell(env, c, cfg.CurveBins, "hebb-patterns: "+label, nil) })
			if err != nil {
				return nil, err
			}
			final[r.Name] = append(final[r.Name], v[1])
			etas[r.Name] = append(etas[r.Name], v[2])
			secs[r.Name] = append(secs[r.Name], v[3])
			curves.add(r, s, v)
			summary = append(summary, []string{fmt.Sprint(s), r.Name, fmt.Sprint(c.Episodes), fmt.Sprint(c.Neurons()), output.F(v[0]), output.F(v[1]), output.F(v[2]), output.F(v[3])})
		}
		st := NewStat("", final[r.Name]...)
		rc := hebbRunConfig(r, cfg, 1)
		note := fmt.Sprintf("%d episodes, N = %d, α %s", rc.Episodes, rc.Neurons(), rc.Network.Alpha)
		if rc.Network.Alpha != hebb.AlphaNone {
			note += fmt.Sprintf("; η 0.01 → %.3g", NewStat("", etas[r.Name]...).Mean)
		}
		note += fmt.Sprintf("; %.0f s per seed", NewStat("", secs[r.Name]...).Mean)
		rep.Rows = append(rep.Rows, Row{Quantity: "test sign error: " + r.Name, Ours: st, Paper: r.Reference, Note: note})
	}
	if err := output.WriteCSV(env.Path("curves.csv"), []string{"seed", "run", "episodes", "loss", "sign_error"}, curves.rows); err != nil {
		return nil, err
	}
	if err := output.WriteCSV(env.Path("final.csv"), []string{"seed", "run", "episodes", "neurons", "test_loss", "test_sign_error", "eta", "train_seconds"}, summary); err != nil {
		return nil, err
	}
	if err := curves.figure(env.Path("curves"), "training sign error (bin mean; chance ≈ 0.25)", n); err != nil {
		return nil, err
	}
	rep.Notes = append(rep.Notes,
		"Sign error: the fraction of pattern bits whose sign is wrong at the last step, on fresh test episodes (chance ≈ 0.25: half the bits are given). "+
			"The reference numbers are those of an independent implementation of the same equations (SPEC §10); the paper itself reports curves: plastic networks learn the task, non-plastic ones (RNNs, LSTMs of ~2000 units) orders of magnitude more slowly or not at all.",
		"curves.png: training sign error (means over bins of consecutive episodes) against episodes; dashed lines are non-plastic networks (α ≡ 0), trained by the same code.")
	return rep, nil
}

// HebbTicks labels about six round values of a linear axis.
type HebbTicks struct{}

// Ticks returns the ticks from min to max.
func (HebbTicks) Ticks(min, max float64) []plot.Tick {
	if !(max > min) {
		return plot.DefaultTicks{}.Ticks(min, max)
	}
	raw := (max - min) / 6
	step := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*step >= raw {
			step *= m
			break
		}
	}
	var ts []plot.Tick
	for v := math.Ceil(min/step) * step; v <= max+step*1e-9; v += step {
		ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', 4, 64)})
	}
	return ts
}
