package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/evolve-toolkit/evolve/fitness"
	"github.com/evolve-toolkit/evolve/genetics"
	"github.com/evolve-toolkit/evolve/internal/cputime"
	"github.com/evolve-toolkit/evolve/internal/seed"
)

// benchWF is the Wright–Fisher workload of the benchmark pair: the quadratic
// landscape (P = 4, the default curvature 1…4 and optimum ±0.1), linear
// fitness with the default θ = 0.02, N = 1000, free recombination, start ½.
type benchWF struct {
	loci int     // per coefficient
	eps  float64 // allele effect: Y_p ∈ ±loci·eps
	gens int
}

var benchWFs = []benchWF{
	{loci: 6, eps: 0.05, gens: 5000},      // the default encoding: 24 loci, one word per coefficient
	{loci: 250, eps: 0.004, gens: 5000},   // 1000 loci, as BenchmarkWrightFisher
	{loci: 2500, eps: 0.0004, gens: 1000}, // 10,000 loci
	{loci: 250, eps: 0.004, gens: 20000},  // a longer run: the fixed cost of the figures (about 0.1 CPU-s) amortised
}

func (w benchWF) String() string { return fmt.Sprintf("loci=%d/gens=%d", 4*w.loci, w.gens) }

// BenchmarkRunCLI is `evolve run` on the workload, in process, writing its
// whole output (config.toml, checkpoints, trajectory.csv, figures,
// meta.json) to a temporary folder: the path a user takes: with the
// defaults (record_every ⌈generations/500⌉, a checkpoint every 30 s of
// wall time and after the last generation), with every generation
// recorded (record_every = 1, the default up to f011ad1, which also
// checkpointed every 50 generations), and with record_every = 10 and a
// checkpoint every 1000 generations. Compare with BenchmarkRunBare (run
// both with -cpu 1): the ratio of their CPU-ms per generation is the
// CLI's overhead, including the fixed cost of the figures. On a machine
// whose fsync is slow, wall time adds about one fsync per checkpoint.
func BenchmarkRunCLI(b *testing.B) {
	for _, w := range benchWFs {
		for _, set := range []struct{ record, checkpoint int }{{0, 0}, {1, 0}, {10, 1000}} {
			name := w.String() + "/defaults"
			if set.record > 0 {
				name = w.String() + fmt.Sprintf("/record_every=%d", set.record)
			}
			if set.checkpoint > 0 {
				name += fmt.Sprintf("/checkpoint_every=%d", set.checkpoint)
			}
			b.Run(name, func(b *testing.B) {
				args := []string{"evolve", "run", "--landscape", "quadratic", "--evolution", "wright-fisher", "--gradient", "none",
					"--loci", strconv.Itoa(w.loci), "--eps", strconv.FormatFloat(w.eps, 'g', -1, 64), "-g", strconv.Itoa(w.gens), "--quiet", "--force"}
				if set.record > 0 {
					args = append(args, "--record-every", strconv.Itoa(set.record))
				}
				if set.checkpoint > 0 {
					args = append(args, "--checkpoint-every", strconv.Itoa(set.checkpoint))
				}
				out := filepath.Join(b.TempDir(), "out")
				var stdout, stderr bytes.Buffer
				b.ReportAllocs()
				cpu0 := cputime.Process()
				for b.Loop() {
					stdout.Reset()
					if err := newApp(&stdout, &stderr).Run(append(args, "--out", out)); err != nil {
						b.Fatalf("%v\n%s", err, stderr.String())
					}
				}
				reportPerGen(b, w.gens, cpu0)
			})
		}
	}
}

// BenchmarkRunBare is the genetics Wright–Fisher loop alone on the
// workload of BenchmarkRunCLI: the same landscape, encoding, fitness and
// population, stepped for the same number of generations, no statistics
// and no output.
func BenchmarkRunBare(b *testing.B) {
	for _, w := range benchWFs {
		b.Run(w.String(), func(b *testing.B) {
			land, err := fitness.Spec{Kind: "quadratic"}.Defaults().Build()
			if err != nil {
				b.Fatal(err)
			}
			enc := &genetics.Encoding{P: land.Dim(), N: w.loci, Eps: w.eps}
			loss := genetics.LossFunc{N: land.Dim(), Func: land.Loss}
			fit := genetics.Fitness{Kind: genetics.Linear, Theta: 0.02}
			b.ReportAllocs()
			cpu0 := cputime.Process()
			for b.Loop() {
				pop, err := genetics.NewPopulation(&genetics.PopulationConfig{N: 1000}, enc, loss, fit, seed.PCG(0, seed.Genetics, 100))
				if err != nil {
					b.Fatal(err)
				}
				for range w.gens {
					if err := pop.Step(); err != nil {
						b.Fatal(err)
					}
				}
			}
			reportPerGen(b, w.gens, cpu0)
		})
	}
}

// reportPerGen reports CPU-ms per generation: on a shared machine CPU time
// of the process is steadier than wall time.
func reportPerGen(b *testing.B, gens int, cpu0 time.Duration) {
	b.Helper()
	if cpu := (cputime.Process() - cpu0).Seconds(); cpu > 0 {
		b.ReportMetric(1e3*cpu/float64(b.N*gens), "cpu-ms/gen")
	}
}
