package genetics

import (
	"fmt"
	"math"
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
// (length Loci). It counts 64 loci per word operation: byte-wide counters
// for every bit lane, flushed every 255 individuals.
func (p *Population) Frequencies(dst []float64) {
	if len(dst) != p.loci {
		panic(fmt.Sprintf("genetics: %d frequencies for %d loci", len(dst), p.loci))
	}
	const lanes = 0x0101010101010101
	W := p.W
	acc := p.acc[:8*W]
	cnt := p.bitCount[:64*W]
	clear(acc)
	clear(cnt)
	flush := func() {
		for w := range W {
			for b := range 8 {
				a := acc[8*w+b]
				for k := range 8 {
					cnt[64*w+8*k+b] += int32(a >> (8 * k) & 0xff)
				}
			}
		}
		clear(acc)
	}
	rows := 0
	for j := range p.n {
		for w, v := range p.cur[j*W : (j+1)*W] {
			a := acc[8*w : 8*w+8 : 8*w+8]
			a[0] += v & lanes
			a[1] += v >> 1 & lanes
			a[2] += v >> 2 & lanes
			a[3] += v >> 3 & lanes
			a[4] += v >> 4 & lanes
			a[5] += v >> 5 & lanes
			a[6] += v >> 6 & lanes
			a[7] += v >> 7 & lanes
		}
		if rows++; rows == 255 {
			flush()
			rows = 0
		}
	}
	flush()
	for i := range dst {
		w, b := p.enc.Locus(i)
		dst[i] = float64(cnt[64*w+int(b)]) / float64(p.n)
	}
}

// LD returns the mean |D| over the sampled locus pairs, NaN if there are
// none.
func (p *Population) LD() float64 {
	if len(p.pairs) == 0 {
		return math.NaN()
	}
	W := p.W
	np := len(p.pairs) / 2
	loc, c := p.ldLoc[:2*np], p.ldCount[:3*np]
	for k := range 2 * np {
		w, b := p.enc.Locus(int(p.pairs[k]))
		loc[k] = int32(w)<<6 | int32(b)
	}
	clear(c)
	for j := range p.n {
		row := p.cur[j*W : (j+1)*W]
		for k := range np {
			la, lb := loc[2*k], loc[2*k+1]
			a := int32(row[la>>6] >> (la & 63) & 1)
			b := int32(row[lb>>6] >> (lb & 63) & 1)
			c[3*k] += a
			c[3*k+1] += b
			c[3*k+2] += a & b
		}
	}
	n := float64(p.n)
	s := 0.0
	for k := range np {
		fa, fb, fab := float64(c[3*k])/n, float64(c[3*k+1])/n, float64(c[3*k+2])/n
		s += math.Abs(fab - fa*fb)
	}
	return s / float64(np)
}
