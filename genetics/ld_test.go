package genetics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

// TestTranspose64 compares the block-swap transpose with the definition
// bit by bit on random matrices.
func TestTranspose64(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		var a, orig [64]uint64
		for i := range a {
			a[i] = r.Uint64()
		}
		orig = a
		transpose64(&a)
		for i := range 64 {
			for j := range 64 {
				if a[i]>>j&1 != orig[j]>>i&1 {
					t.Fatalf("bit %d of row %d is %d, want bit %d of row %d (%d)", j, i, a[i]>>j&1, i, j, orig[j]>>i&1)
				}
			}
		}
	}
}

// TestLDAgainstGenomes computes D for every sampled pair directly from
// the genomes, with few and many sampled loci per genome word and
// population sizes that do and do not fill the last 16-individual group. LD must match exactly (the
// same counts and the same order of summation) and LDErr must be the
// standard error of the mean of |D_k| over the K pairs.
func TestLDAgainstGenomes(t *testing.T) {
	t.Parallel()
	encs := []struct {
		name string
		enc  *Encoding
	}{
		// 6 loci in each coefficient's word: at most 6 sampled per word.
		{"24 loci", &Encoding{P: 4, N: 6, Eps: 0.05}},
		// 210 loci in 6 words: about 13 sampled per word, transposed.
		{"210 loci", &Encoding{P: 3, N: 70, Eps: 0.01}},
		// 4000 loci in 64 words: about 3 sampled per word, bit by bit.
		{"4000 shared loci", &Encoding{Eps: 0.001, B: RandomSharedLoci(2, 4000, 1, rand.NewPCG(3, 4))}},
	}
	for _, e := range encs {
		for _, n := range []int{1, 63, 64, 77, 200} {
			t.Run(fmt.Sprintf("%s/N=%d", e.name, n), func(t *testing.T) {
				loci := e.enc.Loci()
				p := mustPop(t, &PopulationConfig{N: n, Start: randomX(loci, 0.1, 0.9, 8), LDPairs: 40, Workers: 1}, e.enc, neutral(e.enc.Coefficients()), Fitness{}, 2)
				bit := func(j, i int) int {
					w, b := e.enc.Locus(i)
					return int(p.Genome(j)[w] >> b & 1)
				}
				count := func(i int) int {
					c := 0
					for j := range n {
						c += bit(j, i)
					}
					return c
				}
				var abs []float64
				sum := 0.0
				for k := 0; k < len(p.pairs); k += 2 {
					a, b := int(p.pairs[k]), int(p.pairs[k+1])
					ab := 0
					for j := range n {
						ab += bit(j, a) & bit(j, b)
					}
					nf := float64(n)
					fa, fb := float64(count(a))/nf, float64(count(b))/nf
					d := math.Abs(float64(ab)/nf - fa*fb)
					abs = append(abs, d)
					sum += d
				}
				K := float64(len(abs))
				mean := sum / K
				ss := 0.0
				for _, d := range abs {
					ss += (d - mean) * (d - mean)
				}
				se := math.Sqrt(ss / (K - 1) / K)
				ld, gotSE := p.LDErr()
				if ld != mean {
					t.Errorf("LD = %v, want %v", ld, mean)
				}
				if !scalar.EqualWithinAbsOrRel(gotSE, se, 1e-15, 1e-12) {
					t.Errorf("LD standard error = %v, want %v", gotSE, se)
				}
				if p.LD() != ld {
					t.Errorf("LD() = %v, LDErr() = %v", p.LD(), ld)
				}
			})
		}
	}
}

// TestLDStandardErrorCoversResampling: LDErr is the standard error over
// the choice of pairs.
func TestLDStandardErrorCoversResampling(t *testing.T) {
	t.Parallel()
	// The standard error is over pairs: drawing a new set of K pairs on the
	// same population should move the mean |D| by about one standard
	// error. With 200 sets of 30 pairs on one population, the standard
	// deviation of their means must match the average reported standard
	// error within the Monte Carlo error of 200 draws (about 10 %; 25 %
	// allowed).
	enc := &Encoding{P: 2, N: 100, Eps: 0.01}
	base := mustPop(t, &PopulationConfig{N: 150, LDPairs: 30, Workers: 1}, enc, neutral(2), Fitness{}, 7)
	r := rand.New(rand.NewPCG(9, 9))
	var means []float64
	seSum := 0.0
	for range 200 {
		for k := range base.pairs {
			base.pairs[k] = int32(r.IntN(enc.Loci()))
			if k%2 == 1 && base.pairs[k] == base.pairs[k-1] {
				base.pairs[k] = (base.pairs[k] + 1) % int32(enc.Loci())
			}
		}
		ld, se := base.LDErr()
		means = append(means, ld)
		seSum += se
	}
	m := 0.0
	for _, v := range means {
		m += v / float64(len(means))
	}
	sd := 0.0
	for _, v := range means {
		sd += (v - m) * (v - m)
	}
	sd = math.Sqrt(sd / float64(len(means)-1))
	if se := seSum / float64(len(means)); math.Abs(sd/se-1) > 0.25 {
		t.Errorf("spread of the mean |D| over new pair sets %v, reported standard error %v", sd, se)
	}
}

