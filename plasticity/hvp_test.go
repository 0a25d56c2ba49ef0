package plasticity

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/floats"
)

// The exact HVP of the classification loss equals central differences of
// the exact gradient (Backward), relative error below 1e-5 (issue 12), for
// both recurrences and losses, at points where the step changes no cap
// mask (checked: the fired sets at θ ± hv equal those at θ).
func TestClassLossHessVec(t *testing.T) {
	t.Parallel()
	for _, rec := range []Recurrence{Paper, Reference} {
		for _, loss := range []Loss{CrossEntropy, MSE} {
			for _, T := range []int{1, 3} {
				t.Run(fmt.Sprintf("%s/%s/T=%d", rec, loss, T), func(t *testing.T) {
					t.Parallel()
					cfg := Config{Inputs: 5, Labels: 3, Nodes: 14, Cap: 6, Rounds: T, Recurrence: rec, Seed: 3}
					net := randomNet(t, cfg, 7)
					rng := rand.New(rand.NewPCG(11, 3))
					xs := make([][]float64, 8)
					ys := make([]int, 8)
					for e := range xs {
						xs[e] = make([]float64, cfg.Inputs)
						for j := range xs[e] {
							xs[e][j] = rng.NormFloat64()
						}
						ys[e] = rng.IntN(cfg.Labels)
					}
					c := NewClassLoss(net, xs, ys, loss)
					theta := c.Params()
					v := make([]float64, c.Len())
					for i := range v {
						v[i] = rng.NormFloat64()
					}
					masks := func(th []float64) [][]int {
						c.set(th)
						var out [][]int
						for _, x := range xs {
							ws := net.NewWorkspace()
							net.ForwardWS(ws, x)
							out = append(out, slices.Clone(ws.Pattern))
						}
						return out
					}
					const h = 1e-6
					tp, tm := slices.Clone(theta), slices.Clone(theta)
					floats.AddScaled(tp, h, v)
					floats.AddScaled(tm, -h, v)
					m0 := masks(theta)
					for _, th := range [][]float64{tp, tm} {
						for e, m := range masks(th) {
							if !slices.Equal(m, m0[e]) {
								t.Skip("the finite-difference step crosses a cap boundary")
							}
						}
					}
					hv := make([]float64, c.Len())
					c.HessVec(hv, theta, v)
					gp, gm := make([]float64, c.Len()), make([]float64, c.Len())
					c.Grad(gp, tp)
					c.Grad(gm, tm)
					fd := make([]float64, c.Len())
					floats.SubTo(fd, gp, gm)
					floats.Scale(1/(2*h), fd)
					if floats.Norm(fd, 2) == 0 {
						t.Fatal("zero Hessian–vector product: test has no power")
					}
					if e := floats.Distance(hv, fd, 2) / floats.Norm(fd, 2); e > 1e-5 {
						t.Errorf("HVP vs FD of gradient: rel. error %g", e)
					}
				})
			}
		}
	}
}
