package gemm

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// BenchmarkGemm times the products of plasticity/credit at N = 128,
// batch 256 (Z W_recᵀ, dVᵀ Z, X W_inᵀ with 28 inputs), with this package
// and with gonum's blas64.Gemm; MMAC/s is millions of multiply-adds per
// second of wall time.
func BenchmarkGemm(b *testing.B) {
	for _, s := range []struct {
		name    string
		ta, tb  bool
		m, n, k int
	}{
		{"NN/256x128x128", false, false, 256, 128, 128},
		{"TN/128x128x256", true, false, 128, 128, 256},
		{"NN/256x128x28", false, false, 256, 128, 28},
		{"NT/256x128x10", false, true, 256, 128, 10},
	} {
		rng := rand.New(rand.NewPCG(1, 2))
		ar, ac := s.m, s.k
		if s.ta {
			ar, ac = s.k, s.m
		}
		br, bc := s.k, s.n
		if s.tb {
			br, bc = s.n, s.k
		}
		a, bb, c := rnd(rng, ar, ac, ac), rnd(rng, br, bc, bc), make([]float64, s.m*s.n)
		macs := float64(s.m * s.n * s.k)
		b.Run(s.name+"/gemm", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Gemm(s.ta, s.tb, s.m, s.n, s.k, 1, a, ac, bb, bc, 1, c, s.n)
			}
			b.ReportMetric(macs*float64(b.N)/b.Elapsed().Seconds()/1e6, "MMAC/s")
		})
		b.Run(s.name+"/gonum", func(b *testing.B) {
			op := func(t bool) blas.Transpose {
				if t {
					return blas.Trans
				}
				return blas.NoTrans
			}
			A := blas64.General{Rows: ar, Cols: ac, Stride: ac, Data: a}
			B := blas64.General{Rows: br, Cols: bc, Stride: bc, Data: bb}
			C := blas64.General{Rows: s.m, Cols: s.n, Stride: s.n, Data: c}
			b.ReportAllocs()
			for b.Loop() {
				blas64.Gemm(op(s.ta), op(s.tb), 1, A, B, 1, C)
			}
			b.ReportMetric(macs*float64(b.N)/b.Elapsed().Seconds()/1e6, "MMAC/s")
		})
	}
}
