package plasticity

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

// randomNet returns a small network with random weights W ~ N(0, 0.5²)
// and U ~ N(0, 1), so every gradient path is active.
func randomNet(t testing.TB, cfg Config, s uint64) *Network {
	t.Helper()
	net, err := New(cfg, rand.NewPCG(s, 1))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(s, 2))
	for i := range net.W {
		net.W[i] = 0.5 * rng.NormFloat64()
	}
	for i := range net.U {
		net.U[i] = rng.NormFloat64()
	}
	return net
}

// patterns returns a copy of the fired sets of the last forward pass.
func patterns(ws *Workspace) []int {
	return slices.Clone(ws.Pattern)
}

// fdStep is the central-difference step: the loss is piecewise smooth,
// so h = 1e-6 leaves errors of order h² · (curvature) plus rounding
// 1e-16/h = 1e-10.
const fdStep = 1e-6

// TestBackwardFiniteDifferences checks ∂L/∂W, ∂L/∂U, ∂L/∂A and ∂L/∂x
// against central differences, for both recurrences and both losses,
// wherever the perturbation leaves the cap masks unchanged.
func TestBackwardFiniteDifferences(t *testing.T) {
	t.Parallel()
	for _, rec := range []Recurrence{Paper, Reference} {
		for _, loss := range []Loss{CrossEntropy, MSE} {
			for _, T := range []int{1, 3} {
				t.Run(fmt.Sprintf("%s/%s/T=%d", rec, loss, T), func(t *testing.T) {
					t.Parallel()
					cfg := Config{Inputs: 5, Labels: 3, Nodes: 14, Cap: 6, Rounds: T, Recurrence: rec, Seed: 3}
					net := randomNet(t, cfg, 7)
					rng := rand.New(rand.NewPCG(9, 9))
					x := make([]float64, cfg.Inputs)
					for j := range x {
						x[j] = rng.NormFloat64()
					}
					const y = 1
					ws := net.NewWorkspace()
					lossAt := func() (float64, []int) {
						net.ForwardWS(ws, x)
						dz := make([]float64, net.m)
						return LossGrad(dz, ws.Z, y, loss, 1), patterns(ws)
					}
					g := net.NewGrad(PartW | PartU | PartA | PartX)
					_, base := lossAt()
					dz := make([]float64, net.m)
					LossGrad(dz, ws.Z, y, loss, 1)
					net.Backward(g, ws, x, dz)
					checked, skipped := 0, 0
					check := func(name string, p []float64, i int, want float64) {
						old := p[i]
						p[i] = old + fdStep
						lp, sp := lossAt()
						p[i] = old - fdStep
						lm, sm := lossAt()
						p[i] = old
						if !slices.Equal(sp, base) || !slices.Equal(sm, base) {
							skipped++
							return
						}
						checked++
						fd := (lp - lm) / (2 * fdStep)
						if !scalar.EqualWithinAbsOrRel(fd, want, 1e-7, 1e-6) {
							t.Errorf("∂L/∂%s[%d] = %v, finite difference %v", name, i, want, fd)
						}
					}
					for e := range net.W {
						check("W", net.W, e, g.W[e])
					}
					for i := range net.U {
						check("U", net.U, i, g.U[i])
					}
					for i := range net.AT {
						if net.AT[i] != 0 {
							check("A", net.AT, i, g.AT[i])
						} else if g.AT[i] != 0 {
							t.Errorf("∂L/∂A[%d] = %v outside the mask", i, g.AT[i])
						}
					}
					gx := slices.Clone(g.X)
					for j := range x {
						check("x", x, j, gx[j])
					}
					t.Logf("%d checked, %d skipped", checked, skipped)
					if skipped > checked/10 {
						t.Errorf("%d of %d perturbations changed the cap masks", skipped, checked+skipped)
					}
				})
			}
		}
	}
}

// TestLossGrad checks the losses and their gradients on a worked case:
// z = (0, ln 3), y = 0: softmax = (1/4, 3/4), CE = ln 4, δz = (−3/4, 3/4);
// MSE = ((0−1)² + ln²3)/2, δz = 2(z − e_y)/2 = (−1, ln 3).
func TestLossGrad(t *testing.T) {
	t.Parallel()
	z := []float64{0, math.Log(3)}
	dz := make([]float64, 2)
	if l := LossGrad(dz, z, 0, CrossEntropy, 1); !scalar.EqualWithinAbs(l, math.Log(4), 1e-15) ||
		!scalar.EqualWithinAbs(dz[0], -0.75, 1e-15) || !scalar.EqualWithinAbs(dz[1], 0.75, 1e-15) {
		t.Errorf("CE: loss %v grad %v", l, dz)
	}
	if l := LossGrad(dz, z, 0, MSE, 0.5); !scalar.EqualWithinAbs(l, (1+math.Log(3)*math.Log(3))/2, 1e-15) ||
		!scalar.EqualWithinAbs(dz[0], -0.5, 1e-15) || !scalar.EqualWithinAbs(dz[1], 0.5*math.Log(3), 1e-15) {
		t.Errorf("MSE: loss %v grad %v", l, dz)
	}
}
