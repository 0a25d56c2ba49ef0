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
	// Freq holds the frequency of allele +ε at every locus, and Count
	// the number of individuals carrying it (Freq[i] = Count[i]/N).
	Freq  []float64
	Count []int32
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
// is O(N·loci/64) word operations for the frequencies (a quarter of that
// with AVX2) plus, for linkage disequilibrium, O(N) operations per pair
// (LDPairs of them, whatever the number of loci); see countBits.
func (p *Population) Stats(dst *Stats) error {
	if err := p.evaluate(); err != nil {
		return err
	}
	dst.Generation = p.gen
	dst.Freq = resize(dst.Freq, p.loci)
	if len(dst.Count) != p.loci {
		dst.Count = make([]int32, p.loci)
	}
	dst.MeanY = resize(dst.MeanY, p.P)
	dst.VarY = resize(dst.VarY, p.P)
	p.countBits(len(p.pairs) > 0)
	p.freqFromCounts(dst.Freq, dst.Count)
	// Every coefficient's sums in individual order as one would for each
	// coefficient alone, the P sums side by side (independent additions
	// in flight, and the rows of ys read in memory order).
	mean, vr := dst.MeanY, dst.VarY
	clear(mean)
	clear(vr)
	for j := range p.n {
		for q, y := range p.ys[j*p.P : (j+1)*p.P] {
			mean[q] += y
		}
	}
	for q := range mean {
		mean[q] /= float64(p.n)
	}
	for j := range p.n {
		for q, y := range p.ys[j*p.P : (j+1)*p.P] {
			d := y - mean[q]
			vr[q] += d * d
		}
	}
	for q := range vr {
		vr[q] /= float64(p.n)
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
// (length Loci). See countBits for the method.
func (p *Population) Frequencies(dst []float64) {
	if len(dst) != p.loci {
		panic(fmt.Sprintf("genetics: %d frequencies for %d loci", len(dst), p.loci))
	}
	p.countBits(false)
	p.freqFromCounts(dst, nil)
}

// freqFromCounts writes the counts p.bitCount into count (if not nil) and
// their frequencies into dst, both by locus:
// locus i is bit 64w+b of the counts at its word w and bit b, which is i
// for shared loci and q·64·wpc + l for locus l of coefficient q. The
// quotients c/N are looked up in a table made once (one division per
// count instead of per locus; the same quotients).
func (p *Population) freqFromCounts(dst []float64, count []int32) {
	if len(p.freqTable) != p.n+1 {
		p.freqTable = make([]float64, p.n+1)
		for c := range p.freqTable {
			p.freqTable[c] = float64(c) / float64(p.n)
		}
	}
	tab := p.freqTable
	if p.enc.B != nil {
		src := p.bitCount[:len(dst)]
		if count != nil {
			copy(count, src)
		}
		for i, c := range src {
			dst[i] = tab[c]
		}
		return
	}
	for q := range p.P {
		src := p.bitCount[64*q*p.wpc : 64*q*p.wpc+p.nper]
		if count != nil {
			copy(count[q*p.nper:(q+1)*p.nper], src)
		}
		out := dst[q*p.nper : (q+1)*p.nper]
		for l, c := range src {
			out[l] = tab[c]
		}
	}
}

// csaAcc is the running count of the 256 bits of four consecutive genome
// words over the individuals seen so far: for word l of the four, bit b
// counts ones[l] + 2·twos[l] + 4·fours[l] + 8·eights[l] (bit b of each)
// plus 16 times byte i of sixteens[k][l], b = 8i+k. Four words side by
// side are what one AVX2 instruction handles.
type csaAcc struct {
	ones, twos, fours, eights [4]uint64
	sixteens                  [8][4]uint64
}

// csaFlush is the number of 16-individual groups after which the running
// counts are added into the counts: a group adds at most 1 to a byte lane
// of sixteens, which must stay within 255.
const csaFlush = 240

// countBits fills p.bitCount[64w+b] with the number of individuals whose
// bit b of genome word w is set and, if pairs, p.ldCount[k] with the
// number whose loci p.pairs[2k] and p.pairs[2k+1] are both set. It reads
// the genomes in memory order, 16 individuals at a time: for each genome
// word, a carry-save adder tree (Harley and Seal) adds the 16 words into
// the word's running count (csaAcc), 64 bits per word operation (256 with
// AVX2); then, while a block of 16–64 genomes is in the cache, each
// pair's two bits are tested in each of them (countPairs). The genomes
// are read once from memory, and the results are exact counts.
func (p *Population) countBits(pairs bool) {
	W := p.W
	cnt := p.bitCount[:64*W]
	clear(cnt)
	if nb := (W + 3) / 4; len(p.freqAcc) != nb {
		p.freqAcc = make([]csaAcc, nb)
	}
	acc := p.freqAcc
	clear(acc)
	np := 0
	var loc, ab []int32
	if pairs {
		np = len(p.pairs) / 2
		loc = grow32(&p.ldLoc, 2*np)
		for k, l := range p.pairs {
			w, b := p.enc.Locus(int(l))
			loc[k] = int32(w)<<6 | int32(b)
		}
		for k := 0; k < len(loc); k += 2 {
			// The lower bit first, for countPairs (D_k is symmetric).
			if loc[k]&63 > loc[k+1]&63 {
				loc[k], loc[k+1] = loc[k+1], loc[k]
			}
		}
		ab = grow32(&p.ldCount, np)
		clear(ab)
		if ldByColumns(loc) {
			p.pairsByColumns(ab, loc)
			np = 0
		}
	}
	// Pairs are counted over blocks of about 40 kB of genomes (16 to 64
	// genomes), still in the caches from the adder tree's pass: at 10,000
	// loci blocks of 32 genomes beat 16 (call overhead) and 64 (misses).
	pairRows := min(max(16, 5120/W&^15), 64)
	groups, j0 := 0, 0 // j0: the first genome whose pairs are not counted
	for j := 0; j < p.n; j += 16 {
		g := min(16, p.n-j)
		rows := p.cur[j*W : (j+g)*W]
		if g == 16 {
			csa16(acc, rows, W)
		} else {
			// The last, partial group: padded with empty genomes.
			pad := p.freqPad
			if len(pad) != 16*W {
				pad = make([]uint64, 16*W)
				p.freqPad = pad
			}
			copy(pad, rows)
			clear(pad[len(rows):])
			csa16(acc, pad, W)
		}
		if np > 0 && (j+g-j0 >= pairRows || j+g == p.n) {
			countPairs(ab, loc, p.cur[j0*W:(j+g)*W], W)
			j0 = j + g
		}
		if groups++; groups == csaFlush {
			addCounts(cnt, acc)
			groups = 0
		}
	}
	addCounts(cnt, acc)
}

// ldMethod chooses how countBits counts the pairs: 0 by the cost
// estimate of ldByColumns, 1 by columns, 2 pair by pair (for tests).
var ldMethod = 0

// ldByColumns reports whether the pairs are counted faster by columns
// (pairsByColumns) than pair by pair (countPairs): a 64×64 transpose per
// genome word that holds a paired locus and per 64 individuals costs
// about as much as testing 10 pairs in 64 individuals (BenchmarkStatsParts
// at 24 and 1000 loci), so columns win when the K paired loci lie in
// fewer than K/10 words (at most 16 are counted).
func ldByColumns(loc []int32) bool {
	switch ldMethod {
	case 1:
		return true
	case 2:
		return false
	}
	var words [16]int32
	n, limit := 0, min(len(loc)/20, len(words))
next:
	for _, l := range loc {
		for _, w := range words[:n] {
			if w == l>>6 {
				continue next
			}
		}
		if n == limit {
			return false
		}
		words[n] = l >> 6
		n++
	}
	return true
}

// pairsByColumns sets ab[k] to the number of individuals whose loci
// loc[2k] and loc[2k+1] (word<<6 | bit) are both set: the distinct loci
// (sorted in p.ldKeys) are gathered into bit columns over
// the individuals, 64 to a word, by transposing 64×64 bit blocks of each
// genome word that holds one, and ab[k] is N/64 popcounts.
func (p *Population) pairsByColumns(ab, loc []int32) {
	keys := grow32(&p.ldKeys, len(loc))
	copy(keys, loc)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	M, nw, W := len(keys), (p.n+63)/64, p.W
	col := p.ldCols
	if len(col) < M*nw {
		col = make([]uint64, M*nw)
		p.ldCols = col
	}
	col = col[:M*nw]
	var blk [64]uint64
	for a := 0; a < M; {
		w := int(keys[a] >> 6)
		b := a
		for b < M && int(keys[b]>>6) == w {
			b++
		}
		for jb := range nw {
			j0 := jb * 64
			clear(blk[:])
			for j := j0; j < min(j0+64, p.n); j++ {
				blk[j-j0] = p.cur[j*W+w]
			}
			transpose64(&blk)
			for m := a; m < b; m++ {
				col[m*nw+jb] = blk[keys[m]&63]
			}
		}
		a = b
	}
	for k := range ab {
		ma, _ := slices.BinarySearch(keys, loc[2*k])
		mb, _ := slices.BinarySearch(keys, loc[2*k+1])
		x, y := col[ma*nw:(ma+1)*nw], col[mb*nw:(mb+1)*nw]
		c := 0
		for i := range x {
			c += bits.OnesCount64(x[i] & y[i])
		}
		ab[k] = int32(c)
	}
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

// countPairs adds to ab[k] the number of the genomes rows (W words each,
// at most 64 genomes) whose bits loc[2k] and loc[2k+1] (word<<6 | bit,
// the first with the lower bit) are both set.
func countPairs(ab, loc []int32, rows []uint64, W int) {
	n := len(rows) / W
	loc = loc[:2*len(ab)]
	// Bit sb of b's word rotated onto bit sa of a's: their AND masked to
	// bit sa is 2^sa for a genome with both alleles, else 0, and 64
	// genomes add up to at most 2^(sa+6) < 2^64 for sa < 58.
	countPairsLow(ab, loc, rows, W, n)
	for k := range ab {
		a, b := loc[2*k], loc[2*k+1]
		if sa, sb := int(a&63), int(b&63); sa >= 58 {
			// Both bits high (sa ≤ sb): both rotated onto bit 0.
			ab[k] += int32(sumAndRot(rows, W, n, int(a>>6), int(b>>6), -sa, -sb))
		}
	}
}

// sumAndRot returns the sum over genomes i < n of rows of
// rot(rows[i·W+wa], rx) & rot(rows[i·W+wb], ry) & 1.
func sumAndRot(rows []uint64, W, n, wa, wb, rx, ry int) uint64 {
	x, y := rows[wa:(n-1)*W+wa+1], rows[wb:(n-1)*W+wb+1]
	y = y[:len(x)]
	var c uint64
	for off := 0; off < len(x); off += W {
		c += bits.RotateLeft64(x[off], rx) & bits.RotateLeft64(y[off], ry) & 1
	}
	return c
}

// addCounts adds the counts held in acc into cnt (64 counts per genome
// word, len(cnt)/64 words) and clears acc.
func addCounts(cnt []int32, acc []csaAcc) {
	const (
		lane  = 0x0101010101010101
		even  = 0x00ff00ff00ff00ff
		short = 0xffff
	)
	for w := range len(cnt) / 64 {
		a := &acc[w/4]
		l := w & 3
		ones, twos, fours, eights := a.ones[l], a.twos[l], a.fours[l], a.eights[l]
		c := cnt[64*w : 64*w+64 : 64*w+64]
		for k := range a.sixteens {
			// Byte i of s: the sixteens of bit 8i+k (≤ 255); byte i of r:
			// its ones + 2·twos + 4·fours + 8·eights (≤ 15). In 16-bit
			// lanes, 16·s + r ≤ 4095: lane i of e holds bit 16i+k's count,
			// lane i of o bit 16i+8+k's.
			s := a.sixteens[k][l]
			r := ones>>k&lane + (twos>>k&lane)<<1 + (fours>>k&lane)<<2 + (eights>>k&lane)<<3
			e := (s&even)<<4 + r&even
			o := (s>>8&even)<<4 + r>>8&even
			c[k] += int32(e & short)
			c[8+k] += int32(o & short)
			c[16+k] += int32(e >> 16 & short)
			c[24+k] += int32(o >> 16 & short)
			c[32+k] += int32(e >> 32 & short)
			c[40+k] += int32(o >> 32 & short)
			c[48+k] += int32(e >> 48)
			c[56+k] += int32(o >> 48)
		}
	}
	clear(acc)
}

func csa(a, b, c uint64) (h, l uint64) {
	u := a ^ b
	return a&b | u&c, u ^ c
}

// csa16 adds the 16 genomes rows (16·W words, one genome after the other)
// into acc: with AVX2 four genome words at a time, the words left over
// (W mod 4, or all without AVX2) in Go.
func csa16(acc []csaAcc, rows []uint64, W int) {
	w0 := 0
	if useAVX2 && W >= 4 {
		csa16AVX2(&acc[0], &rows[0], 8*W, W/4)
		w0 = W &^ 3
	}
	csa16Go(acc, rows, W, w0)
}

// csa16Go adds words w0…W−1 of the 16 genomes rows into acc.
func csa16Go(acc []csaAcc, rows []uint64, W, w0 int) {
	const lane = 0x0101010101010101
	r0, r1, r2, r3 := rows[0*W:1*W], rows[1*W:2*W], rows[2*W:3*W], rows[3*W:4*W]
	r4, r5, r6, r7 := rows[4*W:5*W], rows[5*W:6*W], rows[6*W:7*W], rows[7*W:8*W]
	r8, r9, r10, r11 := rows[8*W:9*W], rows[9*W:10*W], rows[10*W:11*W], rows[11*W:12*W]
	r12, r13, r14, r15 := rows[12*W:13*W], rows[13*W:14*W], rows[14*W:15*W], rows[15*W:16*W]
	for w := w0; w < W; w++ {
		a := &acc[w/4]
		l := w & 3
		ones, twos, fours, eights := a.ones[l], a.twos[l], a.fours[l], a.eights[l]
		var twosA, twosB, foursA, foursB, eightsA, eightsB, s uint64
		twosA, ones = csa(ones, r0[w], r1[w])
		twosB, ones = csa(ones, r2[w], r3[w])
		foursA, twos = csa(twos, twosA, twosB)
		twosA, ones = csa(ones, r4[w], r5[w])
		twosB, ones = csa(ones, r6[w], r7[w])
		foursB, twos = csa(twos, twosA, twosB)
		eightsA, fours = csa(fours, foursA, foursB)
		twosA, ones = csa(ones, r8[w], r9[w])
		twosB, ones = csa(ones, r10[w], r11[w])
		foursA, twos = csa(twos, twosA, twosB)
		twosA, ones = csa(ones, r12[w], r13[w])
		twosB, ones = csa(ones, r14[w], r15[w])
		foursB, twos = csa(twos, twosA, twosB)
		eightsB, fours = csa(fours, foursA, foursB)
		s, eights = csa(eights, eightsA, eightsB)
		a.ones[l], a.twos[l], a.fours[l], a.eights[l] = ones, twos, fours, eights
		a.sixteens[0][l] += s & lane
		a.sixteens[1][l] += s >> 1 & lane
		a.sixteens[2][l] += s >> 2 & lane
		a.sixteens[3][l] += s >> 3 & lane
		a.sixteens[4][l] += s >> 4 & lane
		a.sixteens[5][l] += s >> 5 & lane
		a.sixteens[6][l] += s >> 6 & lane
		a.sixteens[7][l] += s >> 7 & lane
	}
}

// LD returns the mean |D| over the sampled locus pairs, NaN if there are
// none. See LDErr for its standard error.
func (p *Population) LD() float64 {
	ld, _ := p.LDErr()
	return ld
}

// LDErr returns the mean |D| over the sampled locus pairs and its
// standard error s/√K over the K pairs (s the sample standard deviation
// of |D_k|; NaN for fewer than two pairs, both NaN without pairs). It
// counts the alleles at every locus as Frequencies does.
func (p *Population) LDErr() (ld, se float64) {
	if len(p.pairs) == 0 {
		return math.NaN(), math.NaN()
	}
	p.countBits(true)
	return p.ldStats()
}

// ldStats computes LD from the counts of countBits(true): for pair k of
// loci a and b, D_k = c_ab/N − (c_a/N)(c_b/N) with c_a, c_b from
// p.bitCount and c_ab from p.ldCount.
func (p *Population) ldStats() (ld, se float64) {
	if len(p.pairs) == 0 {
		return math.NaN(), math.NaN()
	}
	np := len(p.pairs) / 2
	abs := p.ldAbs
	if len(abs) < np {
		abs = make([]float64, np)
		p.ldAbs = abs
	}
	n := float64(p.n)
	s := 0.0
	for k := range np {
		a, b := p.ldLoc[2*k], p.ldLoc[2*k+1]
		fa, fb := float64(p.bitCount[a])/n, float64(p.bitCount[b])/n
		fab := float64(p.ldCount[k]) / n
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

func grow32(s *[]int32, n int) []int32 {
	if cap(*s) < n {
		*s = make([]int32, n)
	}
	return (*s)[:n]
}
