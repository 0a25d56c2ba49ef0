package hebb

import (
	"testing"

	"github.com/evolve-toolkit/evolve/internal/seed"
)

// benchEpisode measures one forward and backward pass of an episode of
// task (one core: one workspace, no goroutines).
func benchEpisode(b *testing.B, task PatternTask, alpha AlphaMode) {
	net, err := NewNet(Config{N: task.Neurons(), Alpha: alpha}, seed.PCG(1, seed.Network, 0))
	if err != nil {
		b.Fatal(err)
	}
	gen, _ := NewPatternGen(task, seed.PCG(1, seed.Data, 0))
	ep := gen.NewEpisode()
	gen.Next(ep)
	ws := NewWorkspace(net.N)
	grad := make([]float64, len(net.Theta))
	ws.Forward(net, ep)
	ws.Backward(grad)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		ws.Forward(net, ep)
		ws.Backward(grad)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "episodes/s")
}

// BenchmarkFullPatterns is the paper's size: N = 1001, T = 106 (reverse
// trace reconstruction: 106·N² traces do not fit the default budget).
func BenchmarkFullPatterns(b *testing.B) { benchEpisode(b, FullPatterns(), AlphaSynapse) }

// BenchmarkReducedPatterns is the reduced size: N = 51, T = 11.
func BenchmarkReducedPatterns(b *testing.B) { benchEpisode(b, ReducedPatterns(), AlphaSynapse) }

// BenchmarkReducedNonPlastic is the reduced size with α ≡ 0.
func BenchmarkReducedNonPlastic(b *testing.B) { benchEpisode(b, ReducedPatterns(), AlphaNone) }

// BenchmarkFullNonPlastic is the paper's size with α ≡ 0 (the baseline).
func BenchmarkFullNonPlastic(b *testing.B) { benchEpisode(b, FullPatterns(), AlphaNone) }
