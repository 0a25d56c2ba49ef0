package attack

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/evolve-toolkit/evolve/plasticity"
)

// BenchmarkAttack measures one (image, ε) pair at the paper's size: MNIST
// shape (d = 784, m = 10), |V| = 1000, k = 500, T = 3, S = 50 steps, ε = 2.
// The image is one the attack cannot break (U = 0 except a bias towards
// its label through every node), so all m − 1 = 9 targeted attacks run to
// the end: 9·(50 forward + backward passes + 1 forward pass), the worst
// case per image and ε.
func BenchmarkAttack(b *testing.B) {
	for _, T := range []int{1, 3} {
		b.Run(map[int]string{1: "T=1", 3: "T=3"}[T], func(b *testing.B) {
			net, rng := benchNet(b, T)
			cfg := net.Config()
			// Label 0 wins for every input by a wide margin; the other
			// rows are small and random so the gradients are not zero.
			for i := range net.U {
				net.U[i] = 0.01 * rng.NormFloat64()
				if i < cfg.Nodes {
					net.U[i] += 100
				}
			}
			x := benchImage(rng, cfg.Inputs)
			a := NewAttacker(Network(net), Config{})
			dst := make([]float64, cfg.Inputs)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if broken, _ := a.Attack(dst, x, 0, 2); broken {
					b.Fatal("the benchmark image was broken")
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(9*51)/1e3, "µs/pass")
		})
	}
}

// BenchmarkHopSkipJump measures one decision-based attack (25 iterations)
// on one image at the paper's size (|V| = 1000, k = 500, T = 3, MNIST
// shape, a random network), with the direction queries labelled in
// batches by Evaluate's kernels ("batched") and one Forward at a time
// ("single", as before the batching); both give the same point.
func BenchmarkHopSkipJump(b *testing.B) {
	net, rng := benchNet(b, 3)
	cfg := net.Config()
	for i := range net.U {
		net.U[i] = rng.NormFloat64()
	}
	x := benchImage(rng, cfg.Inputs)
	y := net.Forward(x)
	for _, tc := range []struct {
		name string
		m    Model
	}{{"batched", Network(net)}, {"single", single{Network(net)}}} {
		b.Run(tc.name, func(b *testing.B) {
			a := NewMethodAttacker(tc.m, Method{Loss: HopSkipJump, Steps: 25}, false, 1)
			dst := make([]float64, cfg.Inputs)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				a.Reseed(1, 0)
				if d := a.decision(dst, x, y); math.IsInf(d, 1) {
					b.Fatal("no adversarial start found")
				}
			}
		})
	}
}

// benchNet returns a network of the paper's size (MNIST shape, |V| = 1000,
// k = 500, T rounds) with small random graph weights, and the random
// generator that drew them.
func benchNet(b *testing.B, T int) (*plasticity.Network, *rand.Rand) {
	cfg := plasticity.Config{Inputs: 784, Labels: 10, Nodes: 1000, Cap: 500, Rounds: T, Seed: 1}
	net, err := plasticity.New(cfg, rand.NewPCG(1, 1))
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2, 2))
	for i := range net.W {
		net.W[i] = 0.01 * rng.NormFloat64()
	}
	return net, rng
}

// benchImage returns an input with about the share of non-zero pixels of
// an MNIST image (0.2), uniform in [0, 1) where non-zero.
func benchImage(rng *rand.Rand, d int) []float64 {
	x := make([]float64, d)
	for i := range x {
		if rng.Float64() < 0.2 {
			x[i] = rng.Float64()
		}
	}
	return x
}
