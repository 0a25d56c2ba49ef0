package experiments

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/plasticity"
)

type optimalMSEConfig struct {
	Dataset   string `toml:"dataset"`
	TrainSize int    `toml:"train_size"`
	// TestSize is the number of test images; 0 means all.
	TestSize int `toml:"test_size"`
	// CurveSize test images measure the learning curves every CurveEvery
	// training examples.
	CurveSize  int `toml:"curve_size"`
	CurveEvery int `toml:"curve_every"`
	// InputOnes lists the input-weight variants: false is A ~ N(0, 1),
	// true is A = 1.
	InputOnes []bool `toml:"input_ones"`
	// Network is the model; scheme and all_edges are set per method.
	Network plasticity.Config `toml:"network"`
}

func init() {
	register(&Experiment{
		Name:       "optimal-mse",
		Title:      "the closed-form optimal MSE output rule against the perceptron on MNIST",
		Reproduces: "paper appendix B and A.4 (optimal MSE output rule)",
		FullTime:   "about 8 minutes on two cores (measured 458 s, cores shared with another run)",
		Run:        runOptimalMSE,
	})
}

type omMethod struct {
	name, paper string
	scheme      plasticity.Scheme
	allEdges    bool
	optimal     bool
}

func runOptimalMSE(env *Env, text []byte) (*Report, error) {
	var cfg optimalMSEConfig
	if err := decode(text, &cfg); err != nil {
		return nil, err
	}
	if len(cfg.InputOnes) == 0 {
		cfg.InputOnes = []bool{false}
	}
	if env.Quick {
		cfg.TrainSize, cfg.TestSize, cfg.CurveSize, cfg.CurveEvery = 1000, 500, 200, 500
		cfg.Network.Nodes, cfg.Network.Cap = 100, 50
		cfg.InputOnes = cfg.InputOnes[:1]
	}
	n := seeds(env, 3, 1)
	methods := []omMethod{
		{"optimal MSE rule, all + all-edges", "≈ 89 %", plasticity.All, true, true},
		{"perceptron, all + all-edges", "88–89 %", plasticity.All, true, false},
		{"perceptron, mistakes", "92 %", plasticity.Mistakes, false, false},
	}
	rep := &Report{Seeds: n, Config: withDefaults(cfg)}
	var accRows, curveRows, ruleRows [][]string
	var plots []*plot.Plot
	for _, ones := range cfg.InputOnes {
		variant := "A ~ N(0,1)"
		if ones {
			variant = "A = 1"
		}
		acc := make([][]float64, len(methods))
		curves := make([][][]plasticity.CurvePoint, len(methods))
		var mseOpt, msePerc []float64
		var normTables [][]float64
		for s := 1; s <= n; s++ {
			// A (variant, seed) is a cell of cells.json: a rerun with the
			// same --out keeps the finished ones.
			flat, err := env.Cell(fmt.Sprintf("optimal-mse %s seed %d", variant, s), func() ([]float64, error) {
				env.Logf("optimal-mse %s seed %d/%d: loading %s", variant, s, n, cfg.Dataset)
				sp, err := plLoad(env, cfg.Dataset, uint64(s), cfg.TrainSize, cfg.TestSize)
				if err != nil {
					return nil, err
				}
				curveSet := sp.Test.Sample(cfg.CurveSize, seed.PCG(uint64(s), seed.Sample, 1))
				var head []float64 // train size, test size, MSE, perceptron's MSE, rank, table size, table entries
				var accs []float64
				var cvs [][]plasticity.CurvePoint
				for _, m := range methods {
					nc := cfg.Network
					nc.Seed, nc.InputOnes, nc.Scheme, nc.AllEdges = uint64(s), ones, m.scheme, m.allEdges
					net, err := plNet(nc, sp.Train)
					if err != nil {
						return nil, err
					}
					rule := plasticity.Perceptron(nc.Defaults().Rounds)
					if m.optimal {
						opt, err := plasticity.OptimalOutputRule(net, sp.Train)
						if err != nil {
							return nil, err
						}
						rule = opt.Rule
						pm := omScaledMSE(opt, plasticity.Perceptron(nc.Defaults().Rounds).Table)
						t := opt.Rule.Table
						head = append([]float64{float64(sp.Train.Len()), float64(sp.Test.Len()), opt.MSE, pm, float64(opt.Rank), float64(len(t))}, t...)
						env.Logf("optimal-mse %s seed %d: optimal rule %s (signs %s), MSE %.5f; the perceptron at its best scale %.5f", variant, s, plFmtTable(t, 2), plSigns(t, 2), opt.MSE, pm)
					}
					a, res, err := plTrainEval(net, plasticity.Rules{Output: rule}, sp, &plasticity.TrainSettings{CurveEvery: cfg.CurveEvery, CurveSet: curveSet})
					if err != nil {
						return nil, fmt.Errorf("optimal-mse %s, %s, seed %d: %w", variant, m.name, s, err)
					}
					accs, cvs = append(accs, a), append(cvs, res.Curve)
					env.Logf("optimal-mse %s seed %d: %s: test accuracy %.4f", variant, s, m.name, a)
				}
				return fig2Flatten(0, append(head, accs...), cvs), nil
			})
			if err != nil {
				return nil, err
			}
			h := flat[1:]
			nh := 6 + int(h[5])
			trainLen, testLen, mse, pm, rank, t := int(h[0]), int(h[1]), h[2], h[3], int(h[4]), h[6:nh]
			mseOpt, msePerc = append(mseOpt, mse), append(msePerc, pm)
			normTables = append(normTables, plNormalised(t))
			row := []string{variant, fmt.Sprint(s), output.F(mse), output.F(pm), fmt.Sprint(rank), plSigns(t, 2)}
			for _, v := range t {
				row = append(row, output.F(v))
			}
			ruleRows = append(ruleRows, row)
			rest := flat[1+nh:]
			cvs := omUnflattenCurves(rest[len(methods):], len(methods))
			for k, m := range methods {
				a := rest[k]
				acc[k] = append(acc[k], a)
				curves[k] = append(curves[k], cvs[k])
				for _, p := range cvs[k] {
					curveRows = append(curveRows, []string{variant, m.name, fmt.Sprint(s), fmt.Sprint(p.Seen), output.F(p.Accuracy), output.F(p.OnlineAccuracy)})
				}
				accRows = append(accRows, []string{variant, m.name, fmt.Sprint(s), output.F(a), fmt.Sprint(trainLen), fmt.Sprint(testLen)})
			}
		}
		var cs []output.Curve
		for k, m := range methods {
			rep.Rows = append(rep.Rows, Row{Quantity: fmt.Sprintf("test accuracy, %s (%s)", m.name, variant), Ours: NewStat("%", acc[k]...), Paper: m.paper,
				Note: fmt.Sprintf("%d epoch(s), %d training images", cfg.Network.Defaults().Epochs, cfg.TrainSize)})
			cs = append(cs, plMeanCurve(m.name, curves[k], m.optimal))
		}
		rep.Rows = append(rep.Rows,
			Row{Quantity: "training MSE, optimal rule (" + variant + ")", Ours: NewStat("", mseOpt...), Paper: "—", Note: "one epoch, all + all-edges"},
			Row{Quantity: "training MSE, perceptron at its best scale (" + variant + ")", Ours: NewStat("", msePerc...), Paper: "—", Note: "≥ the optimum by construction"},
		)
		mean := make([]float64, 4)
		for _, t := range normTables {
			for i, v := range t {
				mean[i] += v / float64(len(normTables))
			}
		}
		rep.Notes = append(rep.Notes, fmt.Sprintf("%s: optimal rule normalised by its largest entry, mean over seeds: %s (signs %s).", variant, plFmtTable(mean, 2), plSigns(mean, 2)))
		p, err := output.LinePlot(fmt.Sprintf("%s, %s: test accuracy (%d images)", cfg.Dataset, variant, cfg.CurveSize), "training examples seen", "test accuracy", cs, false, false)
		if err != nil {
			return nil, err
		}
		output.LegendAbove(p, cs)
		plots = append(plots, p)
	}
	if err := output.WriteCSV(env.Path("accuracy.csv"), []string{"input_weights", "method", "seed", "test_accuracy", "train_size", "test_size"}, accRows); err != nil {
		return nil, err
	}
	if err := output.WriteCSV(env.Path("curves.csv"), []string{"input_weights", "method", "seed", "seen", "curve_accuracy", "online_accuracy"}, curveRows); err != nil {
		return nil, err
	}
	if err := output.WriteCSV(env.Path("optimal-rules.csv"), []string{"input_weights", "seed", "mse", "mse_perceptron_best_scale", "rank", "signs", "r0_true", "r0_other", "r1_true", "r1_other"}, ruleRows); err != nil {
		return nil, err
	}
	if err := plSummaryCSV(env, "summary.csv", rep); err != nil {
		return nil, err
	}
	if err := output.SavePlots(env.Path("optimal-mse"), plots, 1, len(plots), vg.Length(len(plots))*6*vg.Inch, 4.5*vg.Inch); err != nil {
		return nil, err
	}
	nc := cfg.Network.Defaults()
	rep.Notes = append([]string{
		fmt.Sprintf("MNIST, %d random training images (a new subset per seed), %v test images; |V| = %d, k = %d, T = %d, η = %g, %d epoch(s). Each seed is a new network; the three methods of a seed share its masks and input weights. The optimal rule minimises the training MSE after one epoch with all updates and all-edges (appendix B), solved exactly; with additive rules and U = 0 at the start more epochs only scale U, so its predictions do not change.",
			cfg.TrainSize, plTestLen(cfg.TestSize), nc.Nodes, nc.Cap, nc.Rounds, nc.Eta, nc.Epochs),
	}, rep.Notes...)
	return rep, nil
}

