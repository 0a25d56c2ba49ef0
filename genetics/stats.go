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
// (length Loci). It counts 64 loci per word operation: for each genome word
// and block of 240 individuals, a carry-save adder tree (Harley and Seal)
// reduces every 16 individuals to one word of sixteens, whose bits are
// added into byte-wide lane counters; the block's lanes and its carry words
// (eights, fours, twos, ones) are then added to the count of every bit.
func (p *Population) Frequencies(dst []float64) {
	if len(dst) != p.loci {
		panic(fmt.Sprintf("genetics: %d frequencies for %d loci", len(dst), p.loci))
	}
	W := p.W
	cnt := p.bitCount[:64*W]
	clear(cnt)
	for j0 := 0; j0 < p.n; j0 += freqBlock {
		j1 := min(j0+freqBlock, p.n)
		for w := range W {
			countColumn(cnt[64*w:64*w+64:64*w+64], p.cur[j0*W+w:], W, j1-j0)
		}
	}
	for i := range dst {
		w, b := p.enc.Locus(i)
		dst[i] = float64(cnt[64*w+int(b)]) / float64(p.n)
	}
}

// freqBlock is the number of individuals per block of Frequencies: the
// lane counters hold 8 bits, and a block adds at most freqBlock/16 ≤ 255
// sixteens and freqBlock%16 ones into each.
const freqBlock = 240

// countColumn adds to cnt[b] the number of the n words rows[0],
// rows[stride], …, rows[(n−1)·stride] whose bit b is set (n ≤ freqBlock).
func countColumn(cnt []int32, rows []uint64, stride, n int) {
	const lane = 0x0101010101010101
	var ones, twos, fours, eights uint64
	var sixteens, single [8]uint64 // byte-lane counts of the sixteens and of the leftover rows
	csa := func(a, b, c uint64) (h, l uint64) {
		u := a ^ b
		return a&b | u&c, u ^ c
	}
	j := 0
	for ; j+16 <= n; j += 16 {
		d := rows[j*stride:]
		var twosA, twosB, foursA, foursB, eightsA, eightsB, s uint64
		twosA, ones = csa(ones, d[0], d[stride])
		twosB, ones = csa(ones, d[2*stride], d[3*stride])
		foursA, twos = csa(twos, twosA, twosB)
		twosA, ones = csa(ones, d[4*stride], d[5*stride])
		twosB, ones = csa(ones, d[6*stride], d[7*stride])
		foursB, twos = csa(twos, twosA, twosB)
		eightsA, fours = csa(fours, foursA, foursB)
		twosA, ones = csa(ones, d[8*stride], d[9*stride])
		twosB, ones = csa(ones, d[10*stride], d[11*stride])
		foursA, twos = csa(twos, twosA, twosB)
		twosA, ones = csa(ones, d[12*stride], d[13*stride])
		twosB, ones = csa(ones, d[14*stride], d[15*stride])
		foursB, twos = csa(twos, twosA, twosB)
		eightsB, fours = csa(fours, foursA, foursB)
		s, eights = csa(eights, eightsA, eightsB)
		for k := range 8 {
			sixteens[k] += s >> k & lane
		}
	}
	for ; j < n; j++ {
		v := rows[j*stride]
		for k := range 8 {
			single[k] += v >> k & lane
		}
	}
	for k := range 8 {
		for i := range 8 {
			b := 8*i + k
			c := 16*(sixteens[k]>>(8*i)&0xff) + single[k]>>(8*i)&0xff +
				8*(eights>>b&1) + 4*(fours>>b&1) + 2*(twos>>b&1) + ones>>b&1
			cnt[b] += int32(c)
		}
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
			for jb := range nw {
				rows := p.cur[jb*64*W+int(w):]
				n := min(64, p.n-jb*64)
				for m := a; m < b; m++ {
					sh := uint(keys[m] & 63)
					var c uint64
					for j := range n {
						c |= (rows[j*W] >> sh & 1) << j
					}
					col[m*nw+jb] = c
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
// which transposing 64×64 blocks beats gathering bit by bit: a transpose
// costs about as much as gathering 4–5 loci (BenchmarkStatsParts/ld).
const ldTransposeMin = 5

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
	swap := func(j int, m uint64) {
		for base := 0; base < 64; base += 2 * j {
			lo, hi := a[base:base+j], a[base+j:base+2*j]
			for k := range lo {
				t := (lo[k]>>j ^ hi[k]) & m
				lo[k] ^= t << j
				hi[k] ^= t
			}
		}
	}
	swap(32, 0x00000000ffffffff)
	swap(16, 0x0000ffff0000ffff)
	swap(8, 0x00ff00ff00ff00ff)
	swap(4, 0x0f0f0f0f0f0f0f0f)
	swap(2, 0x3333333333333333)
	swap(1, 0x5555555555555555)
}
