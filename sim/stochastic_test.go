package sim

import (
	"errors"
	"math"
	"reflect"
	"runtime"
	"testing"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/fitness"
	"github.com/evolve-toolkit/evolve/genetics"
	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/plasticity"
)

// stochasticCfg is a small T = 2 full rule (graph and output, 16 + 8
// coefficients) on stochastic batches of halfspace.
func stochasticCfg(gens int) Config {
	return Config{
		Generations: gens,
		Seed:        7,
		Landscape: fitness.Spec{Kind: "full-rule", Stochastic: true, Graph: true, Batch: 40, TrainSize: 200, TestSize: 200,
			Network: plasticity.Config{Nodes: 30, Cap: 15, Rounds: 2}},
		Genetics: Genetics{Loci: 4, Eps: 0.05, Population: 60, Theta: 0.5, Fitness: "exp"},
		Runs:     Runs{Evolution: []string{}, Gradient: []string{"adam"}, AdamWeightDecay: 0.01, EvalEvery: -1, CheckpointEvery: -1},
	}
}

// metaReference returns the training set and the network of stochasticCfg
// as evolve meta builds them, for the meta-learner the adam run must equal.
func metaReference(t *testing.T) (*dataset.Split, *plasticity.Network) {
	t.Helper()
	sp, err := dataset.Load("halfspace", &dataset.Options{Seed: 7, TrainSize: 200, TestSize: 200})
	if err != nil {
		t.Fatal(err)
	}
	nc := plasticity.Config{Nodes: 30, Cap: 15, Rounds: 2, Seed: 7, Inputs: sp.Train.Dim, Labels: sp.Train.Labels}
	net, err := plasticity.New(nc, seed.PCG(7, seed.Network, 0))
	if err != nil {
		t.Fatal(err)
	}
	return sp, net
}

// TestAdamIsMeta: the adam run on a stochastic full-rule landscape with
// the meta-learner's settings (lr 1e-2, coupled weight decay 0.01, zero
// start tables, batch 40) is plasticity.Meta, bit for bit: the same
// rules after every step and the same batch losses.
func TestAdamIsMeta(t *testing.T) {
	t.Parallel()
	const G = 12 // 12 steps: more than one outer epoch (200/40 = 5 batches)
	cfg := stochasticCfg(G).Defaults()
	res, err := Run(cfg, build(t, cfg), nil)
	if err != nil {
		t.Fatal(err)
	}
	sp, net := metaReference(t)
	start := plasticity.Rules{Graph: plasticity.NewRule(plasticity.GraphRule, 2), Output: plasticity.NewRule(plasticity.OutputRule, 2)}
	for _, steps := range []int{1, G} {
		mr, err := plasticity.Meta(net, sp.Train, start, &plasticity.MetaSettings{MetaConfig: plasticity.MetaConfig{
			Graph: plasticity.ParamTable, Output: plasticity.ParamTable, Batch: 40, Steps: steps, Seed: 7}})
		if err != nil {
			t.Fatal(err)
		}
		want := append(append([]float64(nil), mr.Rules.Graph.Table...), mr.Rules.Output.Table...)
		got := res.Observations[steps].Y // one run: observation index = generation
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("after %d steps coefficient %d: adam %v, meta %v", steps, i, got[i], want[i])
			}
		}
		for s, st := range mr.Steps {
			if l := res.Observations[s].Loss; l != st.Loss {
				t.Errorf("step %d: adam batch loss %v, meta %v", s+1, l, st.Loss)
			}
		}
	}
}

