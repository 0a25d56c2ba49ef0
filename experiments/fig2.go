package experiments

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/plasticity"
)

type fig2Config struct {
	Dataset   string `toml:"dataset"`
	TrainSize int    `toml:"train_size"`
	// TestSize is the number of test images for the final accuracy; 0 means all.
	TestSize int `toml:"test_size"`
	// CurveSize random test images measure the curves every CurveEvery examples.
	CurveSize  int `toml:"curve_size"`
	CurveEvery int `toml:"curve_every"`
	// Checkpoints are the numbers of examples seen reported in the table.
	Checkpoints []int `toml:"checkpoints"`
	// Reach are the curve accuracies whose first-passage times are reported.
	Reach []float64 `toml:"reach"`
	// Network is the model and the rule's training (epochs, scheme).
	Network plasticity.Config `toml:"network"`
	// GD is the Adam baseline on the output weights; its epochs are the network's.
	GD plasticity.GDConfig `toml:"gd"`
}

func init() {
	register(&Experiment{
		Name:       "fig2",
		Title:      "learning curves of the perceptron output rule and of Adam on the output weights (MNIST)",
		Reproduces: "paper Figure 2 (plasticity vs Adam, examples needed)",
		FullTime:   "about 7 minutes on two cores (measured 406 s, cores shared with another run)",
		Run:        runFig2,
	})
}

func runFig2(env *Env, text []byte) (*Report, error) {
	var cfg fig2Config
	if err := decode(text, &cfg); err != nil {
		return nil, err
	}
	if cfg.GD.Method != "" && cfg.GD.Method != plasticity.GDOutput {
		return nil, fmt.Errorf("fig2: the baseline of Figure 2 is %s, config has %s", plasticity.GDOutput, cfg.GD.Method)
	}
	if env.Quick {
		cfg.TrainSize, cfg.TestSize, cfg.CurveSize, cfg.CurveEvery = 1000, 500, 200, 100
		cfg.Network.Nodes, cfg.Network.Cap, cfg.Network.Epochs = 100, 50, 1
		cfg.Checkpoints = []int{100, 500, 1000}
	}
	n := seeds(env, 3, 1)
	nc := cfg.Network.Defaults()
	gc := cfg.GD
	gc.Method, gc.Epochs = plasticity.GDOutput, nc.Epochs
	gc = gc.Defaults()
	names := []string{"perceptron output rule (mistakes)", fmt.Sprintf("Adam on U (gd-output, lr %g)", gc.LR)}
	curves := make([][][]plasticity.CurvePoint, 2)
	final := make([][]float64, 2)
	reach := make([][][]float64, 2)
	for k := range reach {
		reach[k] = make([][]float64, len(cfg.Reach))
	}
	var curveRows, finalRows [][]string
	for s := 1; s <= n; s++ {
		// A seed is a cell of cells.json: a rerun with the same --out keeps
		// the finished seeds.
		flat, err := env.Cell(fmt.Sprintf("fig2 seed %d", s), func() ([]float64, error) {
			env.Logf("fig2 seed %d/%d: loading %s", s, n, cfg.Dataset)
			sp, err := plLoad(env, cfg.Dataset, uint64(s), cfg.TrainSize, cfg.TestSize)
			if err != nil {
				return nil, err
			}
			curveSet := sp.Test.Sample(cfg.CurveSize, seed.PCG(uint64(s), seed.Sample, 1))
			c := cfg.Network
			c.Seed = uint64(s)
			net, err := plNet(c, sp.Train)
			if err != nil {
				return nil, err
			}
			env.Logf("fig2 seed %d/%d: %s", s, n, names[0])
			acc, tr, err := plTrainEval(net, plasticity.Rules{Output: plasticity.Perceptron(nc.Rounds)}, sp,
				&plasticity.TrainSettings{CurveEvery: cfg.CurveEvery, CurveSet: curveSet})
			if err != nil {
				return nil, fmt.Errorf("fig2 seed %d: %w", s, err)
			}
			env.Logf("fig2 seed %d/%d: %s", s, n, names[1])
			g := gc
			g.Seed = uint64(s)
			gr, err := plasticity.GD(net, sp.Train, &plasticity.GDSettings{GDConfig: g, CurveEvery: cfg.CurveEvery, CurveSet: curveSet})
			if err != nil {
				return nil, fmt.Errorf("fig2 seed %d: %w", s, err)
			}
			ga := plasticity.Evaluate(net, sp.Test).Accuracy
			env.Logf("fig2 seed %d/%d: final test accuracy: rule %.4f, Adam %.4f", s, n, acc, ga)
			return fig2Flatten(float64(sp.Test.Len()), []float64{acc, ga}, [][]plasticity.CurvePoint{tr.Curve, gr.Curve}), nil
		})
		if err != nil {
			return nil, err
		}
		testLen, fin, cvs := fig2Unflatten(flat)
		for k := range names {
			final[k] = append(final[k], fin[k])
			curves[k] = append(curves[k], cvs[k])
		}
		for k := range names {
			cv := curves[k][s-1]
			for _, p := range cv {
				curveRows = append(curveRows, []string{names[k], fmt.Sprint(s), fmt.Sprint(p.Seen), fmt.Sprint(p.Epoch), output.F(p.Accuracy), output.F(p.OnlineAccuracy)})
			}
			for j, a := range cfg.Reach {
				reach[k][j] = append(reach[k][j], fig2FirstReach(cv, a))
			}
			finalRows = append(finalRows, []string{names[k], fmt.Sprint(s), output.F(final[k][s-1]), fmt.Sprint(testLen)})
		}
	}
	rep := &Report{Seeds: n, Config: withDefaults(cfg)}
	var cs []output.Curve
	var tableRows [][]string
	for k, name := range names {
		cs = append(cs, plMeanCurve(name, curves[k], k == 1))
		for _, cp := range cfg.Checkpoints {
			v := make([]float64, len(curves[k]))
			for i, cv := range curves[k] {
				v[i] = plAccuracyAt(cv, cp)
			}
			st := NewStat("%", v...)
			rep.Rows = append(rep.Rows, Row{Quantity: fmt.Sprintf("accuracy after %d examples, %s", cp, name), Ours: st, Paper: "shape only",
				Note: fmt.Sprintf("%d test images", cfg.CurveSize)})
			tableRows = append(tableRows, []string{name, fmt.Sprint(cp), output.F(st.Mean), output.F(st.SD), fmt.Sprint(st.N)})
		}
		for j, a := range cfg.Reach {
			var got []float64
			for _, v := range reach[k][j] {
				if !math.IsNaN(v) {
					got = append(got, v)
				}
			}
			rep.Rows = append(rep.Rows, Row{Quantity: fmt.Sprintf("examples to reach %.0f %%, %s", 100*a, name), Ours: NewStat("", got...), Paper: "rule needs fewer",
				Note: fmt.Sprintf("first curve point at or above; reached in %d/%d seeds", len(got), len(reach[k][j]))})
		}
		rep.Rows = append(rep.Rows, Row{Quantity: "final test accuracy, " + name, Ours: NewStat("%", final[k]...), Paper: "—",
			Note: fmt.Sprintf("%d epoch(s) of %d images", nc.Epochs, cfg.TrainSize)})
	}
	if err := output.WriteCSV(env.Path("curves.csv"), []string{"method", "seed", "seen", "epoch", "curve_accuracy", "online_accuracy"}, curveRows); err != nil {
		return nil, err
	}
	if err := output.WriteCSV(env.Path("checkpoints.csv"), []string{"method", "seen", "mean_accuracy", "sd", "n"}, tableRows); err != nil {
		return nil, err
	}
	if err := output.WriteCSV(env.Path("final.csv"), []string{"method", "seed", "test_accuracy", "test_size"}, finalRows); err != nil {
		return nil, err
	}
	if err := plSummaryCSV(env, "summary.csv", rep); err != nil {
		return nil, err
	}
	p, err := output.LinePlot(fmt.Sprintf("%s, |V| = %d, T = %d: test accuracy (mean ± sd over %d seeds)", cfg.Dataset, nc.Nodes, nc.Rounds, n), "training examples seen", "test accuracy", cs, true, false)
	if err != nil {
		return nil, err
	}
	p.Legend.Top, p.Legend.Left = false, false
	p.Legend.YOffs = vg.Inch
	if err := output.SavePlots(env.Path("fig2"), []*plot.Plot{p}, 1, 1, 7*vg.Inch, 4.5*vg.Inch); err != nil {
		return nil, err
	}
	rep.Notes = append(rep.Notes,
		fmt.Sprintf("MNIST, %d random training images (a new subset and a new network per seed), |V| = %d, k = %d, T = %d, %d epoch(s). The rule is the perceptron output rule (η = %g, updates on mistakes); the baseline trains only U with Adam (lr %g, batch %d, cross-entropy), the rest of the network fixed and shared with the rule's run. Curves are measured every %d examples on %d random test images; the final accuracy on %v test images.",
			cfg.TrainSize, nc.Nodes, nc.Cap, nc.Rounds, nc.Epochs, nc.Eta, gc.LR, gc.Batch, cfg.CurveEvery, cfg.CurveSize, plTestLen(cfg.TestSize)))
	return rep, nil
}

