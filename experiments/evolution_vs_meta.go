package experiments

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/fitness"
	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/plasticity"
	"github.com/evolve-toolkit/evolve/sim"
)

type evoMetaConfig struct {
	// Target is the share of the meta-learner's final test accuracy a run
	// must reach ("generations to 95 %").
	Target   float64    `toml:"target"`
	Run      sim.Config `toml:"run"`
	Transfer struct {
		Dataset   string `toml:"dataset"`
		TrainSize int    `toml:"train_size"`
		TestSize  int    `toml:"test_size"`
	} `toml:"transfer"`
}

func init() {
	register(&Experiment{
		Name:       "evolution-vs-meta",
		Title:      "Wright–Fisher evolution and the exact map learn the whole T = 3 rule next to the meta-learner",
		Reproduces: "appendix C at the scale of the meta-learner (SPEC §12; paper Figure 3 protocol for transfer)",
		FullTime:   "estimated 4–5 CPU-hours at full size (3 seeds); --quick about 3 minutes",
		Run:        runEvoMeta,
	})
}

// evoMetaValues are the numbers of a run kept per seed (one cell).
const evoMetaValues = 5 // final test acc, transfer acc, generations to target, cost to target, final cost

func runEvoMeta(env *Env, text []byte) (*Report, error) {
	var cfg evoMetaConfig
	if err := decode(text, &cfg); err != nil {
		return nil, err
	}
	if env.Quick {
		cfg.Run.Generations = 40
		cfg.Run.Genetics.Population = 200
		cfg.Run.Genetics.Replicates = 2
		cfg.Run.Runs.Evolution = []string{"wright-fisher"}
	}
	n := seeds(env, 3, 1)
	rep := &Report{Seeds: n}
	transfer, err := plLoad(env, cfg.Transfer.Dataset, 1, cfg.Transfer.TrainSize, cfg.Transfer.TestSize)
	if err != nil {
		env.Logf("evolution-vs-meta: transfer to %s skipped: %v", cfg.Transfer.Dataset, err)
		rep.Notes = append(rep.Notes, fmt.Sprintf("transfer to %s skipped: %v", cfg.Transfer.Dataset, err))
		transfer = nil
	}
	var names []string
	per := map[string][][]float64{} // run → values per seed
	var accCurves, costCurves []output.Curve
	for s := 1; s <= n; s++ {
		c := cfg.Run
		c.Seed = uint64(s)
		c = c.Defaults()
		var res *sim.Result
		land, err := c.Landscape.Build()
		if err != nil {
			return nil, err
		}
		fr, ok := land.(*fitness.FullRule)
		if !ok {
			return nil, fmt.Errorf("evolution-vs-meta: the landscape must be full-rule, got %q", c.Landscape.Kind)
		}
		vals, err := env.Cell(fmt.Sprintf("seed%d", s), func() ([]float64, error) {
			env.Logf("evolution-vs-meta: seed %d/%d, %d generations", s, n, c.Generations)
			var err error
			res, err = sim.Run(c, land, &sim.Settings{Progress: func(g, total int) {
				if g%max(1, total/10) == 0 {
					env.Logf("evolution-vs-meta: seed %d: generation %d/%d", s, g, total)
				}
			}})
			if err != nil {
				return nil, err
			}
			if err := evoMetaTrajectory(env, s, res); err != nil {
				return nil, err
			}
			return evoMetaCell(res, fr, transfer, cfg.Target)
		})
		if err != nil {
			return nil, err
		}
		if names == nil {
			names = evoMetaRuns(c)
		}
		if len(vals) != evoMetaValues*len(names) {
			return nil, fmt.Errorf("evolution-vs-meta: cell of seed %d has %d values, want %d", s, len(vals), evoMetaValues*len(names))
		}
		for i, name := range names {
			per[name] = append(per[name], vals[i*evoMetaValues:(i+1)*evoMetaValues])
		}
		if s == 1 && res != nil {
			accCurves, costCurves = evoMetaCurves(res)
		}
	}
	for _, name := range names {
		col := func(k int) []float64 {
			var v []float64
			for _, x := range per[name] {
				v = append(v, x[k])
			}
			return v
		}
		reached := 0
		var gens, costs []float64
		for _, x := range per[name] {
			if !math.IsNaN(x[2]) {
				reached++
				gens, costs = append(gens, x[2]), append(costs, x[3])
			}
		}
		rep.Rows = append(rep.Rows,
			Row{Quantity: "final test accuracy (relu1), " + name, Ours: NewStat("%", col(0)...), Paper: "—"},
			Row{Quantity: "test accuracy after transfer to " + cfg.Transfer.Dataset + ", " + name, Ours: NewStat("%", finite(col(1))...), Paper: "—", Note: "Figure 3 protocol: fresh |V|=100, T=3 network"},
			Row{Quantity: fmt.Sprintf("generations to %.0f %% of adam's final accuracy, %s", 100*cfg.Target, name), Ours: NewStat("", gens...), Paper: "—",
				Note: fmt.Sprintf("reached in %d/%d seeds; cost then %s examples", reached, n, NewStat("", costs...))},
			Row{Quantity: "cost (training examples processed), " + name, Ours: NewStat("", col(4)...), Paper: "—"})
	}
	if env.Quick {
		rep.Notes = append(rep.Notes, "QUICK (reduced) size: 1 seed, N = 200, 2 replicates, 40 generations, no exact map; not the full-size result")
	}
	if accCurves != nil {
		a, err := output.LinePlot("test accuracy of the mean rule (seed 1)", "generation / step", "test accuracy (relu1)", accCurves, false, false)
		if err != nil {
			return nil, err
		}
		a.Legend.Top = false
		b, err := output.LinePlot("test accuracy against cost (seed 1)", "training examples processed (log scale)", "test accuracy (relu1)", costCurves, true, false)
		if err != nil {
			return nil, err
		}
		b.Legend.Top = false
		if err := output.SavePlots(env.Path("accuracy"), []*plot.Plot{a, b}, 1, 2, 12*vg.Inch, 4.5*vg.Inch); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

func finite(v []float64) []float64 {
	var out []float64
	for _, x := range v {
		if !math.IsNaN(x) {
			out = append(out, x)
		}
	}
	return out
}

// evoMetaRuns names the runs in the order of sim.Run: evolution runs
// (Wright–Fisher replicates each), then gradient runs.
func evoMetaRuns(c sim.Config) []string {
	var names []string
	for _, e := range c.Runs.Evolution {
		if e == "wright-fisher" && c.Genetics.Replicates > 1 {
			for r := 1; r <= c.Genetics.Replicates; r++ {
				names = append(names, fmt.Sprintf("wright-fisher/%d", r))
			}
			continue
		}
		names = append(names, e)
	}
	return append(names, c.Runs.Gradient...)
}

// evoMetaCell computes, for every run, its final test accuracy, its
// accuracy after transfer, the first tested generation (and its cost) at
// which it reached target × adam's final accuracy, and its final cost.
func evoMetaCell(res *sim.Result, fr *fitness.FullRule, transfer *dataset.Split, target float64) ([]float64, error) {
	final := res.Final()
	ref := math.NaN()
	for _, o := range final {
		if o.Run == "adam" {
			ref = o.TestAccuracy
		}
	}
	k := len(res.Runs)
	var out []float64
	for i, o := range final {
		gen, cost := math.NaN(), math.NaN()
		for j := i; j < len(res.Observations); j += k {
			p := res.Observations[j]
			if p.TestAccuracy >= target*ref {
				gen, cost = float64(p.Generation), p.Cost
				break
			}
		}
		acc := math.NaN()
		if transfer != nil {
			r := fr.Rules(o.Y)
			net, err := plNet(plasticity.Config{Nodes: 100, Cap: 50, Rounds: 3, Seed: 1}, transfer.Train)
			if err != nil {
				return nil, err
			}
			a, _, err := plTrainEval(net, fig3Rules(r, 3), transfer, nil)
			if err == nil {
				acc = a
			}
		}
		out = append(out, o.TestAccuracy, acc, gen, cost, o.Cost)
	}
	return out, nil
}

func evoMetaTrajectory(env *Env, s int, res *sim.Result) error {
	header := []string{"generation", "run", "kind", "loss", "mean_loss", "test_accuracy", "evaluations", "cost"}
	P := len(res.Observations[0].Y)
	for p := range P {
		header = append(header, fmt.Sprintf("y%d", p))
	}
	var rows [][]string
	for _, o := range res.Observations {
		row := []string{fmt.Sprint(o.Generation), o.Run, o.Kind, output.F(o.Loss), output.F(o.MeanLoss), output.F(o.TestAccuracy), fmt.Sprint(o.Evaluations), output.F(o.Cost)}
		for _, y := range o.Y {
			row = append(row, output.F(y))
		}
		rows = append(rows, row)
	}
	return output.WriteCSV(env.Path(fmt.Sprintf("trajectory-seed%d.csv", s)), header, rows)
}

func evoMetaCurves(res *sim.Result) (byGen, byCost []output.Curve) {
	k := len(res.Runs)
	for i, name := range res.Runs {
		g := output.Curve{Name: name, Dashed: res.Kinds[i] == "gradient" || strings.Contains(name, "/2")}
		c := g
		for j := i; j < len(res.Observations); j += k {
			o := res.Observations[j]
			if o.TestAccuracy != o.TestAccuracy {
				continue
			}
			g.XY = append(g.XY, plotter.XY{X: float64(o.Generation), Y: o.TestAccuracy})
			if o.Cost > 0 {
				c.XY = append(c.XY, plotter.XY{X: o.Cost, Y: o.TestAccuracy})
			}
		}
		byGen, byCost = append(byGen, g), append(byCost, c)
	}
	return byGen, byCost
}
