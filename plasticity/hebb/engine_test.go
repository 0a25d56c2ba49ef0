package hebb

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// randomEpisode fills an episode of T steps with N(0, scale²) inputs, ±1
// targets and loss weights in (0, 1].
func randomEpisode(t, n int, scale float64, rng *rand.Rand) *Episode {
	ep := NewEpisode(t, n)
	for i := range ep.U {
		ep.U[i] = scale * rng.NormFloat64()
	}
	for j := range n {
		ep.Target[j] = float64(2*rng.IntN(2) - 1)
		ep.Weight[j] = 0.1 + 0.9*rng.Float64()
	}
	return ep
}

type gradCase struct {
	rule  Rule
	alpha AlphaMode
	clip  float64
	clamp bool
	mode  MemoryMode
}

func (c gradCase) String() string {
	return fmt.Sprintf("%s/%s/clip=%v/clamp=%v/%s", c.rule, c.alpha, c.clip, c.clamp, c.mode)
}

func gradCases() []gradCase {
	var cs []gradCase
	for _, r := range Rules {
		for _, a := range AlphaModes {
			for _, clip := range []float64{0, 0.4} {
				if r == RuleNeuro && clip == 0 {
					continue // neuromodulated is always clipped
				}
				modes := []MemoryMode{MemoryStore, MemoryCheckpoint}
				if a == AlphaNone {
					modes = modes[:1] // no traces
				} else if clip == 0 && r != RuleNeuro {
					modes = append(modes, MemoryReverse)
				}
				for _, m := range modes {
					cs = append(cs, gradCase{r, a, clip, false, m})
				}
			}
		}
		cs = append(cs, gradCase{r, AlphaSynapse, 0.4, true, MemoryStore})
	}
	return cs
}

// TestGradientFiniteDifferences compares the BPTT gradient with central
// differences for every parameter on N = 7, T = 7, η = 0.3 (SPEC §10).
// Step 1e-5: truncation error O(h²·L‴) ≈ 1e-10 and rounding 1e-16/h ≈
// 1e-11 relative to the loss, far below the 1e-5 tolerance of the issue.
func TestGradientFiniteDifferences(t *testing.T) {
	t.Parallel()
	const n, T, h = 7, 7, 1e-5
	for k, c := range gradCases() {
		t.Run(c.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, uint64(k)))
			cfg := Config{N: n, Rule: c.rule, Alpha: c.alpha, Clip: c.clip, Eta: 0.3, InitScale: 0.5, Clamp: c.clamp}
			net, err := NewNet(cfg, rand.NewPCG(1, uint64(k)))
			if err != nil {
				t.Fatal(err)
			}
			if net.offBM >= 0 {
				net.Theta[net.offBM] = 0.2
			}
			ep := randomEpisode(T, n, 1.5, rng)
			if c.clamp {
				for i := range ep.U {
					if rng.IntN(3) == 0 {
						ep.U[i] = 0.9 * math.Tanh(ep.U[i])
					} else {
						ep.U[i] = 0
					}
				}
			}
			ws := NewWorkspace(n)
			ws.Mode = c.mode
			ws.Forward(net, ep)
			if ws.EffectiveMode() != c.mode {
				t.Fatalf("mode %v, want %v", ws.EffectiveMode(), c.mode)
			}
			grad := make([]float64, len(net.Theta))
			ws.Backward(grad)
			clipped := 0
			if c.clip > 0 && c.alpha != AlphaNone {
				clipped = countClipped(ws, net, ep, c.clip)
			}
			maxRel := 0.0
			for p := range net.Theta {
				if c.rule == RuleNeuro && p == net.offEta {
					if grad[p] != 0 {
						t.Errorf("η gradient %v for neuromodulated (η is unused)", grad[p])
					}
					continue
				}
				v := net.Theta[p]
				net.Theta[p] = v + h
				lp := ws.Forward(net, ep)
				net.Theta[p] = v - h
				lm := ws.Forward(net, ep)
				net.Theta[p] = v
				fd := (lp - lm) / (2 * h)
				den := math.Max(math.Abs(fd), 1e-4) // absolute floor for near-zero derivatives
				rel := math.Abs(grad[p]-fd) / den
				maxRel = math.Max(maxRel, rel)
				if rel > 1e-5 {
					t.Errorf("θ[%d]: bptt %.12g, central difference %.12g, rel %.3g", p, grad[p], fd, rel)
				}
			}
			t.Logf("max relative error %.3g, clipped trace entries %d", maxRel, clipped)
		})
	}
}

