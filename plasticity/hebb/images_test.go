package hebb

import (
	"math"
	"testing"

	"github.com/evolve-toolkit/evolve/internal/seed"
)

// TestImageEpisode: T = 3·3·22 + 3 = 201 (SPEC §10); the test input is the
// target with exactly one half (top or bottom) zeroed, the loss weights are
// 1/392 on that half, images are centred with max |pixel| = 1, and a
// clamped network reproduces the shown half exactly.
func TestImageEpisode(t *testing.T) {
	task := DefaultImages()
	if task.Steps() != 201 {
		t.Fatalf("T = %d, want 201", task.Steps())
	}
	rng := seed.New(1, seed.Data, 0)
	x := make([]float64, 5*784)
	for i := range x {
		x[i] = math.Floor(256 * rng.Float64())
	}
	gen, err := NewImageGen(task, x, seed.PCG(2, seed.Data, 0))
	if err != nil {
		t.Fatal(err)
	}
	for k := range 5 {
		img := gen.Image(k)
		m, mx := 0.0, 0.0
		for _, v := range img {
			m += v
			mx = math.Max(mx, math.Abs(v))
		}
		if math.Abs(m) > 1e-9 || mx != 1 {
			t.Errorf("image %d: sum %v, max |pixel| %v", k, m, mx)
		}
	}
	ep := gen.NewEpisode()
	sawTop, sawBottom := false, false
	for range 20 {
		gen.Next(ep)
		u := ep.Input(ep.T)
		lo, hi := 0, 392
		if gen.LastBottom {
			lo, hi = 392, 784
			sawBottom = true
		} else {
			sawTop = true
		}
		wsum := 0.0
		for i := range 784 {
			in := i >= lo && i < hi
			if in && (u[i] != 0 || ep.Weight[i] != 1.0/392) || !in && (u[i] != ep.Target[i] || ep.Weight[i] != 0) {
				t.Fatalf("pixel %d: input %v, target %v, weight %v (erased [%d,%d))", i, u[i], ep.Target[i], ep.Weight[i], lo, hi)
			}
			wsum += ep.Weight[i]
		}
		if math.Abs(wsum-1) > 1e-12 {
			t.Fatalf("weights sum to %v", wsum)
		}
	}
	if !sawTop || !sawBottom {
		t.Errorf("erased halves: top %v, bottom %v in 20 episodes", sawTop, sawBottom)
	}
	net, _ := NewNet(Config{N: 784, Alpha: AlphaShared, Clamp: true}, seed.PCG(3, seed.Network, 0))
	ws := NewWorkspace(784)
	ws.Forward(net, ep)
	for i, v := range ws.X(ep.T) {
		if u := ep.Input(ep.T)[i]; u != 0 && v != u {
			t.Fatalf("clamped pixel %d: x = %v, input %v", i, v, u)
		}
	}
}
