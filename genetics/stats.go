package genetics

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
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
	// D_ij = f(+,+) − f_i f_j (NaN without pairs), and LDErr its standard
	// error over the pairs (see Population.LDErr).
	LD, LDErr float64
}

// Stats fills dst with the statistics of the current generation, reusing
// its slices when they have the right length. It evaluates fitness if Step
// has not yet done so for this generation (and returns its error). The cost
// is O(N·loci/64) word operations for the frequencies plus, for linkage
// disequilibrium, O(N) bit operations per distinct paired locus (at most
// 2·LDPairs, whatever the number of loci) and O(N/64) popcounts per pair.
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
	dst.LD, dst.LDErr = p.ldStats()
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
// none. See LDErr for its standard error.
func (p *Population) LD() float64 {
	ld, _ := p.ldStats()
	return ld
}

// LDErr returns the mean |D| over the sampled locus pairs and its
// standard error s/√K over the K pairs (s the sample standard deviation
// of |D_k|; NaN for fewer than two pairs, both NaN without pairs).
func (p *Population) LDErr() (ld, se float64) { return p.ldStats() }

// ldStats computes LD by columns: the distinct loci of the pairs (at most
// 2K, however many loci there are) are gathered into bit columns over the
// individuals, 64 individuals to a word, then D_k is three popcounts per
// column word. A genome word that holds at least ldTransposeMin sampled
// loci is gathered by transposing 64×64 bit blocks, the others bit by
// bit. The cost is O(N·min(2K, loci)) bit operations, independent of the
// number of loci beyond that, and O(K·N/64) popcounts.
func (p *Population) ldStats() (ld, se float64) {
	if len(p.pairs) == 0 {
		return math.NaN(), math.NaN()
	}
	np := len(p.pairs) / 2
	nw := (p.n + 63) / 64
	// The distinct loci as word<<6 | bit, sorted, and each endpoint's column.
	keys := grow32(&p.ldKeys, 2*np)
	for k, l := range p.pairs {
		w, b := p.enc.Locus(int(l))
		keys[k] = int32(w)<<6 | int32(b)
	}
	cols := grow32(&p.ldLoc, 2*np)
	copy(cols, keys)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	M := len(keys)
	for k, key := range cols {
		m, _ := slices.BinarySearch(keys, key)
		cols[k] = int32(m)
	}
	col := p.ldCols
	if len(col) < M*nw {
		col = make([]uint64, M*nw)
		p.ldCols = col
	}
	col = col[:M*nw]
	clear(col)
	W := p.W
	for a := 0; a < M; {
		w := keys[a] >> 6
		b := a
		for b < M && keys[b]>>6 == w {
			b++
		}
		if b-a >= ldTransposeMin {
			var blk [64]uint64
			for jb := range nw {
				j0 := jb * 64
				clear(blk[:])
				for j := j0; j < min(j0+64, p.n); j++ {
					blk[j-j0] = p.cur[j*W+int(w)]
				}
				transpose64(&blk)
				for m := a; m < b; m++ {
					col[m*nw+jb] = blk[keys[m]&63]
				}
			}
		} else {
			for j := range p.n {
				v := p.cur[j*W+int(w)]
				for m := a; m < b; m++ {
					col[m*nw+j>>6] |= (v >> (keys[m] & 63) & 1) << (j & 63)
				}
			}
		}
		a = b
	}
	cnt := grow32(&p.ldCount, M)
	for m := range M {
		c := 0
		for _, v := range col[m*nw : (m+1)*nw] {
			c += bits.OnesCount64(v)
		}
		cnt[m] = int32(c)
	}
	abs := p.ldAbs
	if len(abs) < np {
		abs = make([]float64, np)
		p.ldAbs = abs
	}
	n := float64(p.n)
	s := 0.0
	for k := range np {
		ca, cb := int(cols[2*k]), int(cols[2*k+1])
		x, y := col[ca*nw:(ca+1)*nw], col[cb*nw:(cb+1)*nw]
		ab := 0
		for i := range x {
			ab += bits.OnesCount64(x[i] & y[i])
		}
		fa, fb, fab := float64(cnt[ca])/n, float64(cnt[cb])/n, float64(ab)/n
		abs[k] = math.Abs(fab - fa*fb)
		s += abs[k]
	}
	ld = s / float64(np)
	if np < 2 {
		return ld, math.NaN()
	}
	v := 0.0
	for _, d := range abs[:np] {
		v += (d - ld) * (d - ld)
	}
	return ld, math.Sqrt(v / float64(np-1) / float64(np))
}

// ldTransposeMin is the number of sampled loci in one genome word from
// which transposing 64×64 blocks (about 24 operations per individual)
// beats gathering bit by bit (about 4 per locus and individual).
const ldTransposeMin = 6

func grow32(s *[]int32, n int) []int32 {
	if cap(*s) < n {
		*s = make([]int32, n)
	}
	return (*s)[:n]
}

// transpose64 transposes the 64×64 bit matrix a in place: afterwards bit
// j of a[i] is what bit i of a[j] was (bits numbered from the least
// significant). It swaps ever smaller off-diagonal blocks (Warren, Hacker's
// Delight, §7-3).
func transpose64(a *[64]uint64) {
	m := uint64(0x00000000ffffffff)
	for j := 32; j != 0; j >>= 1 {
		for k := 0; k < 64; k = (k + j + 1) &^ j {
			t := (a[k]>>j ^ a[k+j]) & m
			a[k] ^= t << j
			a[k+j] ^= t
		}
		m ^= m << (j >> 1)
	}
}