// countClipped counts trace entries at ±c over the episode (store mode), to
// show that the clip cases exercise the clip.
func countClipped(ws *Workspace, net *Net, ep *Episode, c float64) int {
	w2 := NewWorkspace(ws.n)
	w2.Mode = MemoryStore
	w2.Forward(net, ep)
	k := 0
	for _, v := range w2.traces[:ep.T*ws.n*ws.n] {
		if math.Abs(v) == c {
			k++
		}
	}
	return k
}

// TestAlphaZeroIsPlainRNN: with α = 0 the plastic network reproduces a
// plain tanh RNN, written here independently, bit for bit.
func TestAlphaZeroIsPlainRNN(t *testing.T) {
	t.Parallel()
	const n, T = 13, 20
	for _, r := range Rules {
		for _, a := range []AlphaMode{AlphaSynapse, AlphaPost, AlphaShared, AlphaNone} {
			net, err := NewNet(Config{N: n, Rule: r, Alpha: a, Eta: 0.3, InitScale: 0.7}, rand.NewPCG(2, 0))
			if err != nil {
				t.Fatal(err)
			}
			clear(net.Alpha)
			ep := randomEpisode(T, n, 1, rand.New(rand.NewPCG(3, 0)))
			ws := NewWorkspace(n)
			ws.Forward(net, ep)
			x := make([]float64, n)
			nx := make([]float64, n)
			for s := 1; s <= T; s++ {
				for j := range n {
					sum := 0.0
					for i := range n {
						sum += net.W[j*n+i] * x[i]
					}
					nx[j] = math.Tanh(sum + ep.U[(s-1)*n+j])
				}
				x, nx = nx, x
				for j, v := range ws.X(s) {
					if v != x[j] {
						t.Fatalf("%s/%s: step %d neuron %d: plastic %v, plain RNN %v", r, a, s, j, v, x[j])
					}
				}
			}
		}
	}
}

// TestHebbBounded: for η ∈ [0, 1] and no clip the hebb trace stays in
// [−1, 1] (a convex combination of values in (−1, 1)), even under input
// that saturates the neurons.
func TestHebbBounded(t *testing.T) {
	t.Parallel()
	const n, T = 9, 60
	for _, eta := range []float64{1e-3, 0.3, 0.7, 0.999, 1} {
		net, _ := NewNet(Config{N: n, Eta: eta, InitScale: 2}, rand.NewPCG(4, 0))
		ep := randomEpisode(T, n, 30, rand.New(rand.NewPCG(5, 0)))
		ws := NewWorkspace(n)
		ws.Mode = MemoryStore
		ws.Forward(net, ep)
		mx := 0.0
		for _, v := range ws.traces[:T*n*n] {
			mx = math.Max(mx, math.Abs(v))
		}
		if mx > 1 {
			t.Errorf("η = %v: max |H| = %v > 1", eta, mx)
		}
		if eta >= 0.3 && mx < 0.9 {
			t.Errorf("η = %v: max |H| = %v: saturated inputs should drive the trace near 1", eta, mx)
		}
	}
}

