package fitness

import (
	"math"
	"sync"
	"testing"

	"github.com/evolve-toolkit/evolve/plasticity/hebb"
)

// smallHebb is a pattern task small enough for finite differences.
func smallHebb() HebbSpec {
	return HebbSpec{Patterns: hebb.PatternTask{P: 6, K: 2, Present: 2, Gap: 1, Cycles: 1, Test: 2, Scale: 1.5}, Episodes: 3, TestEpisodes: 10}
}

// TestHebbGradient: the exact gradient of the landscape equals central
// finite differences (step 1e-6; the loss is smooth without a clip) for
// shared and per-synapse α and both rules offered.
func TestHebbGradient(t *testing.T) {
	t.Parallel()
	for _, alpha := range []hebb.AlphaMode{hebb.AlphaShared, hebb.AlphaSynapse} {
		for _, rule := range []hebb.Rule{hebb.RuleHebb, hebb.RuleOja} {
			sp := smallHebb()
			sp.Alpha, sp.Rule = alpha, rule
			land, err := NewHebb(sp, 3)
			if err != nil {
				t.Fatal(err)
			}
			y := make([]float64, land.Dim())
			y[0] = 0.3
			for i := 1; i < len(y); i++ {
				y[i] = 0.4 + 0.1*math.Sin(float64(i))
			}
			g := make([]float64, len(y))
			l := land.Gradient(g, y)
			if l != land.Loss(y) {
				t.Errorf("%s/%s: Gradient's loss %v, Loss %v", alpha, rule, l, land.Loss(y))
			}
			const h = 1e-6
			for i := range y {
				yp, ym := append([]float64(nil), y...), append([]float64(nil), y...)
				yp[i] += h
				ym[i] -= h
				fd := (land.Loss(yp) - land.Loss(ym)) / (2 * h)
				if d := math.Abs(fd - g[i]); d > 1e-5*math.Max(1, math.Abs(fd)) {
					t.Errorf("%s/%s: ∂L/∂y%d = %v, finite differences %v", alpha, rule, i, g[i], fd)
				}
			}
		}
	}
}

// TestHebbNoAlpha: with α = 0 the trace has no effect, so on the reduced
// task (scale 20) the given bits are x = tanh(±20) = ±1 in float64 and the
// 25 erased bits x = tanh(0) = 0: L = 25 exactly for every η, and
// ∂L/∂η = 0.
func TestHebbNoAlpha(t *testing.T) {
	t.Parallel()
	land, err := NewHebb(HebbSpec{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	g := make([]float64, 2)
	for _, eta := range []float64{0, 0.1, 0.7} {
		if l := land.Gradient(g, []float64{eta, 0}); l != 25 || g[0] != 0 {
			t.Errorf("η = %v, α = 0: L = %v, ∂L/∂η = %v; want 25 and 0", eta, l, g[0])
		}
	}
}

// TestHebbGenerations: At(g) is the same landscape for the same g (also
// from concurrent callers), different episodes for different g, and At(0)
// is the landscape itself.
func TestHebbGenerations(t *testing.T) {
	t.Parallel()
	land, err := NewHebb(smallHebb(), 5)
	if err != nil {
		t.Fatal(err)
	}
	if land.At(0) != Landscape(land) {
		t.Error("At(0) is not the landscape")
	}
	y := []float64{0.2, 0.8}
	l1 := land.At(1).Loss(y)
	var wg sync.WaitGroup
	res := make([]float64, 8)
	for i := range res {
		wg.Add(1)
		go func() { defer wg.Done(); res[i] = land.At(1 + i%2).Loss(y) }()
	}
	wg.Wait()
	for i, v := range res {
		if i%2 == 0 && v != l1 {
			t.Errorf("At(1) loss %v, earlier %v", v, l1)
		}
	}
	if res[1] == l1 {
		t.Error("generations 1 and 2 have the same loss: episodes not fresh")
	}
	// Rebuilt from the same seed, generation 7 is the same.
	again, _ := NewHebb(smallHebb(), 5)
	if a, b := land.At(7).Loss(y), again.At(7).Loss(y); a != b {
		t.Errorf("generation 7: %v, rebuilt %v", a, b)
	}
}

// TestHebbSpecErrors: settings that cannot work are named.
func TestHebbSpecErrors(t *testing.T) {
	t.Parallel()
	for _, s := range []Spec{
		{Kind: "hebb", Hebb: HebbSpec{Rule: hebb.RuleNeuro}},
		{Kind: "hebb", Hebb: HebbSpec{Alpha: hebb.AlphaPost}},
		{Kind: "hebb", Hebb: HebbSpec{Patterns: hebb.PatternTask{P: 5, K: 1, Present: 1, Cycles: 1, Test: 1}}},
		{Kind: "hebb", Hebb: HebbSpec{Episodes: -1}},
	} {
		if _, err := s.Build(); err == nil {
			t.Errorf("%+v accepted", s.Hebb)
		}
	}
	land, err := Spec{Kind: "hebb"}.Build()
	if err != nil || land.Dim() != 2 {
		t.Fatalf("default hebb landscape: %v, %v", land, err)
	}
}