// TestFrequenciesCountExactly compares Frequencies with counts bit by bit
// over the genomes, for population sizes around the 16-individual adder
// tree and the 240-individual block, with every allele present (start 1:
// the largest counts) and at random.
func TestFrequenciesCountExactly(t *testing.T) {
	t.Parallel()
	enc := &Encoding{P: 3, N: 70, Eps: 0.01} // 3 × 2 words, partly filled
	for _, start := range []float64{1, -1} {
		for _, n := range []int{1, 15, 16, 17, 239, 240, 241, 1000} {
			x := make([]float64, enc.Loci())
			for i := range x {
				x[i] = start
			}
			if start < 0 {
				x = randomX(enc.Loci(), 0, 1, uint64(n))
			}
			p := mustPop(t, &PopulationConfig{N: n, Start: x, LDPairs: -1, Workers: 1}, enc, neutral(3), Fitness{}, 3)
			got := make([]float64, enc.Loci())
			p.Frequencies(got)
			for i := range got {
				w, b := enc.Locus(i)
				c := 0
				for j := range n {
					c += int(p.Genome(j)[w] >> b & 1)
				}
				if got[i] != float64(c)/float64(n) {
					t.Fatalf("start %v, N = %d: frequency of locus %d is %v, count %d/%d", start, n, i, got[i], c, n)
				}
			}
		}
	}
}

// TestCountsAgainstGenomes compares Frequencies and the pair counts behind
// LD with counts bit by bit over the genomes, on both the AVX2 and the
// plain Go adder tree (where the processor has AVX2) and with the pairs
// counted both by columns and pair by pair: 10,000 loci (160 genome
// words, four at a time with AVX2) and 210 loci (6 words: one block of
// four and two left over), N not a multiple of 16 or 64 (1001) and beyond
// the 3840 genomes after which the running counts are flushed (4100, all
// alleles +ε: every lane at its largest). Not parallel: it switches the
// package's paths.
func TestCountsAgainstGenomes(t *testing.T) {
	paths := []bool{false}
	if useAVX2 {
		paths = append(paths, true)
	}
	for _, tc := range []struct {
		name  string
		enc   *Encoding
		n     int
		start float64 // −1: random start frequencies
	}{
		{"10000 loci/N=1001", &Encoding{P: 4, N: 2500, Eps: 0.0004}, 1001, -1},
		{"210 loci/N=4100/all +", &Encoding{P: 3, N: 70, Eps: 0.01}, 4100, 1},
		{"210 loci/N=4100", &Encoding{P: 3, N: 70, Eps: 0.01}, 4100, -1},
		{"4000 shared loci/N=333", &Encoding{Eps: 0.001, B: RandomSharedLoci(2, 4000, 1, rand.NewPCG(3, 4))}, 333, -1},
	} {
		loci := tc.enc.Loci()
		x := randomX(loci, 0, 1, 5)
		if tc.start >= 0 {
			for i := range x {
				x[i] = tc.start
			}
		}
		p := mustPop(t, &PopulationConfig{N: tc.n, Start: x, LDPairs: 100, Workers: 1}, tc.enc, neutral(tc.enc.Coefficients()), Fitness{}, 6)
		// The brute-force counts.
		count := make([]int, loci)
		set := func(j, i int) bool {
			w, b := tc.enc.Locus(i)
			return p.Genome(j)[w]>>b&1 == 1
		}
		for j := range tc.n {
			for i := range loci {
				if set(j, i) {
					count[i]++
				}
			}
		}
		nf := float64(tc.n)
		var abs []float64
		for k := 0; k < len(p.pairs); k += 2 {
			a, b := int(p.pairs[k]), int(p.pairs[k+1])
			ab := 0
			for j := range tc.n {
				if set(j, a) && set(j, b) {
					ab++
				}
			}
			fa, fb := float64(count[a])/nf, float64(count[b])/nf
			abs = append(abs, math.Abs(float64(ab)/nf-fa*fb))
		}
		want := 0.0
		for _, d := range abs {
			want += d
		}
		want /= float64(len(abs))
		for _, avx := range paths {
			for _, method := range []int{1, 2} {
				t.Run(fmt.Sprintf("%s/avx2=%v/ld=%d", tc.name, avx, method), func(t *testing.T) {
					defer func(v bool, m int) { useAVX2, ldMethod = v, m }(useAVX2, ldMethod)
					useAVX2, ldMethod = avx, method
					got := make([]float64, loci)
					p.Frequencies(got)
					for i, c := range count {
						if got[i] != float64(c)/nf {
							t.Fatalf("frequency of locus %d is %v, count %d/%d", i, got[i], c, tc.n)
						}
					}
					if ld := p.LD(); ld != want {
						t.Errorf("LD = %v, want %v", ld, want)
					}
				})
			}
		}
	}
}
