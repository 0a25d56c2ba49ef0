package genetics

import (
	"fmt"
	"math"
	"math/bits"
)

// Stats are statistics of one generation of a Population.
type Stats struct {
	// Generation is the generation the statistics describe.
	Generation int
	// Freq holds the frequency of allele +ε at every locus.
	Freq []float64
	// MeanY and VarY hold the population mean and variance (divisor N) of
	// every coefficient Y_p.
	MeanY, VarY []float64
	// MeanLoss and MeanFitness are the population means of L(Y) and w(Y).
	MeanLoss, MeanFitness float64
	// LD is the mean |D| over the sampled locus pairs,
	// D_ij = f(+,+) − f_i f_j (NaN without pairs).
	LD float64
}

// Stats fills dst with the statistics of the current generation, reusing
// its slices when they have the right length. It evaluates fitness if Step
// has not yet done so for this generation (and returns its error). The cost
// is O(N·loci/64·log N) word operations for the frequencies plus O(N) per
// locus pair.
func (p *Population) Stats(dst *Stats) error {
	if err := p.evaluate(); err != nil {
		return err
	}
	dst.Generation = p.gen
	dst.Freq = resize(dst.Freq, p.loci)
	dst.MeanY = resize(dst.MeanY, p.P)
	dst.VarY = resize(dst.VarY, p.P)
	p.Frequencies(dst.Freq)
	for q := range p.P {
		s := 0.0
		for j := range p.n {
			s += p.ys[j*p.P+q]
		}
		m := s / float64(p.n)
		v := 0.0
		for j := range p.n {
			d := p.ys[j*p.P+q] - m
			v += d * d
		}
		dst.MeanY[q], dst.VarY[q] = m, v/float64(p.n)
	}
	var sl, sw float64
	for j := range p.n {
		sl += p.l[j]
		sw += p.w[j]
	}
	dst.MeanLoss, dst.MeanFitness = sl/float64(p.n), sw/float64(p.n)
	dst.LD = p.LD()
	return nil
}

func resize(s []float64, n int) []float64 {
	if len(s) == n {
		return s
	}
	return make([]float64, n)
}

// Frequencies writes the frequency of allele +ε at every locus into dst
// (length Loci). It counts all loci at once with bit-sliced counters.
func (p *Population) Frequencies(dst []float64) {
	if len(dst) != p.loci {
		panic(fmt.Sprintf("genetics: %d frequencies for %d loci", len(dst), p.loci))
	}
	W := p.W
	K := bits.Len(uint(p.n))
	planes := p.planes[:K*W]
	clear(planes)
	for j := range p.n {
		for w, v := range p.cur[j*W : (j+1)*W] {
			carry := v
			for k := 0; carry != 0; k++ {
				pl := &planes[k*W+w]
				t := *pl & carry
				*pl ^= carry
				carry = t
			}
		}
	}
	for i := range dst {
		w, b := p.enc.Locus(i)
		c := 0
		for k := range K {
			c |= int(planes[k*W+w]>>b&1) << k
		}
		dst[i] = float64(c) / float64(p.n)
	}
}

// LD returns the mean |D| over the sampled locus pairs, NaN if there are
// none.
func (p *Population) LD() float64 {
	if len(p.pairs) == 0 {
		return math.NaN()
	}
	W := p.W
	s := 0.0
	for k := 0; k < len(p.pairs); k += 2 {
		wa, ba := p.enc.Locus(int(p.pairs[k]))
		wb, bb := p.enc.Locus(int(p.pairs[k+1]))
		var na, nb, nab int
		for j := range p.n {
			row := p.cur[j*W : (j+1)*W]
			a, b := int(row[wa]>>ba&1), int(row[wb]>>bb&1)
			na += a
			nb += b
			nab += a & b
		}
		n := float64(p.n)
		s += math.Abs(float64(nab)/n - float64(na)/n*float64(nb)/n)
	}
	return s / float64(len(p.pairs)/2)
}
