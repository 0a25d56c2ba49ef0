package genetics

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// BenchmarkWrightFisher measures throughput in locus·individual·generations
// per second with every locus under selection: quadratic loss of P = 4
// coefficients, 1/4 of the loci each, free recombination. The best published
// figure for a forward simulator is about 1.0e10 per second with a single
// selected locus.
func BenchmarkWrightFisher(b *testing.B) {
	for _, sz := range []struct{ n, loci int }{{1000, 1000}, {10000, 10000}} {
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("N=%d/loci=%d/workers=%d", sz.n, sz.loci, workers), func(b *testing.B) {
				per := sz.loci / 4
				enc := &Encoding{P: 4, N: per, Eps: 1 / float64(per)} // Y_p ∈ [−1, 1]
				// θ·max L = 0.05·4·1.5² < 1.
				p := mustPop(b, &PopulationConfig{N: sz.n, Workers: workers}, enc, quadLoss([]float64{0.5, -0.5, 0.25, 0}), Fitness{Theta: 0.05}, 1)
				b.ReportAllocs()
				b.ResetTimer()
				cpu0 := cpuTime()
				best := time.Duration(math.MaxInt64)
				for b.Loop() {
					t0 := time.Now()
					if err := p.Step(); err != nil {
						b.Fatal(err)
					}
					best = min(best, time.Since(t0))
				}
				work := float64(sz.n) * float64(sz.loci) * float64(b.N)
				b.ReportMetric(work/b.Elapsed().Seconds(), "locus·ind·gen/s")
				// The fastest single generation: on a shared machine the
				// mean mixes in time slices lost to other processes.
				b.ReportMetric(float64(sz.n)*float64(sz.loci)/best.Seconds(), "best-locus·ind·gen/s")
				// Per CPU-second of the process: on a shared machine the
				// wall-clock figure understates single-core speed.
				if cpu := (cpuTime() - cpu0).Seconds(); cpu > 0 {
					b.ReportMetric(work/cpu, "locus·ind·gen/cpu-s")
				}
			})
		}
	}
}

// statsBenchLoci are the genome sizes of the statistics benchmarks: 24
// loci (4 genome words per individual), 1000 (16 words) and 10,000 (160
// words, the population 1.3 MB), all 4 coefficients and N = 1000, as the
// workloads of BenchmarkRunCLI in cmd/evolve.
var statsBenchLoci = []int{24, 1000, 10000}

// BenchmarkStats measures the per-generation statistics (frequencies by
// bit-sliced counting, 100 LD pairs).
func BenchmarkStats(b *testing.B) {
	for _, loci := range statsBenchLoci {
		b.Run(fmt.Sprintf("loci=%d", loci), func(b *testing.B) {
			enc := &Encoding{P: 4, N: loci / 4, Eps: 1 / float64(loci)}
			p := mustPop(b, &PopulationConfig{N: 1000, Workers: 1}, enc, quadLoss([]float64{0, 0, 0, 0}), Fitness{Theta: 0.05}, 1)
			var st Stats
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				if err := p.Stats(&st); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(1e6*(cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-µs/op")
		})
	}
}

// BenchmarkStatsParts measures the two costly parts of Stats on the
// populations of BenchmarkStats: the frequencies and linkage
// disequilibrium (100 pairs), in CPU-µs per call.
func BenchmarkStatsParts(b *testing.B) {
	for _, loci := range statsBenchLoci {
		enc := &Encoding{P: 4, N: loci / 4, Eps: 1 / float64(loci)}
		p := mustPop(b, &PopulationConfig{N: 1000, Workers: 1}, enc, quadLoss([]float64{0, 0, 0, 0}), Fitness{Theta: 0.05}, 1)
		f := make([]float64, enc.Loci())
		for _, part := range []struct {
			name string
			fn   func()
		}{{"frequencies", func() { p.Frequencies(f) }}, {"ld", func() { p.LD() }}} {
			b.Run(fmt.Sprintf("loci=%d/%s", loci, part.name), func(b *testing.B) {
				b.ReportAllocs()
				cpu0 := cpuTime()
				for b.Loop() {
					part.fn()
				}
				b.ReportMetric(1e6*(cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-µs/op")
			})
		}
	}
}

// BenchmarkExact measures one exact generation of the deterministic map.
func BenchmarkExact(b *testing.B) {
	for _, tc := range []struct {
		name string
		enc  *Encoding
		x    []float64
	}{
		{"binomial/P=1/n=1000", &Encoding{P: 1, N: 1000, Eps: 0.001}, nil},
		{"poisson-binomial/P=1/n=1000", &Encoding{P: 1, N: 1000, Eps: 0.001}, randomX(1000, 0.1, 0.9, 1)},
		{"enumeration/P=4/n=10", &Encoding{P: 4, N: 10, Eps: 0.1}, randomX(40, 0.1, 0.9, 1)},
		{"monte-carlo/P=4/n=100", &Encoding{P: 4, N: 100, Eps: 0.01}, randomX(400, 0.1, 0.9, 1)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			x := tc.x
			if x == nil {
				x = make([]float64, tc.enc.Loci())
				for i := range x {
					x[i] = 0.3
				}
			}
			d, err := NewDynamics(tc.enc, quadLoss(make([]float64, tc.enc.Coefficients())), Fitness{Theta: 0.1}, nil)
			if err != nil {
				b.Fatal(err)
			}
			dst := make([]float64, len(x))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.Exact(dst, x); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWrightFisherShared measures the slower path of shared loci
// (Y = c + Bg, every locus in 2 of 4 coefficients), where Y is summed over
// the set bits instead of counted by popcount.
func BenchmarkWrightFisherShared(b *testing.B) {
	const n, loci = 1000, 1000
	enc := &Encoding{Eps: 1.0 / 500, B: RandomSharedLoci(4, loci, 2, seedSource(3))}
	p := mustPop(b, &PopulationConfig{N: n, Workers: 1}, enc, quadLoss([]float64{0.5, -0.5, 0.25, 0}), Fitness{Theta: 0.05}, 1)
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Step(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(loci)*float64(b.N)/b.Elapsed().Seconds(), "locus·ind·gen/s")
}
