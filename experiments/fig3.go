package experiments

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/plasticity"
)

type fig3Config struct {
	// Datasets are the targets every rule retrains on.
	Datasets  []string `toml:"datasets"`
	DataSeed  uint64   `toml:"data_seed"`
	TrainSize int      `toml:"train_size"`
	TestSize  int      `toml:"test_size"`
	// Workers is the number of retrainings run at once. If Workers is 0,
	// min(2, GOMAXPROCS) is used.
	Workers int `toml:"workers"`
	// Sources are the rules, each meta-learned once on its data set.
	Sources []fig3Source `toml:"source"`
	// Models are the networks retrained with every source's rules.
	Models []fig3Model `toml:"model"`
	// Retrain sets η, the scheme and the epochs of the retraining.
	Retrain struct {
		Eta    float64           `toml:"eta"`
		Scheme plasticity.Scheme `toml:"scheme"`
		Epochs int               `toml:"epochs"`
	} `toml:"retrain"`
}

type fig3Source struct {
	Name    string                `toml:"name"`
	Dataset string                `toml:"dataset"`
	Network plasticity.Config     `toml:"network"`
	Meta    plasticity.MetaConfig `toml:"meta"`
}

type fig3Model struct {
	Nodes  int `toml:"nodes"`
	Rounds int `toml:"rounds"`
	// Cap is k; if Cap is 0, Nodes/2 is used.
	Cap int `toml:"cap"`
	// Shuffles, if positive, caps the number of shuffles (seeds) of this
	// model, for the slow large models.
	Shuffles int `toml:"shuffles"`
}

func (m fig3Model) String() string { return fmt.Sprintf("|V|=%d, T=%d", m.Nodes, m.Rounds) }

func init() {
	register(&Experiment{
		Name:       "fig3",
		Title:      "rules learned on halfspace and relu1 retrain four models on six data sets",
		Reproduces: "paper Figure 3 (cross-task generalisation of learned rules)",
		FullTime:   "about 25 minutes on two cores, test accuracy on 2,000 points (measured 1456 s; see the config)",
		Run:        runFig3,
	})
}

// fig3Output adapts an output rule learned for T_src rounds to T_dst
// rounds. A longer network reads the last T_src rounds of a pattern (the
// output sees the last round); a shorter one maps its pattern to the
// longer pattern whose earlier rounds repeat its first round, which is
// what a network without recurrent weights (W = 0) fires.
func fig3Output(r *plasticity.Rule, T int) *plasticity.Rule {
	if r == nil || r.Rounds == T {
		if r == nil {
			return nil
		}
		return r.Clone()
	}
	out := plasticity.NewRule(plasticity.OutputRule, T)
	out.Update = r.Update
	Ts := r.Rounds
	for s := 0; s < out.Rows(); s++ {
		var src int
		if Ts < T {
			src = s & (1<<Ts - 1)
		} else {
			first := s >> (T - 1) & 1
			src = s
			for j := T; j < Ts; j++ {
				src |= first << j
			}
		}
		out.Table[2*s] = r.At(src, 0)
		out.Table[2*s+1] = r.At(src, 1)
	}
	return out
}

// fig3Rules adapts learned rules to a model with T rounds: the output rule
// by fig3Output, the graph rule only when the rounds match (a graph rule's
// table and MLP are specific to T; a T = 1 model has no graph).
func fig3Rules(r plasticity.Rules, T int) plasticity.Rules {
	out := plasticity.Rules{Output: fig3Output(r.Output, T)}
	if r.Graph != nil && r.Graph.Rounds == T && T > 1 {
		out.Graph = r.Graph.Clone()
	}
	return out
}

type fig3Job struct {
	src, model, data, seed int
	acc                    float64
	err                    error
	secs                   float64
}

