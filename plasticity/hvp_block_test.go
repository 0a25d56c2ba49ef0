package plasticity

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
)

// classLossSetup returns a loss of a random network on e random examples.
func classLossSetup(t testing.TB, cfg Config, e int) (*ClassLoss, []float64, []float64) {
	net := randomNet(t, cfg, 7)
	rng := rand.New(rand.NewPCG(5, 6))
	xs := make([][]float64, e)
	ys := make([]int, e)
	for i := range xs {
		xs[i] = make([]float64, cfg.Inputs)
		for j := range xs[i] {
			xs[i][j] = rng.NormFloat64()
		}
		ys[i] = rng.IntN(cfg.Labels)
	}
	c := NewClassLoss(net, xs, ys, CrossEntropy)
	theta := c.Params()
	v := make([]float64, len(theta))
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return c, theta, v
}

// The blocked HessVec (paper recurrence, hvpBlock examples at a time)
// equals the per-example one to rounding, with a last partial block.
func TestClassLossHessVecBlocked(t *testing.T) {
	t.Parallel()
	for _, T := range []int{1, 2, 3} {
		c, theta, v := classLossSetup(t, Config{Inputs: 5, Labels: 3, Nodes: 30, Cap: 12, Rounds: T, Seed: 3}, 2*hvpBlock+5)
		blocked, plain := make([]float64, len(theta)), make([]float64, len(theta))
		c.HessVec(blocked, theta, v)
		c.plain = true
		c.HessVec(plain, theta, v)
		if floats.Norm(plain, 2) == 0 {
			t.Fatal("zero product: no power")
		}
		if e := floats.Distance(blocked, plain, 2) / floats.Norm(plain, 2); e > 1e-13 {
			t.Errorf("T=%d: blocked and per-example HVP differ by %g (relative)", T, e)
		}
	}
}

// BenchmarkClassLossHessVec: one product at |V| = 1000, k = 500, T = 3
// (about 500,000 edges) on 64 examples, blocked and per example.
func BenchmarkClassLossHessVec(b *testing.B) {
	for _, plain := range []bool{false, true} {
		name := map[bool]string{false: "blocked", true: "per-example"}[plain]
		b.Run(name, func(b *testing.B) {
			c, theta, v := classLossSetup(b, Config{Inputs: 20, Labels: 10, Nodes: 1000, Cap: 500, Rounds: 3, Seed: 3}, 64)
			c.plain = plain
			dst := make([]float64, len(theta))
			c.HessVec(dst, theta, v)
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := processCPU()
			for i := 0; i < b.N; i++ {
				c.HessVec(dst, theta, v)
			}
			b.ReportMetric((processCPU()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}