// plTestLen describes a configured test-set size: 0 means all.
func plTestLen(n int) any {
	if n <= 0 {
		return "all"
	}
	return n
}

// omScaledMSE returns the training MSE of the rule table t at its best
// positive or negative scale, from the quadratic form of the optimum:
// MSE(θ) = θᵀGθ − 2Bᵀθ + c, minimised over θ = αt.
func omScaledMSE(opt *plasticity.OptimalRule, t []float64) float64 {
	th := mat.NewVecDense(len(opt.Rule.Table), append([]float64(nil), opt.Rule.Table...))
	var g mat.VecDense
	g.MulVec(opt.Gram, th)
	c := opt.MSE - mat.Dot(th, &g) + 2*mat.Dot(opt.B, th)
	tv := mat.NewVecDense(len(t), append([]float64(nil), t...))
	g.MulVec(opt.Gram, tv)
	q := mat.Dot(tv, &g)
	b := mat.Dot(opt.B, tv)
	if q == 0 {
		return c
	}
	return c - b*b/q
}

// omUnflattenCurves reads n curves packed as fig2Flatten packs them.
func omUnflattenCurves(v []float64, n int) [][]plasticity.CurvePoint {
	var curves [][]plasticity.CurvePoint
	for range n {
		k := int(v[0])
		cv := make([]plasticity.CurvePoint, k)
		for i := range cv {
			q := v[1+4*i:]
			cv[i] = plasticity.CurvePoint{Seen: int(q[0]), Epoch: int(q[1]), Accuracy: q[2], OnlineAccuracy: q[3]}
		}
		curves = append(curves, cv)
		v = v[1+4*k:]
	}
	return curves
}
