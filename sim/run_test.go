package sim

import (
	"errors"
	"math"
	"reflect"
	"runtime"
	"testing"

	"github.com/evolve-toolkit/evolve/fitness"
)

// small is a quick comparison on the default landscape (output rule of a
// small network on halfspace).
func small() Config {
	return Config{
		Generations: 20,
		Seed:        3,
		Landscape:   fitness.Spec{Batch: 200, Network: smallNet()},
		Genetics:    Genetics{Loci: 6, Population: 300, Theta: 0.02},
		Runs:        Runs{Evolution: []string{"exact", "wright-fisher", "mean-field"}, CheckpointEvery: 5},
	}
}

func build(t *testing.T, cfg Config) fitness.Landscape {
	t.Helper()
	cfg = cfg.Defaults()
	l, err := cfg.Landscape.Build()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestRunLowersLoss(t *testing.T) {
	t.Parallel()
	cfg := small()
	res, err := Run(cfg, build(t, cfg), nil)
	if err != nil {
		t.Fatal(err)
	}
	n := len(res.Runs)
	if len(res.Observations) != n*(cfg.Generations+1) {
		t.Fatalf("%d observations, want %d", len(res.Observations), n*(cfg.Generations+1))
	}
	first, last := res.Observations[:n], res.Final()
	for i := range first {
		if !(last[i].Loss < first[i].Loss) {
			t.Errorf("%s: loss %v → %v did not fall", first[i].Run, first[i].Loss, last[i].Loss)
		}
	}
	// Every run but the sampled population starts from the same mean
	// coefficients.
	for i := 1; i < n; i++ {
		if first[i].Run == "wright-fisher" {
			continue
		}
		if d := dist(first[i].Y, first[0].Y); d > 1e-12 {
			t.Errorf("%s starts %v away from exact", first[i].Run, d)
		}
	}
}

// TestRunIndependentOfGOMAXPROCS: the same config and seed give identical
// observations on one and on two threads.
func TestRunIndependentOfGOMAXPROCS(t *testing.T) {
	cfg := small()
	land := build(t, cfg)
	prev := runtime.GOMAXPROCS(1)
	a, err := Run(cfg, land, nil)
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GOMAXPROCS(2)
	b, err := Run(cfg, land, nil)
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	if !equalObs(a.Observations, b.Observations) {
		t.Fatal("observations differ between GOMAXPROCS=1 and 2")
	}
}

func equalObs(a, b []Observation) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		// NaN fields compare unequal with ==; compare bit patterns.
		if !reflect.DeepEqual(x.Y, y.Y) || x.Run != y.Run || x.Generation != y.Generation || x.Evaluations != y.Evaluations {
			return false
		}
		for _, p := range [][2]float64{{x.Loss, y.Loss}, {x.MeanLoss, y.MeanLoss}, {x.MeanFitness, y.MeanFitness}, {x.GeneticVariance, y.GeneticVariance}, {x.Distance, y.Distance}, {x.TestAccuracy, y.TestAccuracy}, {x.Cost, y.Cost}} {
			if math.Float64bits(p[0]) != math.Float64bits(p[1]) {
				return false
			}
		}
	}
	return true
}

// TestResume: a run stopped mid-way and resumed from its last checkpoint
// ends with the same trajectory as an uninterrupted run.
func TestResume(t *testing.T) {
	t.Parallel()
	cfg := small()
	land := build(t, cfg)
	whole, err := Run(cfg, land, nil)
	if err != nil {
		t.Fatal(err)
	}
	var saved []byte
	gens := 0
	_, err = Run(cfg, land, &Settings{
		Checkpoint: func(b []byte) error { saved = append([]byte(nil), b...); return nil },
		Progress:   func(g, _ int) { gens = g },
		Stop:       func() bool { return gens == 12 },
	})
	if !errors.Is(err, ErrStopped) {
		t.Fatalf("stopped run: %v", err)
	}
	resumed, err := Run(cfg, land, &Settings{Resume: saved})
	if err != nil {
		t.Fatal(err)
	}
	if !equalObs(whole.Observations, resumed.Observations) {
		t.Fatal("resumed trajectory differs from the uninterrupted one")
	}
	// A checkpoint of another configuration is refused.
	other := cfg
	other.Seed++
	if _, err := Run(other, land, &Settings{Resume: saved}); err == nil {
		t.Error("resumed from another configuration's checkpoint")
	}
}

// TestNaturalGradientTracksExact: on a quadratic the natural-gradient run
// stays within O(θ²)-per-step of the exact map, far closer than the
// paper's recursion.
func TestNaturalGradientTracksExact(t *testing.T) {
	t.Parallel()
	cfg := Config{
		Generations: 50, Seed: 1,
		Landscape: fitness.Spec{Kind: "quadratic", Dim: 2},
		Genetics:  Genetics{Loci: 8, Eps: 0.05, Theta: 0.05},
		Runs:      Runs{Evolution: []string{"exact", "paper"}, Gradient: []string{"natural", "lande"}, CheckpointEvery: -1},
	}
	res, err := Run(cfg, build(t, cfg), nil)
	if err != nil {
		t.Fatal(err)
	}
	fin := res.Final()
	byName := map[string]Observation{}
	for _, o := range fin {
		byName[o.Run] = o
	}
	nat, pap := byName["natural"].Distance, byName["paper"].Distance
	if !(nat < 0.1*pap) {
		t.Errorf("distance to exact after 50 generations: natural %v, paper %v; want natural ≪ paper", nat, pap)
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []Config{
		{Genetics: Genetics{Fitness: "cubic"}},
		{Runs: Runs{Evolution: []string{"lamarck"}}},
		{Genetics: Genetics{Start: 1.5}},
		{Landscape: fitness.Spec{Kind: "mountain"}},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}
