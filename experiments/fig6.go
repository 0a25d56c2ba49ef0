package experiments

import (
	"fmt"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/plasticity"
)

type fig6Config struct {
	Dataset    string            `toml:"dataset"`
	TrainSize  int               `toml:"train_size"`
	CurveEvery int               `toml:"curve_every"`
	CurveSize  int               `toml:"curve_size"`
	Schemes    []string          `toml:"schemes"`
	Network    plasticity.Config `toml:"network"`
}

func init() {
	register(&Experiment{
		Name:       "fig6",
		Title:      "update on every example vs on mistakes only (perceptron output rule, MNIST)",
		Reproduces: "paper Figure 6 and appendix A.4",
		FullTime:   "about 1 minute on two cores (3 seeds)",
		Run:        runFig6,
	})
}

// schemeConfig turns "mistakes", "all" or "all+alledges" into the network settings.
func schemeConfig(name string, cfg plasticity.Config) (plasticity.Config, error) {
	switch name {
	case "mistakes":
		cfg.Scheme = plasticity.Mistakes
	case "all":
		cfg.Scheme = plasticity.All
	case "all+alledges":
		cfg.Scheme, cfg.AllEdges = plasticity.All, true
	default:
		return cfg, fmt.Errorf("unknown scheme %q (want mistakes, all or all+alledges)", name)
	}
	return cfg, nil
}

func runFig6(env *Env, text []byte) (*Report, error) {
	var cfg fig6Config
	if err := decode(text, &cfg); err != nil {
		return nil, err
	}
	testSize := 0
	if env.Quick {
		cfg.TrainSize, cfg.CurveEvery, cfg.CurveSize, testSize = 600, 200, 200, 500
		cfg.Network.Nodes, cfg.Network.Cap, cfg.Network.Epochs = 100, 50, 1
	}
	n := seeds(env, 3, 1)
	rep := &Report{Seeds: n}
	final := map[string][]float64{}
	// curves[scheme][point] collects the accuracy over seeds.
	curves := map[string][][]float64{}
	seen := map[string][]float64{}
	var rows [][]string
	for s := 1; s <= n; s++ {
		var sp *dataset.Split
		var curveSet *dataset.Set
		for _, name := range cfg.Schemes {
			// A cell holds the final accuracy, then (seen, accuracy,
			// online accuracy) for every point of the curve.
			v, err := env.Cell(fmt.Sprintf("seed %d, scheme %s", s, name), func() ([]float64, error) {
				if sp == nil {
					var err error
					if sp, err = dataset.Load(cfg.Dataset, &dataset.Options{Dir: env.DataDir, Seed: uint64(s), TrainSize: cfg.TrainSize, TestSize: testSize}); err != nil {
						return nil, err
					}
					curveSet = sp.Test.Sample(cfg.CurveSize, seed.PCG(uint64(s), seed.Sample, 1))
				}
				nc, err := schemeConfig(name, cfg.Network)
				if err != nil {
					return nil, err
				}
				nc.Inputs, nc.Labels, nc.Seed = sp.Train.Dim, sp.Train.Labels, uint64(s)
				net, err := plasticity.New(nc, seed.PCG(nc.Seed, seed.Network, 0))
				if err != nil {
					return nil, err
				}
				env.Logf("fig6: seed %d/%d, scheme %s", s, n, name)
				res, err := plasticity.Train(net, plasticity.Rules{Output: plasticity.Perceptron(nc.Defaults().Rounds)}, sp.Train,
					&plasticity.TrainSettings{CurveEvery: cfg.CurveEvery, CurveSet: curveSet})
				if err != nil {
					return nil, err
				}
				v := []float64{plasticity.Evaluate(net, sp.Test).Accuracy}
				for _, p := range res.Curve {
					v = append(v, float64(p.Seen), p.Accuracy, p.OnlineAccuracy)
				}
				return v, nil
			})
			if err != nil {
				return nil, err
			}
			acc := v[0]
			final[name] = append(final[name], acc)
			for i := 0; 1+3*i+2 < len(v); i++ {
				pSeen, pAcc, pOnline := v[1+3*i], v[2+3*i], v[3+3*i]
				if len(curves[name]) <= i {
					curves[name] = append(curves[name], nil)
					seen[name] = append(seen[name], pSeen)
				}
				curves[name][i] = append(curves[name][i], pAcc)
				rows = append(rows, []string{fmt.Sprint(s), name, fmt.Sprint(int(pSeen)), output.F(pAcc), output.F(pOnline)})
			}
			rows = append(rows, []string{fmt.Sprint(s), name, "final", output.F(acc), ""})
		}
	}
	if err := output.WriteCSV(env.Path("curves.csv"), []string{"seed", "scheme", "seen", "test_accuracy", "online_accuracy"}, rows); err != nil {
		return nil, err
	}
	var cs []output.Curve
	var srows [][]string
	for _, name := range cfg.Schemes {
		c := output.Curve{Name: name}
		for i, accs := range curves[name] {
			st := NewStat("%", accs...)
			c.XY = append(c.XY, plotter.XY{X: seen[name][i], Y: st.Mean})
			if n > 1 {
				c.Err = append(c.Err, st.SD)
			}
			srows = append(srows, []string{name, output.F(seen[name][i]), output.F(st.Mean), output.F(st.SD), fmt.Sprint(st.N)})
		}
		cs = append(cs, c)
	}
	if err := output.WriteCSV(env.Path("curves-summary.csv"), []string{"scheme", "seen", "mean_accuracy", "sd", "seeds"}, srows); err != nil {
		return nil, err
	}
	// With the perceptron rule `all` is `mistakes` exactly (see the note
	// below); LinePlot draws it dotted over it, "all (identical to
	// mistakes)".
	same := fmt.Sprint(final["mistakes"]) == fmt.Sprint(final["all"]) && len(final["all"]) > 0
	p, err := output.LinePlot("perceptron output rule: update on mistakes vs every example", "training examples seen", "test accuracy", cs, false, false)
	if err != nil {
		return nil, err
	}
	output.LegendAbove(p, cs)
	if err := output.SavePlots(env.Path("fig6"), []*plot.Plot{p}, 1, 1, 7*vg.Inch, 4.5*vg.Inch); err != nil {
		return nil, err
	}
	paper := map[string]string{"mistakes": "92 % (A.4, perceptron on mistakes)", "all": "— (figure only)", "all+alledges": "88–89 % (A.4)"}
	for _, name := range cfg.Schemes {
		rep.Rows = append(rep.Rows, Row{Quantity: "final test accuracy, " + name, Ours: NewStat("%", final[name]...), Paper: paper[name]})
	}
	if same {
		rep.Notes = append(rep.Notes, "With the perceptron rule, `all` equals `mistakes` exactly: on a correct prediction both columns hit row y and R_o[s][0] + R_o[s][1] = 0 for every pattern, so the update is zero. Only `all+alledges` changes the dynamics.")
	}
	rep.Notes = append(rep.Notes, "Figure 6 of the paper gives curves, not numbers; compare shapes in fig6.png. Appendix A.4's numbers are for the perceptron output rule on MNIST; the network here is the Table 2 setting ("+strings.TrimSpace(fmt.Sprintf("|V| = %d, k = %d, T = %d, %d epochs", cfg.Network.Nodes, cfg.Network.Cap, max(cfg.Network.Rounds, 1), max(cfg.Network.Epochs, 1)))+").")
	return rep, nil
}
