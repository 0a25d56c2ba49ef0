package experiments

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/plasticity/credit"
)

type creditInitConfig struct {
	creditSetting
	SGDSteps int `toml:"sgd_steps"`
	Measure  int `toml:"measure"`
}

func init() {
	register(&Experiment{
		Name:       "credit-init",
		Title:      "census of SPEC §11's initialisation: initial loss and early divergence of SGD, per network seed",
		Reproduces: "credit-curvature's setting (SPEC §11), not a figure of the paper",
		FullTime:   "about 1 CPU-minute (100 seeds × 20 SGD steps of 2 rules, N = 128, batch 256); --quick 20 seeds × 10 steps, a few CPU-seconds",
		Run:        runCreditInit,
	})
}

// runCreditInit draws the networks credit.Train draws for seeds 1..n,
// measures their initial training loss on the subset credit.Train measures
// on, and takes cfg.SGDSteps steps of each rule on the minibatches
// credit.Train would use, recording the first step whose loss is not
// finite. The network, subset and minibatches come from credit.Initial,
// credit.MeasuredSubsets and credit.NewMinibatches, which credit.Train
// uses too (TestCreditInitMatchesTrain checks the outcome), so the census says
// which of credit-curvature's seeds diverge, and how often a random seed
// would.
func runCreditInit(env *Env, text []byte) (*Report, error) {
	var cfg creditInitConfig
	if err := decode(text, &cfg); err != nil {
		return nil, err
	}
	if env.Quick {
		cfg.SGDSteps = 10
	}
	if cfg.Hidden < 1 || cfg.Steps < 1 || cfg.Batch < 1 || cfg.SGDSteps < 1 || cfg.Measure < 1 || !(cfg.LR > 0) {
		return nil, fmt.Errorf("credit-init: hidden, steps, batch, sgd_steps, measure and lr must be positive (got %d, %d, %d, %d, %d, %g)", cfg.Hidden, cfg.Steps, cfg.Batch, cfg.SGDSteps, cfg.Measure, cfg.LR)
	}
	rules, err := cfg.rules("credit-init")
	if err != nil {
		return nil, err
	}
	if len(rules) == 0 {
		return nil, fmt.Errorf("credit-init: rules is empty")
	}
	n := seeds(env, 100, 20)
	split, err := dataset.Load(cfg.Dataset, &dataset.Options{Dir: env.DataDir, TrainSize: cfg.TrainSize, TestSize: cfg.TestSize, Seed: 1})
	if err != nil {
		return nil, err
	}
	tr := split.Train
	if tr.Dim%cfg.Steps != 0 {
		return nil, fmt.Errorf("credit-init: %s: dimension %d not divisible into %d steps", tr.Name, tr.Dim, cfg.Steps)
	}
	if tr.Len() < cfg.Batch {
		return nil, fmt.Errorf("credit-init: the training set (%d examples) is smaller than a batch (%d)", tr.Len(), cfg.Batch)
	}
	in := tr.Dim / cfg.Steps
	var rows [][]string
	loss0 := make([]float64, 0, n)
	diverged := make([][]int, len(rules)) // seeds that diverged, per rule
	for s := 1; s <= n; s++ {
		v, err := env.Cell(fmt.Sprintf("seed=%d", s), func() ([]float64, error) {
			// credit.Train's network, measured subset and minibatches
			net := credit.Initial(in, cfg.Hidden, tr.Labels, cfg.Steps, uint64(s))
			itr, _ := credit.MeasuredSubsets(uint64(s), tr.Len(), 0, cfg.Measure)
			l0, _ := net.Evaluate(net.Theta, credit.FromSet(tr, itr))
			out := []float64{l0}
			theta0 := slices.Clone(net.Theta)
			g := make([]float64, net.Len())
			bidx := make([]int, cfg.Batch)
			var b credit.Batch
			for _, r := range rules {
				copy(net.Theta, theta0)
				mb := credit.NewMinibatches(uint64(s), tr.Len())
				at := 0
				for it := 1; it <= cfg.SGDSteps; it++ {
					mb.Next(bidx)
					credit.FromSetTo(&b, tr, bidx)
					if l := net.Step(g, net.Theta, b, r, cfg.LR); math.IsNaN(l) || math.IsInf(l, 0) {
						at = it
						break
					}
				}
				out = append(out, float64(at))
			}
			return out, nil
		})
		if err != nil {
			return nil, err
		}
		row := []string{fmt.Sprint(s), output.F(v[0])}
		loss0 = append(loss0, v[0])
		for i := range rules {
			at := int(v[1+i])
			row = append(row, fmt.Sprint(at))
			if at > 0 {
				diverged[i] = append(diverged[i], s)
			}
		}
		rows = append(rows, row)
	}
	head := []string{"seed", "initial_train_loss"}
	for _, r := range rules {
		head = append(head, "diverged_at_"+r.String())
	}
	if err := output.WriteCSV(env.Path("init.csv"), head, rows); err != nil {
		return nil, err
	}
	sorted := slices.Clone(loss0)
	slices.Sort(sorted)
	q := func(p float64) float64 { return stat.Quantile(p, stat.Empirical, sorted, nil) }
	rep := &Report{Seeds: n, Config: cfg}
	rep.Rows = append(rep.Rows,
		Row{Quantity: "initial training loss, median", Ours: NewStat("", q(0.5)), Paper: "—", Note: fmt.Sprintf("chance is ln %d = %.2f", tr.Labels, math.Log(float64(tr.Labels)))},
		Row{Quantity: "initial training loss, 90th percentile", Ours: NewStat("", q(0.9)), Paper: "—"},
		Row{Quantity: "initial training loss, largest", Ours: NewStat("", sorted[len(sorted)-1]), Paper: "—"})
	for i, r := range rules {
		rep.Rows = append(rep.Rows, Row{
			Quantity: fmt.Sprintf("seeds whose %s loss is not finite within %d steps", r, cfg.SGDSteps),
			Ours:     NewStat("%", float64(len(diverged[i]))/float64(n)),
			Paper:    "—",
			Note:     fmt.Sprintf("%d of %d: seeds %v", len(diverged[i]), n, diverged[i]),
		})
	}
	rep.Notes = append(rep.Notes, fmt.Sprintf("Seed s is credit-curvature's seed s (same network, measured subset and minibatches). lr %g, N = %d, batch %d.", cfg.LR, cfg.Hidden, cfg.Batch))
	if env.Quick {
		rep.Notes = append(rep.Notes, fmt.Sprintf("--quick: %d seeds, %d SGD steps", n, cfg.SGDSteps))
	}
	return rep, nil
}
