package fitness

import (
	"fmt"
	"slices"
	"testing"

	"github.com/evolve-toolkit/evolve/plasticity"
	"gonum.org/v1/gonum/floats"
)

// FullRule.Hessian is the exact Hessian of the landscape: its products
// equal central differences of the landscape's own exact gradient,
// relative error below 1e-5 (issue 12), in the smooth case (T = 1, All,
// AllEdges: L is smooth in the output rule) and with a T = 2 graph rule
// (mistakes; the seeded step h = 1e-5 changes no pattern here, which
// plasticity's TestRuleHessianFiniteDifferences checks in general); its
// gradient is the landscape's bit for bit (same network, same training),
// and HessVec equals Hessian(y).HessVec.
func TestFullRuleHessian(t *testing.T) {
	t.Parallel()
	for i, tc := range []struct {
		cfg   plasticity.Config
		graph bool
	}{
		{plasticity.Config{Nodes: 30, Cap: 15, Rounds: 1, Seed: 4, Scheme: plasticity.All, AllEdges: true}, false},
		{plasticity.Config{Nodes: 30, Cap: 15, Rounds: 2, Seed: 4}, true},
	} {
		t.Run(fmt.Sprintf("T=%d/graph=%v", tc.cfg.Rounds, tc.graph), func(t *testing.T) {
			t.Parallel()
			f, err := NewFullRule(tc.cfg, batch(t, "halfspace", 100), &FullRuleSettings{Graph: tc.graph})
			if err != nil {
				t.Fatal(err)
			}
			p := f.Dim()
			y := randomY(p, uint64(5+i))
			h, err := f.Hessian(y)
			if err != nil {
				t.Fatal(err)
			}
			if h.Len() != p || h.GraphEntries() != f.GraphEntries() {
				t.Fatalf("Hessian has %d entries (%d graph), landscape %d (%d)", h.Len(), h.GraphEntries(), p, f.GraphEntries())
			}
			g, hg := make([]float64, p), make([]float64, p)
			f.Gradient(g, y)
			h.Gradient(hg)
			if !slices.Equal(g, hg) {
				t.Errorf("Hessian's gradient %v, landscape's %v", hg, g)
			}
			v := randomY(p, 77)
			hv, hv2 := make([]float64, p), make([]float64, p)
			h.HessVec(hv, v)
			f.HessVec(hv2, y, v)
			if !slices.Equal(hv, hv2) {
				t.Error("HessVec differs from Hessian(y).HessVec")
			}
			const step = 1e-5 // see plasticity's ruleStep
			yp, ym := slices.Clone(y), slices.Clone(y)
			floats.AddScaled(yp, step, v)
			floats.AddScaled(ym, -step, v)
			gp, gm := make([]float64, p), make([]float64, p)
			f.Gradient(gp, yp)
			f.Gradient(gm, ym)
			fd := make([]float64, p)
			floats.SubTo(fd, gp, gm)
			floats.Scale(1/(2*step), fd)
			if floats.Norm(fd, 2) == 0 {
				t.Fatal("zero product: test has no power")
			}
			if e := floats.Distance(hv, fd, 2) / floats.Norm(fd, 2); e > 1e-5 {
				t.Errorf("HVP vs central differences of the gradient: rel. error %g", e)
			}
		})
	}
}