// TestWrightFisherSameBatchPerGeneration: the fitnesses of generation t of
// a Wright–Fisher population on a stochastic landscape are those of the
// batch of generation t for every individual (also the offspring
// evaluated while they are made in generation t − 1), and the batches of
// consecutive generations differ.
func TestWrightFisherSameBatchPerGeneration(t *testing.T) {
	t.Parallel()
	cfg := stochasticCfg(3)
	cfg.Runs.Evolution = []string{"wright-fisher"}
	cfg = cfg.Defaults()
	land := build(t, cfg)
	P := land.Dim()
	enc := &genetics.Encoding{P: P, N: cfg.Genetics.Loci, Eps: cfg.Genetics.Eps}
	x0 := make([]float64, enc.Loci())
	for i := range x0 {
		x0[i] = 0.5
	}
	c := &common{land: land, enc: enc, fit: cfg.Genetics.fitness(), x0: x0, cfg: cfg}
	r, err := newWFRun(c, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	for gen := 0; gen <= 3; gen++ {
		var o Observation
		o.Generation = gen
		if err := r.observe(&o); err != nil {
			t.Fatal(err)
		}
		at, other := c.at(gen), c.at(gen+1)
		var sum, sumOther float64
		for j := range r.pop.N() {
			sum += at.Loss(r.pop.Y(j))
			sumOther += other.Loss(r.pop.Y(j))
		}
		n := float64(r.pop.N())
		if got, want := r.stats.MeanLoss, sum/n; math.Abs(got-want) > 1e-12*math.Abs(want) {
			t.Errorf("generation %d: population mean loss %v, on the batch of generation %d %v", gen, got, gen, want)
		}
		if sum == sumOther {
			t.Errorf("generation %d: the batches of generations %d and %d give the same losses", gen, gen, gen+1)
		}
		if gen < 3 {
			if err := r.step(gen); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestStochasticResumeAndThreads: on a stochastic full-rule landscape, a
// comparison of two Wright–Fisher replicates, the exact map (Monte Carlo)
// and adam, tested every 3 generations, gives the same observations on 1
// and 2 threads, and stopped at generation 5 and resumed on a freshly
// built landscape, the same as uninterrupted. Replicates differ (own
// streams); cost counts N·batch per Wright–Fisher generation.
func TestStochasticResumeAndThreads(t *testing.T) {
	cfg := stochasticCfg(8)
	cfg.Runs.Evolution = []string{"exact", "wright-fisher"}
	cfg.Genetics.Replicates, cfg.Genetics.Samples, cfg.Genetics.Method = 2, 2, "monte-carlo"
	cfg.Runs.EvalEvery = 3
	cfg = cfg.Defaults()
	prev := runtime.GOMAXPROCS(1)
	whole, err := Run(cfg, build(t, cfg), nil)
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GOMAXPROCS(2)
	var saved []byte
	gens := 0
	_, err = Run(cfg, build(t, cfg), &Settings{
		Checkpoint: func(b []byte) error { saved = append([]byte(nil), b...); return nil },
		Progress:   func(g, _ int) { gens = g },
		Stop:       func() bool { return gens == 5 },
	})
	runtime.GOMAXPROCS(prev)
	if !errors.Is(err, ErrStopped) {
		t.Fatalf("stopped run: %v", err)
	}
	resumed, err := Run(cfg, build(t, cfg), &Settings{Resume: saved})
	if err != nil {
		t.Fatal(err)
	}
	if !equalObs(whole.Observations, resumed.Observations) {
		t.Fatal("resumed trajectory (2 threads) differs from the uninterrupted one (1 thread)")
	}
	final := whole.Final()
	names := map[string]Observation{}
	for _, o := range final {
		names[o.Run] = o
	}
	a, b := names["wright-fisher/1"], names["wright-fisher/2"]
	if reflect.DeepEqual(a.Y, b.Y) {
		t.Error("the two replicates are identical")
	}
	// 8 generations × N = 60 × batch 40 examples.
	if a.Cost != 8*60*40 || a.Evaluations != 8*60 {
		t.Errorf("wright-fisher cost %v (%d evaluations), want %d", a.Cost, a.Evaluations, 8*60*40)
	}
	// Adam: one evaluation per step.
	if ad := names["adam"]; ad.Evaluations != 8 {
		t.Errorf("adam made %d evaluations, want 8", ad.Evaluations)
	}
	// The exact map, disjoint loci, Monte Carlo: samples·P·(n+1) per generation.
	if ex := names["exact"]; ex.Evaluations != 8*2*24*5 {
		t.Errorf("exact made %d evaluations, want %d", ex.Evaluations, 8*2*24*5)
	}
	for _, o := range whole.Observations {
		tested := o.Generation%3 == 0 || o.Generation == 8
		if tested != (o.TestAccuracy == o.TestAccuracy) {
			t.Errorf("%s generation %d: test accuracy %v", o.Run, o.Generation, o.TestAccuracy)
		}
		if tested && !(o.TestAccuracy >= 0 && o.TestAccuracy <= 1) {
			t.Errorf("%s generation %d: test accuracy %v outside [0, 1]", o.Run, o.Generation, o.TestAccuracy)
		}
	}
}

// TestAdamIsMetaMLP: as TestAdamIsMeta with an MLP graph rule
// (landscape.graph_hidden = 4; evolve meta's graph = "mlp", hidden = 4).
// The run starts at the landscape's start, the meta-learner's own random
// MLP (Start, used as the offsets), with a zero output table; after 1 and
// 6 steps the adam run's MLP parameters and output table are Meta's, bit
// for bit, and the recorded offsets are the effective ones.
func TestAdamIsMetaMLP(t *testing.T) {
	t.Parallel()
	const G, H = 6, 4
	cfg := stochasticCfg(G)
	cfg.Landscape.GraphHidden = H
	cfg = cfg.Defaults()
	land := build(t, cfg)
	res, err := Run(cfg, land, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Config.Genetics.Offset; len(got) != land.Dim() || got[0] == 0 {
		t.Fatalf("recorded offsets %v: want the landscape's start", got)
	}
	sp, net := metaReference(t)
	start := plasticity.Rules{Output: plasticity.NewRule(plasticity.OutputRule, 2)} // graph: Meta's random MLP
	for _, steps := range []int{1, G} {
		mr, err := plasticity.Meta(net, sp.Train, start, &plasticity.MetaSettings{MetaConfig: plasticity.MetaConfig{
			Graph: plasticity.ParamMLP, Hidden: H, Output: plasticity.ParamTable, Batch: 40, Steps: steps, Seed: 7}})
		if err != nil {
			t.Fatal(err)
		}
		want := append(mr.Rules.Graph.MLP.Params(nil), mr.Rules.Output.Table...)
		got := res.Observations[steps].Y
		if len(got) != len(want) {
			t.Fatalf("adam has %d coefficients, meta %d", len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("after %d steps coefficient %d: adam %v, meta %v", steps, i, got[i], want[i])
			}
		}
	}
}

// TestStochasticRecordEvery: on a stochastic landscape (a new batch every
// generation) the runs see the batch of each generation whether or not it
// is recorded. Recorded every 7th generation and tested every 4th, the
// rows are those of the run recorded every generation at generations 0,
// 4, 7, 8 and 9 (the last), bit for bit; stopped at generation 5 (not
// recorded: the restored population's fitnesses are recomputed on the
// batch of generation 5) and resumed on 2 threads, the same again.
func TestStochasticRecordEvery(t *testing.T) {
	cfg := stochasticCfg(9)
	cfg.Runs.Evolution = []string{"exact", "wright-fisher"}
	cfg.Runs.Gradient = []string{"gd", "adam"}
	cfg.Genetics.Samples, cfg.Genetics.Method = 2, "monte-carlo"
	cfg.Runs.EvalEvery = 4
	land := build(t, cfg)
	dense, err := Run(cfg, land, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Runs.RecordEvery = 7
	prev := runtime.GOMAXPROCS(1)
	sparse, err := Run(cfg, land, nil)
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	want := []int{0, 4, 7, 8, 9}
	if g := generationsOf(sparse.Observations); !reflect.DeepEqual(g, want) {
		t.Fatalf("recorded generations %v, want %v", g, want)
	}
	at := map[int]bool{}
	for _, g := range want {
		at[g] = true
	}
	if !equalObs(recordedAt(dense.Observations, at), sparse.Observations) {
		t.Fatal("rows recorded every 7th generation differ from the same rows recorded every generation")
	}
	runtime.GOMAXPROCS(2)
	defer runtime.GOMAXPROCS(prev)
	var saved []byte
	gens := 0
	_, err = Run(cfg, build(t, cfg), &Settings{
		Checkpoint: func(b []byte) error { saved = append([]byte(nil), b...); return nil },
		Progress:   func(g, _ int) { gens = g },
		Stop:       func() bool { return gens == 5 },
	})
	if !errors.Is(err, ErrStopped) {
		t.Fatalf("stopped run: %v", err)
	}
	resumed, err := Run(cfg, build(t, cfg), &Settings{Resume: saved})
	if err != nil {
		t.Fatal(err)
	}
	if !equalObs(sparse.Observations, resumed.Observations) {
		t.Fatal("the run resumed from generation 5 differs from the uninterrupted one")
	}
}