func runFig3(env *Env, text []byte) (*Report, error) {
	var cfg fig3Config
	if err := decode(text, &cfg); err != nil {
		return nil, err
	}
	if env.Quick {
		cfg.TrainSize, cfg.TestSize = 300, 300
		for i := range cfg.Sources {
			cfg.Sources[i].Network.Nodes, cfg.Sources[i].Network.Cap = 20, 10
			cfg.Sources[i].Meta.Epochs, cfg.Sources[i].Meta.Steps = 0, 5
		}
		for i := range cfg.Models {
			cfg.Models[i].Nodes /= 10
			cfg.Models[i].Cap /= 10
		}
	}
	if len(cfg.Sources) == 0 || len(cfg.Models) == 0 || len(cfg.Datasets) == 0 {
		return nil, fmt.Errorf("fig3: config needs sources, models and datasets")
	}
	n := seeds(env, 10, 1)
	rep := &Report{Seeds: n, Config: withDefaults(cfg)}

	// Rules: meta-learned once per source.
	learned := make([]plasticity.Rules, len(cfg.Sources))
	var ruleRows [][]string
	for i, src := range cfg.Sources {
		sp, err := plLoad(env, src.Dataset, cfg.DataSeed, cfg.TrainSize, 1)
		if err != nil {
			return nil, err
		}
		net, err := plNet(src.Network, sp.Train)
		if err != nil {
			return nil, err
		}
		t0 := time.Now()
		label := "fig3 rules " + src.Name
		res, err := plasticity.Meta(net, sp.Train, plasticity.Rules{}, &plasticity.MetaSettings{MetaConfig: src.Meta, Progress: plMetaProgress(env, label)})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", label, err)
		}
		learned[i] = res.Rules
		first, last := res.Steps[0], res.Steps[len(res.Steps)-1]
		env.Logf("%s: %d steps in %.1f s, batch loss %.3f → %.3f, output rule %s", label, len(res.Steps), time.Since(t0).Seconds(), first.Loss, last.Loss, plFmtTable(res.Rules.Output.Table, 2))
		ruleRows = append(ruleRows, []string{src.Name, "output", fmt.Sprint(res.Rules.Output.Rounds), plFmtTable(res.Rules.Output.Table, 2)})
		if g := res.Rules.Graph; g != nil {
			ruleRows = append(ruleRows, []string{src.Name, "graph", fmt.Sprint(g.Rounds), plFmtTable(g.Table, g.Cols())})
		}
		rep.Rows = append(rep.Rows, Row{Quantity: "meta batch accuracy at the last step, rules from " + src.Name, Ours: NewStat("%", last.Accuracy), Paper: "—",
			Note: fmt.Sprintf("batch loss %.3f → %.3f over %d steps", first.Loss, last.Loss, len(res.Steps))})
	}
	if err := output.WriteCSV(env.Path("rules.csv"), []string{"source", "rule", "rounds", "table"}, ruleRows); err != nil {
		return nil, err
	}

	// Targets.
	splits := make([]*dataset.Split, len(cfg.Datasets))
	var missing []string
	for d, name := range cfg.Datasets {
		sp, err := plLoad(env, name, cfg.DataSeed, cfg.TrainSize, cfg.TestSize)
		if err != nil {
			if name == "mnist" || name == "fashion" {
				env.Logf("fig3: %s skipped: %v", name, err)
				missing = append(missing, fmt.Sprintf("%s (%v)", name, err))
				continue
			}
			return nil, err
		}
		splits[d] = sp
	}

	// Retrainings.
	var jobs []*fig3Job
	for si := range cfg.Sources {
		for mi := range cfg.Models {
			for d := range cfg.Datasets {
				if splits[d] == nil {
					continue
				}
				ns := n
				if m := cfg.Models[mi].Shuffles; m > 0 {
					ns = min(n, m)
				}
				for s := 1; s <= ns; s++ {
					jobs = append(jobs, &fig3Job{src: si, model: mi, data: d, seed: s})
				}
			}
		}
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = min(2, runtime.GOMAXPROCS(0))
	}
	// Each retraining is a cell of cells.json: a rerun with the same --out
	// keeps the finished ones (the rules are learned again, deterministically).
	run := func(j *fig3Job) {
		key := fmt.Sprintf("fig3 rules %s → model %d (%v) on %s, shuffle %d", cfg.Sources[j.src].Name, j.model, cfg.Models[j.model], cfg.Datasets[j.data], j.seed)
		v, err := env.Cell(key, func() ([]float64, error) {
			t0 := time.Now()
			m := cfg.Models[j.model]
			sp := splits[j.data]
			c := plasticity.Config{Nodes: m.Nodes, Cap: m.Cap, Rounds: m.Rounds, Eta: cfg.Retrain.Eta, Scheme: cfg.Retrain.Scheme, Epochs: cfg.Retrain.Epochs, Seed: uint64(j.seed)}
			net, err := plNet(c, sp.Train)
			if err != nil {
				return nil, err
			}
			acc, _, err := plTrainEval(net, fig3Rules(learned[j.src], m.Rounds), sp, nil)
			return []float64{acc, time.Since(t0).Seconds()}, err
		})
		if j.err = err; err == nil {
			j.acc, j.secs = v[0], v[1]
		}
	}
	var mu sync.Mutex
	next, done := 0, 0
	t0 := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if next == len(jobs) {
					mu.Unlock()
					return
				}
				j := jobs[next]
				next++
				mu.Unlock()
				run(j)
				mu.Lock()
				done++
				env.Logf("fig3 %d/%d (%.0f s): rules %s → %s, %s, shuffle %d: test accuracy %.4f (%.1f s)", done, len(jobs), time.Since(t0).Seconds(),
					cfg.Sources[j.src].Name, cfg.Models[j.model], cfg.Datasets[j.data], j.seed, j.acc, j.secs)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	var accRows, sumRows [][]string
	acc := map[[3]int][]float64{}
	secs := map[int]float64{}
	for _, j := range jobs {
		if j.err != nil {
			return nil, fmt.Errorf("fig3: rules %s → %s on %s, shuffle %d: %w", cfg.Sources[j.src].Name, cfg.Models[j.model], cfg.Datasets[j.data], j.seed, j.err)
		}
		k := [3]int{j.src, j.model, j.data}
		acc[k] = append(acc[k], j.acc)
		secs[j.model] += j.secs
		accRows = append(accRows, []string{cfg.Sources[j.src].Name, fmt.Sprint(cfg.Models[j.model].Nodes), fmt.Sprint(cfg.Models[j.model].Rounds), cfg.Datasets[j.data], fmt.Sprint(j.seed), output.F(j.acc), output.F(j.secs)})
	}
	var plots []*plot.Plot
	for si, src := range cfg.Sources {
		var cs []output.Curve
		for mi, m := range cfg.Models {
			c := output.Curve{Name: m.String(), Dashed: m.Rounds > 1}
			for d, name := range cfg.Datasets {
				if splits[d] == nil {
					continue
				}
				st := NewStat("%", acc[[3]int{si, mi, d}]...)
				chance := 1 / float64(splits[d].Train.Labels)
				rep.Rows = append(rep.Rows, Row{Quantity: fmt.Sprintf("rules from %s → %s, %s", src.Name, m, name), Ours: st,
					Paper: fmt.Sprintf("figure only (chance %.0f %%)", 100*chance), Note: "test accuracy"})
				sumRows = append(sumRows, []string{src.Name, fmt.Sprint(m.Nodes), fmt.Sprint(m.Rounds), name, output.F(st.Mean), output.F(st.SD), fmt.Sprint(st.N), output.F(chance)})
				c.XY = append(c.XY, plotter.XY{X: float64(d), Y: st.Mean})
				sd := st.SD
				if st.N < 2 {
					sd = 0
				}
				c.Err = append(c.Err, sd)
			}
			cs = append(cs, c)
		}
		p, err := output.LinePlot("rules learned on "+src.Name, "data set", "test accuracy", cs, false, false)
		if err != nil {
			return nil, err
		}
		ticks := make([]plot.Tick, len(cfg.Datasets))
		for d, name := range cfg.Datasets {
			ticks[d] = plot.Tick{Value: float64(d), Label: name}
		}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
		p.Y.Min, p.Y.Max = 0, 1
		p.Legend.Top = false
		plots = append(plots, p)
	}
	if err := output.WriteCSV(env.Path("accuracy.csv"), []string{"source", "nodes", "rounds", "dataset", "seed", "test_accuracy", "seconds"}, accRows); err != nil {
		return nil, err
	}
	if err := output.WriteCSV(env.Path("summary.csv"), []string{"source", "nodes", "rounds", "dataset", "mean", "sd", "n", "chance"}, sumRows); err != nil {
		return nil, err
	}
	if err := output.SavePlots(env.Path("fig3"), plots, 1, len(plots), vg.Length(len(plots))*6*vg.Inch, 4.5*vg.Inch); err != nil {
		return nil, err
	}
	var timing, capped []string
	for mi, m := range cfg.Models {
		timing = append(timing, fmt.Sprintf("%s %.0f s", m, secs[mi]))
		if m.Shuffles > 0 && m.Shuffles < n {
			capped = append(capped, fmt.Sprintf("%s: %d shuffles", m, m.Shuffles))
		}
	}
	rep.Notes = append(rep.Notes,
		fmt.Sprintf("Every rule set is meta-learned once (seed of its config), then retrains each model on each data set (%d training / %d test points, data seed %d) with η = %g, %s updates, %d epoch(s); a shuffle (seed) is a new network (masks and input weights) and a new example order.",
			cfg.TrainSize, cfg.TestSize, cfg.DataSeed, cfg.Retrain.Eta, fig3OrDefault(string(cfg.Retrain.Scheme), "mistakes"), max(1, cfg.Retrain.Epochs)),
		"Transfer across T: a model with more rounds than the rule's source reads the output rule by the last round of a pattern; a model with fewer rounds uses the entries of the patterns whose earlier rounds repeat the first (000 and 111 for T = 1 from T = 3), which are the patterns of a network without recurrent weights. The relu1 graph rule (an MLP over 2T = 6 bits) is used only by T = 3 models; the halfspace rules have no graph rule, so their T = 3 models keep W = 0.",
		"Retraining time (both workers summed): "+strings.Join(timing, ", ")+".")
	if len(capped) > 0 {
		rep.Notes = append(rep.Notes, "Models run with fewer shuffles than the others (their cost, see the config): "+strings.Join(capped, "; ")+".")
	}
	if len(missing) > 0 {
		rep.Notes = append(rep.Notes, "Data sets skipped: "+strings.Join(missing, "; ")+".")
	}
	return rep, nil
}

func fig3OrDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
