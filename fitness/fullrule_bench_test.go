package fitness

import (
	"runtime"
	"testing"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/cputime"
	"github.com/evolve-toolkit/evolve/plasticity"
)

// BenchmarkFullRuleGeneration is the cost of one Wright–Fisher generation
// of the full T = 3 rule on one core (issue 10): N = 1000 losses at
// |V| = 100, k = 50, batch 200 of relu1, graph and output rules (80
// coefficients, N(0, 0.1²)-like spread of rules across individuals),
// reported as individual·examples per second of training and evaluation.
func BenchmarkFullRuleGeneration(b *testing.B) {
	const N, batch = 1000, 200
	sp, err := dataset.Load("relu1", &dataset.Options{Seed: 1, TrainSize: batch, TestSize: 1})
	if err != nil {
		b.Fatal(err)
	}
	f, err := NewFullRule(plasticity.Config{Nodes: 100, Cap: 50, Rounds: 3, Seed: 1}, sp.Train, &FullRuleSettings{Graph: true})
	if err != nil {
		b.Fatal(err)
	}
	ys := make([][]float64, N)
	for j := range ys {
		ys[j] = make([]float64, f.Dim())
		for p := range ys[j] {
			// A deterministic spread of ±0.1 around 0, as a population at
			// x = ½ with n = 20, ε = 0.05 has (sd √n ε ≈ 0.22).
			ys[j][p] = 0.1 * float64((j*31+p*17)%21-10) / 10
		}
	}
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cputime.Process()
	for range b.N {
		for _, y := range ys {
			f.Loss(y)
		}
	}
	cpu := (cputime.Process() - cpu0).Seconds()
	b.ReportMetric(float64(b.N*N*batch)/b.Elapsed().Seconds(), "ind·examples/s")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/generation")
	if cpu > 0 {
		b.ReportMetric(float64(b.N*N*batch)/cpu, "ind·examples/CPU-s")
		b.ReportMetric(cpu/float64(b.N), "CPU-s/generation")
	}
}