// TestOjaFixedPoint: with every neuron clamped to a constant, the Oja
// trace of pre value x' and post value y converges to H* = x'/y, the
// zero of y(x' − yH). Contraction factor per step 1 − ηy²: with η = 0.9
// and |y| ≥ 0.3 it is ≤ 0.919, and 0.919^400 ≈ 2e-15.
func TestOjaFixedPoint(t *testing.T) {
	t.Parallel()
	vals := []float64{0.3, -0.6, 0.8}
	n, T := len(vals), 400
	net, _ := NewNet(Config{N: n, Rule: RuleOja, Alpha: AlphaShared, Eta: 0.9, Clamp: true}, rand.NewPCG(6, 0))
	ep := NewEpisode(T, n)
	for s := 1; s <= T; s++ {
		copy(ep.Input(s), vals)
	}
	ws := NewWorkspace(n)
	ws.Mode = MemoryReverse
	ws.Forward(net, ep)
	h := ws.Trace()
	for j := range n {
		for i := range n {
			want := vals[i] / vals[j]
			if d := math.Abs(h[j*n+i] - want); d > 1e-12 {
				t.Errorf("H[%d][%d] = %v, fixed point x'/y = %v", j, i, h[j*n+i], want)
			}
		}
	}
}

// TestClipHolds: every trace of every rule stays in [−c, c] with a clip,
// and the clip is reached.
func TestClipHolds(t *testing.T) {
	t.Parallel()
	const n, T, c = 9, 40, 0.25
	for _, r := range Rules {
		net, _ := NewNet(Config{N: n, Rule: r, Clip: c, Eta: 0.5, InitScale: 1}, rand.NewPCG(7, 0))
		if net.offBM >= 0 {
			net.Theta[net.offBM] = 1
		}
		ep := randomEpisode(T, n, 5, rand.New(rand.NewPCG(8, 0)))
		ws := NewWorkspace(n)
		ws.Mode = MemoryStore
		ws.Forward(net, ep)
		mx := 0.0
		at := 0
		for _, v := range ws.traces[:T*n*n] {
			mx = math.Max(mx, math.Abs(v))
			if math.Abs(v) == c {
				at++
			}
		}
		if mx > c || at == 0 {
			t.Errorf("%s: max |H| = %v (clip %v), %d entries at the clip", r, mx, c, at)
		}
	}
}

// TestReverseReconstruction: reconstructing the hebb traces backwards
// from H(T) over 106 steps at η = 0.01 returns to H(1) = 0 within 1e-9, and
// the gradients of the reverse and store modes agree to 1e-9 relative.
func TestReverseReconstruction(t *testing.T) {
	t.Parallel()
	const n, T = 31, 106
	for _, r := range []Rule{RuleHebb, RuleOja} {
		net, _ := NewNet(Config{N: n, Rule: r, Eta: 0.01, InitScale: 0.3}, rand.NewPCG(9, 0))
		ep := randomEpisode(T, n, 20, rand.New(rand.NewPCG(10, 0)))
		ws := NewWorkspace(n)
		ws.Mode = MemoryReverse
		ws.Forward(net, ep)
		hmax := 0.0
		for _, v := range ws.Trace() {
			hmax = math.Max(hmax, math.Abs(v))
		}
		g1 := make([]float64, len(net.Theta))
		ws.Backward(g1)
		drift := 0.0
		for _, v := range ws.h {
			drift = math.Max(drift, math.Abs(v))
		}
		if drift > 1e-9 || hmax < 0.1 {
			t.Errorf("%s: reconstructed H(1) max |·| = %v (want 0 within 1e-9); max |H(T)| %v", r, drift, hmax)
		}
		ws.Mode = MemoryStore
		ws.Forward(net, ep)
		g2 := make([]float64, len(net.Theta))
		ws.Backward(g2)
		gmax, dmax := 0.0, 0.0
		for i := range g1 {
			gmax = math.Max(gmax, math.Abs(g2[i]))
			dmax = math.Max(dmax, math.Abs(g1[i]-g2[i]))
		}
		if dmax > 1e-9*gmax {
			t.Errorf("%s: reverse vs store gradient max diff %v (max |g| %v)", r, dmax, gmax)
		}
	}
}
