package credit

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/evolve-toolkit/evolve/curvature"
)

// benchSizes are the reduced replication of SPEC §11 (N = 32, batch 64,
// Hessian on 256 sequences) and the code's full size (N = 128, batch 256,
// Hessian on 1024 sequences), on row-wise sequential MNIST's shape
// (28 steps of 28 inputs, 10 classes); random data, as only the cost is
// measured.
var benchSizes = []struct{ hidden, batch, measure int }{{32, 64, 256}, {128, 256, 1024}}

// BenchmarkStep is one SGD iteration of a rule: forward, the rule's ĝ
// and the parameter update.
func BenchmarkStep(b *testing.B) {
	for _, sz := range benchSizes {
		for _, r := range []Rule{{Kind: BPTT}, {Kind: Truncated}, {Kind: RFLO}, {Kind: TBPTT, K: 5}} {
			b.Run(fmt.Sprintf("N=%d/batch=%d/%s", sz.hidden, sz.batch, r), func(b *testing.B) {
				n, bt := tiny(ReLU, 28, sz.hidden, 10, 28, sz.batch, 1)
				g := make([]float64, n.Len())
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					n.Step(g, n.Theta, bt, r, 1e-6)
				}
			})
		}
	}
}

// BenchmarkHessVec is one exact Hessian–vector product on the measured
// subset.
func BenchmarkHessVec(b *testing.B) {
	for _, sz := range benchSizes {
		b.Run(fmt.Sprintf("N=%d/examples=%d", sz.hidden, sz.measure), func(b *testing.B) {
			n, bt := tiny(ReLU, 28, sz.hidden, 10, 28, sz.measure, 1)
			u := make([]float64, n.Len())
			rng := rand.New(rand.NewPCG(1, 3))
			for i := range u {
				u[i] = rng.NormFloat64()
			}
			dst := make([]float64, n.Len())
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				n.HessVec(dst, n.Theta, u, bt)
			}
		})
	}
}

// BenchmarkMeasure is one measurement of the credit-curvature experiment
// on the W_rec block: 20 Lanczos steps and 10 Hutchinson probes, each
// one Hessian–vector product on the measured subset.
func BenchmarkMeasure(b *testing.B) {
	for _, sz := range benchSizes[:1] {
		b.Run(fmt.Sprintf("N=%d/examples=%d", sz.hidden, sz.measure), func(b *testing.B) {
			n, bt := tiny(ReLU, 28, sz.hidden, 10, 28, sz.measure, 1)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				h := curvature.Block(curvature.At(Objective{n, bt}, n.Theta), n.RecBlock())
				if _, err := curvature.Lanczos(h, &curvature.LanczosSettings{MaxIter: 20, Tol: 1e-4}, rand.NewPCG(1, uint64(i))); err != nil {
					b.Fatal(err)
				}
				if _, err := curvature.Hutchinson(h, &curvature.HutchinsonSettings{Samples: 10}, rand.NewPCG(2, uint64(i))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
