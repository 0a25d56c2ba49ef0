package genetics

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/stat"
)

// TestNeutralDriftVariance: in a neutral haploid Wright–Fisher population
// started by drawing every allele with its frequency x₀ (one binomial draw
// of N genomes), Var(x_t − x₀) = x₀(1−x₀)(1 − (1 − 1/N)^(t+1)) at every
// locus (Ewens 2004, §3.2, with the start as generation −1), from
// unequal start frequencies, with free recombination and clonal. This is
// the law "evolve check --finite-n" judges; 20,000 populations of the
// check's own setting gave 0.080715 ± 0.0002 against 0.080724 at N = 250,
// t = 20. Tolerance: 4 standard errors of the mean over populations and
// loci.
func TestNeutralDriftVariance(t *testing.T) {
	t.Parallel()
	reps := 600
	if testing.Short() {
		reps = 150
	}
	const n, loci = 100, 16
	checks := []int{0, 5, 20}
	x0 := make([]float64, loci)
	for i := range x0 {
		x0[i] = 0.1 + 0.8*float64(i)/float64(loci-1)
	}
	enc := &Encoding{P: 2, N: loci / 2}
	for _, clonal := range []bool{false, true} {
		ratios := make([][]float64, len(checks))
		freq := make([]float64, loci)
		for r := range reps {
			p := mustPop(t, &PopulationConfig{N: n, Start: x0, Clonal: clonal, LDPairs: -1, Workers: 1}, enc, neutral(2), Fitness{}, uint64(5000+r))
			c := 0
			for gen := 0; gen <= checks[len(checks)-1]; gen++ {
				if gen > 0 {
					if err := p.Step(); err != nil {
						t.Fatal(err)
					}
				}
				if gen == checks[c] {
					p.Frequencies(freq)
					for i, x := range x0 {
						d := freq[i] - x
						ratios[c] = append(ratios[c], d*d/(x*(1-x)))
					}
					c++
				}
			}
		}
		for c, gen := range checks {
			m, sd := stat.MeanStdDev(ratios[c], nil)
			se := sd / math.Sqrt(float64(len(ratios[c])))
			want := 1 - math.Pow(1-1.0/n, float64(gen+1))
			if math.Abs(m-want) > 4*se {
				t.Errorf("clonal=%v t=%d: Var/(x₀(1−x₀)) = %v ± %v, want %v", clonal, gen, m, se, want)
			}
		}
	}
}