// fig2FirstReach returns the first number of examples at which the curve
// reaches acc, NaN if it never does.
func fig2FirstReach(cv []plasticity.CurvePoint, acc float64) float64 {
	for _, p := range cv {
		if p.Accuracy >= acc {
			return float64(p.Seen)
		}
	}
	return math.NaN()
}

// fig2Flatten packs one seed's results into a cell: the test size, the
// final accuracies, then each curve as its length and (seen, epoch,
// accuracy, online accuracy) per point.
func fig2Flatten(testLen float64, final []float64, curves [][]plasticity.CurvePoint) []float64 {
	v := append([]float64{testLen}, final...)
	for _, cv := range curves {
		v = append(v, float64(len(cv)))
		for _, p := range cv {
			v = append(v, float64(p.Seen), float64(p.Epoch), p.Accuracy, p.OnlineAccuracy)
		}
	}
	return v
}

// fig2Unflatten undoes fig2Flatten for two methods.
func fig2Unflatten(v []float64) (testLen int, final []float64, curves [][]plasticity.CurvePoint) {
	testLen, final, v = int(v[0]), v[1:3], v[3:]
	for range 2 {
		n := int(v[0])
		cv := make([]plasticity.CurvePoint, n)
		for i := range cv {
			q := v[1+4*i:]
			cv[i] = plasticity.CurvePoint{Seen: int(q[0]), Epoch: int(q[1]), Accuracy: q[2], OnlineAccuracy: q[3]}
		}
		curves = append(curves, cv)
		v = v[1+4*n:]
	}
	return testLen, final, curves
}
