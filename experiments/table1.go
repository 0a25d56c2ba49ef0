package experiments

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/plasticity"
)

type table1Config struct {
	// Dataset is the task the rules are learned on.
	Dataset   string `toml:"dataset"`
	DataSeed  uint64 `toml:"data_seed"`
	TrainSize int    `toml:"train_size"`
	TestSize  int    `toml:"test_size"`
	// Network is the model (T = 1: output rule only).
	Network plasticity.Config `toml:"network"`
	// Meta configures the meta-learner; output, output_update and
	// init_scale are set by the experiment (a table, additive and
	// multiplicative in turn, each start scale of InitScales).
	Meta plasticity.MetaConfig `toml:"meta"`
	// InitScales are the scales of the random starts, N(0, scale²) entries.
	InitScales []float64 `toml:"init_scales"`
}

func init() {
	register(&Experiment{
		Name:       "table1",
		Title:      "perceptron and multiplicative-weights output rules recovered by meta-learning",
		Reproduces: "paper Table 1 (classic output rules found by GD on the rule)",
		FullTime:   "about 40 seconds on two cores (measured 35–44 s)",
		Run:        runTable1,
	})
}

func runTable1(env *Env, text []byte) (*Report, error) {
	var cfg table1Config
	if err := decode(text, &cfg); err != nil {
		return nil, err
	}
	if cfg.Network.Rounds > 1 {
		return nil, fmt.Errorf("table1: the classic rules of Table 1 are for T = 1, config has rounds = %d", cfg.Network.Rounds)
	}
	if env.Quick {
		cfg.TrainSize, cfg.TestSize = 1000, 1000
		cfg.Network.Nodes, cfg.Network.Cap = 50, 25
		cfg.Meta.Epochs, cfg.Meta.Steps = 1, 0
	}
	n := seeds(env, 10, 2)
	sp, err := plLoad(env, cfg.Dataset, cfg.DataSeed, cfg.TrainSize, cfg.TestSize)
	if err != nil {
		return nil, err
	}
	type variant struct {
		name    string
		update  plasticity.Update
		classic *plasticity.Rule
		signs   func([]float64) bool
		target  string
		which   string
	}
	variants := []variant{
		{"additive", plasticity.Additive, plasticity.Perceptron(1), plPerceptronSigns, "perceptron [−,+;+,−]", "all four entries"},
		{"multiplicative", plasticity.Multiplicative, plasticity.MultiplicativeWeights(1),
			// The fired row of multiplicative weights: strengthen the edge
			// to the true label, weaken the one to the prediction.
			func(t []float64) bool { return t[2] > 0 && t[3] < 0 }, "MW fired row [+,−]", "fired row (pattern 1) only"},
	}
	if len(cfg.InitScales) == 0 {
		cfg.InitScales = []float64{cfg.Meta.Defaults().InitScale}
	}
	rep := &Report{Seeds: n}
	var rows [][]string
	var plots []*plot.Plot
	var lossCurves []output.Curve
	for _, v := range variants {
		classic := "perceptron"
		if v.update == plasticity.Multiplicative {
			classic = "multiplicative weights"
		}
		var accC []float64
		var tables [][]float64
		for _, scale := range cfg.InitScales {
			var corr, signOK, diffOK, accL, lossFirst, lossLast []float64
			var meanLoss []float64
			for s := 1; s <= n; s++ {
				nc := cfg.Network
				nc.Seed = uint64(s)
				net, err := plNet(nc, sp.Train)
				if err != nil {
					return nil, err
				}
				mc := cfg.Meta
				mc.Graph, mc.Output, mc.OutputUpdate, mc.InitScale, mc.Seed = plasticity.ParamNone, plasticity.ParamTable, v.update, scale, uint64(s)
				label := fmt.Sprintf("table1 %s start scale %g seed %d/%d", v.name, scale, s, n)
				res, err := plasticity.Meta(net, sp.Train, plasticity.Rules{}, &plasticity.MetaSettings{MetaConfig: mc, Progress: plMetaProgress(env, label)})
				if err != nil {
					return nil, fmt.Errorf("%s: %w", label, err)
				}
				t := res.Rules.Output.Table
				c := plCorr(t, v.classic.Table)
				ok, dok := 0.0, 0.0
				if v.signs(t) {
					ok = 1
				}
				// The part of the rule the predictions see with two labels
				// and updates on mistakes only: R[s][y] − R[s][ŷ].
				if t[0]-t[1] < 0 && t[2]-t[3] > 0 {
					dok = 1
				}
				al, _, err := plTrainEval(net, res.Rules, sp, nil)
				if err != nil {
					return nil, fmt.Errorf("%s: training with the learned rule: %w", label, err)
				}
				ac := math.NaN()
				if scale == cfg.InitScales[0] {
					if ac, _, err = plTrainEval(net, plasticity.Rules{Output: v.classic}, sp, nil); err != nil {
						return nil, fmt.Errorf("%s: training with the classic rule: %w", label, err)
					}
					accC = append(accC, ac)
				}
				f, l := res.Steps[0].Loss, res.Steps[len(res.Steps)-1].Loss
				corr, signOK, diffOK, accL = append(corr, c), append(signOK, ok), append(diffOK, dok), append(accL, al)
				lossFirst, lossLast = append(lossFirst, f), append(lossLast, l)
				tables = append(tables, plNormalised(t))
				if meanLoss == nil {
					meanLoss = make([]float64, len(res.Steps))
				}
				for i, st := range res.Steps {
					meanLoss[i] += st.Loss / float64(n)
				}
				env.Logf("%s: learned %s (signs %s), correlation with the classic rule %.3f, test accuracy %.3f (classic %.3f)", label, plFmtTable(t, 2), plSigns(t, 2), c, al, ac)
				rows = append(rows, []string{v.name, output.F(scale), fmt.Sprint(s), output.F(t[0]), output.F(t[1]), output.F(t[2]), output.F(t[3]),
					plSigns(t, 2), fmt.Sprint(dok == 1), output.F(c), output.F(al), output.F(ac), output.F(f), output.F(l)})
			}
			pre := fmt.Sprintf("%s, start scale %g: ", v.name, scale)
			rep.Rows = append(rep.Rows,
				Row{Quantity: pre + "share with the " + v.target + " signs", Ours: NewStat("%", signOK...), Paper: "learned rule = " + classic, Note: v.which},
				Row{Quantity: pre + "share with R[0][y]−R[0][ŷ] < 0 < R[1][y]−R[1][ŷ]", Ours: NewStat("%", diffOK...), Paper: "as " + classic, Note: "the part two labels can see"},
				Row{Quantity: pre + "correlation with " + classic + " " + plFmtTable(v.classic.Table, 2), Ours: NewStat("", corr...), Paper: "match", Note: "Pearson over the 4 entries"},
				Row{Quantity: pre + "test accuracy, learned rule", Ours: NewStat("%", accL...), Paper: "—", Note: fmt.Sprintf("meta batch loss %s → %s", NewStat("", lossFirst...), NewStat("", lossLast...))},
			)
			c := output.Curve{Name: fmt.Sprintf("%s, scale %g", v.name, scale)}
			for i, l := range meanLoss {
				c.XY = append(c.XY, plotter.XY{X: float64(i + 1), Y: l})
			}
			lossCurves = append(lossCurves, c)
		}
		rep.Rows = append(rep.Rows, Row{Quantity: v.name + ": test accuracy, " + classic, Ours: NewStat("%", accC...), Paper: "—", Note: "same networks, 1 epoch"})
		p, err := plTablePlot(v.name+" output rules learned (normalised)", []plRef{{Name: classic, Y: plNormalised(v.classic.Table), Dashed: true}}, tables, plOutputLabels)
		if err != nil {
			return nil, err
		}
		plots = append(plots, p)
	}
	if err := output.WriteCSV(env.Path("rules.csv"), []string{"update", "init_scale", "seed", "r0_true", "r0_pred", "r1_true", "r1_pred", "signs", "diff_signs_ok", "corr_classic", "acc_learned", "acc_classic", "meta_loss_first", "meta_loss_last"}, rows); err != nil {
		return nil, err
	}
	// Summary CSV: mean and sd over seeds of every row.
	if err := plSummaryCSV(env, "summary.csv", rep); err != nil {
		return nil, err
	}
	lp, err := output.LinePlot("meta-learning loss (mean over seeds)", "outer step", "batch cross-entropy", lossCurves, false, false)
	if err != nil {
		return nil, err
	}
	output.LegendAbove(lp, lossCurves)
	plots = append(plots, lp)
	if err := output.SavePlots(env.Path("table1"), plots, 1, 3, 14*vg.Inch, 4.5*vg.Inch); err != nil {
		return nil, err
	}
	if math.IsNaN(rep.Rows[0].Ours.Mean) {
		return nil, fmt.Errorf("table1: no result")
	}
	rep.Notes = append(rep.Notes,
		fmt.Sprintf("Data: %s, %d training / %d test points; network |V| = %d, k = %d, T = 1, %s updates. Each seed is a new network and a new random start of the rule table (N(0, scale²) entries, scales %v), meta-learned with Adam (lr %g, weight decay %g) for %d outer epoch(s) of batches of %d.",
			cfg.Dataset, sp.Train.Len(), sp.Test.Len(), cfg.Network.Defaults().Nodes, cfg.Network.Defaults().Cap, cfg.Network.Defaults().Scheme,
			cfg.InitScales, cfg.Meta.Defaults().LR, cfg.Meta.Defaults().WeightDecay, cfg.Meta.Defaults().Epochs, cfg.Meta.Defaults().Batch),
		"Tables are [pattern][column] with pattern 0 (silent) first; column 0 updates the edge to the true label, column 1 the edge to the prediction. Multiplicative weights leaves silent nodes unchanged (row 0 = 0), so for the multiplicative rule the sign test looks at the fired row only; rules.csv holds every learned table.",
		"With two labels and updates on mistakes only, the true and the predicted label are the two rows of U, so adding the same number to R[s][y] and R[s][ŷ] shifts both logits equally: an additive rule's predictions depend only on the differences R[s][y] − R[s][ŷ], the gradient never moves the common part, and only the weight decay shrinks it. A large random start therefore keeps its common part (the full sign pattern is then a matter of luck) while the differences always take the perceptron's signs. A multiplicative rule starting at U = 1 with η|R| ≪ 1 acts almost as the additive one (U ≈ 1 + ηΣR) and learns the same perceptron-like table rather than multiplicative weights' silent row of zeros.")
	return rep, nil
}
