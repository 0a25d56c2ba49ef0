package genetics

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/evolve-toolkit/evolve/internal/fault"
)

// chunkSize is the number of individuals per chunk. Randomness for the
// offspring of a chunk comes from a stream fixed by the generation and the
// chunk index, so results do not depend on the number of workers.
const chunkSize = 128

// PopulationConfig configures a Wright–Fisher population. The zero value
// works.
type PopulationConfig struct {
	// N is the number of haploid individuals. If N is 0, 1000 is used.
	N int
	// Clonal makes each offspring a copy of one parent. The default is
	// free recombination: each locus comes from one of two parents with
	// probability ½.
	Clonal bool
	// Mu is the mutation rate: each locus of each offspring flips with
	// probability Mu. The default is 0.
	Mu float64
	// Start holds the initial allele frequencies, one per locus; every
	// allele of every individual is +ε independently with its locus's
	// frequency. If Start is nil, ½ is used for every locus.
	Start []float64
	// LDPairs is the number of locus pairs, drawn once at construction,
	// over which linkage disequilibrium is averaged. If LDPairs is 0, 100
	// is used; if it is negative, no pairs are drawn.
	LDPairs int
	// Workers is the number of goroutines that evaluate fitness and make
	// offspring. If Workers is 0, runtime.GOMAXPROCS(0) is used. Results
	// are identical for any value; the Loss must be safe for concurrent
	// use when Workers is not 1.
	Workers int
}

// Validate reports whether c is usable (the length of Start is checked
// against the encoding by NewPopulation).
func (c *PopulationConfig) Validate() error {
	if c == nil {
		return nil
	}
	if c.N < 0 || c.Workers < 0 {
		return fmt.Errorf("genetics: population: N=%d and Workers=%d must be ≥ 0", c.N, c.Workers)
	}
	if !(c.Mu >= 0 && c.Mu <= 1) {
		return fmt.Errorf("genetics: population: mutation rate μ=%g is not in [0, 1]", c.Mu)
	}
	for i, x := range c.Start {
		if !(x >= 0 && x <= 1) {
			return fmt.Errorf("genetics: population: start frequency Start[%d]=%g is not in [0, 1]", i, x)
		}
	}
	return nil
}

// Population is a Wright–Fisher population of N haploid genomes packed one
// bit per locus (bit set = allele +ε, layout of Encoding.Locus). It is not
// safe for concurrent use.
type Population struct {
	enc  Encoding
	loss Loss
	fit  Fitness
	src  rand.Source

	n, P, loci, W, wpc, nper int
	eps                      float64
	off                      []float64
	base, cols               []float64  // shared loci: Y = base + Σ_{i set} cols[i]
	terms                    []maskTerm // shared loci with few distinct entries per row
	clonal                   bool
	mu, logq                 float64
	workers, chunks          int

	cur, next []uint64
	ys, nys   []float64
	w, l      []float64
	fitValid  bool
	alias     *aliasTable
	genSeed   uint64
	gen       int
	cnt       []int
	parents   []int32 // per chunk: two parents per offspring
	prefetch  bool    // prefetch parent rows: the genomes exceed the caches
	errs      []error
	fitFail   []bool // per chunk: an offspring's fitness failed
	counter   atomic.Int64
	phase     int    // the phase the workers run
	workFn    func() // p.worker, made once
	wg        sync.WaitGroup
	pairs     []int32
	bitCount  []int32   // Frequencies: count per bit of a genome
	freqAcc   []csaAcc  // Frequencies: running counts, four genome words each
	freqPad   []uint64  // Frequencies: the last genomes padded to 16
	freqTable []float64 // Frequencies: c/N for c = 0…N
	ldLoc     []int32   // LD: word<<6 | bit of each paired locus
	ldCount   []int32   // LD: count of individuals with both loci of a pair +ε
	ldKeys    []int32   // LD: the distinct paired loci, word<<6 | bit
	ldCols    []uint64  // LD: one bit column over the individuals per distinct locus
	ldAbs     []float64
}

// NewPopulation returns a population at generation 0 for the encoding, loss
// and fitness, with randomness from src. cfg may be nil for the defaults. It
// returns an error for an invalid configuration and panics if enc, loss or
// src is nil or the loss's dimension is not the encoding's P.
func NewPopulation(cfg *PopulationConfig, enc *Encoding, loss Loss, fit Fitness, src rand.Source) (*Population, error) {
	if src == nil {
		panic("genetics: nil rand.Source")
	}
	if enc == nil || loss == nil {
		panic("genetics: nil encoding or loss")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := enc.Validate(); err != nil {
		return nil, err
	}
	if err := fit.Validate(); err != nil {
		return nil, err
	}
	var c PopulationConfig
	if cfg != nil {
		c = *cfg
	}
	if c.N == 0 {
		c.N = 1000
	}
	if c.LDPairs == 0 {
		c.LDPairs = 100
	}
	if c.Workers == 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	P := enc.Coefficients()
	if loss.Dim() != P {
		panic(fmt.Sprintf("genetics: loss of dimension %d for P=%d coefficients", loss.Dim(), P))
	}
	loci := enc.Loci()
	if c.Start != nil && len(c.Start) != loci {
		return nil, fmt.Errorf("genetics: population: %d start frequencies for %d loci", len(c.Start), loci)
	}
	p := &Population{
		enc: *enc, loss: loss, fit: fit, src: src,
		n: c.N, P: P, loci: loci, W: enc.Words(), nper: enc.LociPer(), eps: enc.Epsilon(),
		clonal: c.Clonal || fault.ForceClonal, mu: c.Mu, logq: math.Log1p(-c.Mu), workers: c.Workers,
	}
	if enc.B == nil {
		p.wpc = enc.wordsPer()
	}
	p.chunks = (p.n + chunkSize - 1) / chunkSize
	p.off = make([]float64, P)
	for q := range P {
		p.off[q] = enc.offset(q)
	}
	if enc.B != nil {
		p.base = make([]float64, P)
		p.cols = make([]float64, loci*P)
		for q := range P {
			p.base[q] = p.off[q]
			for i := range loci {
				b := enc.B.At(q, i)
				p.base[q] -= p.eps * b
				p.cols[i*P+q] = 2 * p.eps * b
			}
		}
		p.buildTerms()
	}
	p.cur = make([]uint64, p.n*p.W)
	p.next = make([]uint64, p.n*p.W)
	p.ys = make([]float64, p.n*P)
	p.nys = make([]float64, p.n*P)
	p.w = make([]float64, p.n)
	p.l = make([]float64, p.n)
	p.alias = newAliasTable(p.n)
	p.cnt = make([]int, p.chunks*P)
	p.workFn = p.worker
	p.parents = make([]int32, 2*p.chunks*chunkSize)
	// Prefetching pays off once the genomes no longer fit in the caches.
	p.prefetch = 2*8*p.n*p.W > 4<<20
	p.errs = make([]error, p.chunks)
	p.fitFail = make([]bool, p.chunks)
	p.bitCount = make([]int32, 64*p.W)

	g := fastGen{s: splitmix64(src.Uint64())}
	p.initGenomes(&g, c.Start)
	if c.LDPairs > 0 && loci >= 2 {
		p.pairs = make([]int32, 2*c.LDPairs)
		for k := range c.LDPairs {
			a := int(mulHi(g.next(), uint64(loci)))
			b := int(mulHi(g.next(), uint64(loci-1)))
			if b >= a {
				b++
			}
			p.pairs[2*k], p.pairs[2*k+1] = int32(a), int32(b)
		}
		p.ldLoc = make([]int32, 2*c.LDPairs)
		p.ldCount = make([]int32, 3*c.LDPairs)
	}
	for j := range p.n {
		p.decodeRow(p.ys[j*P:(j+1)*P], p.cur[j*p.W:(j+1)*p.W])
	}
	return p, nil
}

func mulHi(a, b uint64) uint64 {
	hi, _ := bits.Mul64(a, b)
	return hi
}

// initGenomes draws every allele independently with its start frequency.
func (p *Population) initGenomes(g *fastGen, start []float64) {
	half := true
	for _, x := range start {
		if x != 0.5 {
			half = false
			break
		}
	}
	for j := range p.n {
		row := p.cur[j*p.W : (j+1)*p.W]
		if half {
			for w := range row {
				row[w] = g.next() & p.enc.validMask(w)
			}
			continue
		}
		for i, x := range start {
			if g.float64() <= x && x > 0 {
				w, b := p.enc.Locus(i)
				row[w] |= 1 << b
			}
		}
	}
}

// decodeRow writes the Y of genome row into y.
func (p *Population) decodeRow(y []float64, row []uint64) {
	if p.cols == nil {
		for q := range p.P {
			c := 0
			for _, v := range row[q*p.wpc : (q+1)*p.wpc] {
				c += bits.OnesCount64(v)
			}
			y[q] = p.off[q] + p.eps*float64(2*c-p.nper)
		}
		return
	}
	copy(y, p.base)
	if p.terms != nil {
		for _, t := range p.terms {
			c := 0
			m := t.mask[:len(row)]
			for w, v := range row {
				c += bits.OnesCount64(v & m[w])
			}
			y[t.p] += t.v * float64(c)
		}
		return
	}
	for w, v := range row {
		for v != 0 {
			i := w<<6 | bits.TrailingZeros64(v)
			v &= v - 1
			for q, b := range p.cols[i*p.P : (i+1)*p.P] {
				y[q] += b
			}
		}
	}
}

// maskTerm is one distinct entry v of row p of B: Y_p gains v·(number of
// set loci in mask), so Y is a few masked popcounts per word.
type maskTerm struct {
	p    int
	v    float64 // 2ε B_pi
	mask []uint64
}

// maxTermsPerRow bounds the distinct nonzero entries per row of B for which
// masked popcounts are used; beyond it Y is summed over the set bits.
const maxTermsPerRow = 4

// buildTerms prepares masked popcounts for B if its rows have few distinct
// nonzero entries (±1 for RandomSharedLoci).
func (p *Population) buildTerms() {
	var terms []maskTerm
	for q := range p.P {
		first := len(terms)
		for i := range p.loci {
			v := p.cols[i*p.P+q]
			if v == 0 {
				continue
			}
			k := first
			for ; k < len(terms) && terms[k].v != v; k++ {
			}
			if k == len(terms) {
				if len(terms)-first == maxTermsPerRow {
					return
				}
				terms = append(terms, maskTerm{p: q, v: v, mask: make([]uint64, p.W)})
			}
			terms[k].mask[i>>6] |= 1 << uint(i&63)
		}
	}
	p.terms = terms
}

// N returns the population size.
func (p *Population) N() int { return p.n }

// Generation returns the number of generations run.
func (p *Population) Generation() int { return p.gen }

// Encoding returns the encoding of the population.
func (p *Population) Encoding() *Encoding { return &p.enc }

// Genome returns the packed genome of individual j (Encoding.Words words).
// The slice is a view, valid until the next Step.
func (p *Population) Genome(j int) []uint64 { return p.cur[j*p.W : (j+1)*p.W : (j+1)*p.W] }

// Y returns the coefficients of individual j. The slice is a view, valid
// until the next Step.
func (p *Population) Y(j int) []float64 { return p.ys[j*p.P : (j+1)*p.P : (j+1)*p.P] }

const (
	phaseFitness = iota
	phaseReproduce
)

// run executes phase on every chunk, in parallel when Workers > 1. Chunks
// are claimed dynamically, but every chunk's work depends only on its index.
func (p *Population) run(phase int) {
	nw := min(p.workers, p.chunks)
	if nw <= 1 {
		for c := range p.chunks {
			p.doChunk(phase, c)
		}
		return
	}
	p.counter.Store(0)
	p.phase = phase
	p.wg.Add(nw - 1)
	for range nw - 1 {
		go p.workFn() // a func value made once: starting it does not allocate
	}
	p.loop(phase)
	p.wg.Wait()
}

// worker runs the current phase on claimed chunks.
func (p *Population) worker() {
	p.loop(p.phase)
	p.wg.Done()
}

func (p *Population) loop(phase int) {
	for {
		c := int(p.counter.Add(1) - 1)
		if c >= p.chunks {
			return
		}
		p.doChunk(phase, c)
	}
}

func (p *Population) doChunk(phase, c int) {
	if phase == phaseFitness {
		p.fitnessChunk(c)
	} else {
		p.reproduceChunk(c)
	}
}

// evaluate computes the losses and fitnesses of the current generation.
func (p *Population) evaluate() error {
	if p.fitValid {
		return nil
	}
	p.run(phaseFitness)
	for _, err := range p.errs {
		if err != nil {
			return err
		}
	}
	p.fitValid = true
	return nil
}

func (p *Population) fitnessChunk(c int) {
	p.errs[c] = nil
	for j := c * chunkSize; j < min((c+1)*chunkSize, p.n); j++ {
		y := p.ys[j*p.P : (j+1)*p.P]
		l := p.loss.Loss(y)
		f, err := p.fit.f(l, y)
		if err != nil {
			p.errs[c] = fmt.Errorf("%w (individual %d, generation %d)", err, j, p.gen)
			return
		}
		p.l[j], p.w[j] = l, 1+f
	}
}

// Evaluate computes the losses and fitnesses of the current generation
// unless they are known (Step and Stats call it; after UnmarshalBinary
// they are not known). It returns the error Step would.
func (p *Population) Evaluate() error { return p.evaluate() }

// Step runs one generation: fitness of every individual (unless already
// known), parents drawn in proportion to fitness, recombination (or cloning)
// and mutation. The offspring's fitnesses are computed as they are made, so
// Stats and the next Step need no separate pass. Step returns an error if a
// fitness of the current generation cannot be computed (see Fitness.W) or
// all fitnesses are zero. Step does not allocate in the steady state, with
// any number of workers.
func (p *Population) Step() error {
	if err := p.evaluate(); err != nil {
		return err
	}
	if err := p.alias.build(p.w); err != nil {
		return fmt.Errorf("%w at generation %d", err, p.gen)
	}
	p.genSeed = p.src.Uint64()
	p.run(phaseReproduce)
	p.cur, p.next = p.next, p.cur
	p.ys, p.nys = p.nys, p.ys
	p.gen++
	p.fitValid = true
	for _, bad := range p.fitFail {
		if bad {
			p.fitValid = false
		}
	}
	return nil
}

// geom returns the number of loci before the next mutation.
func (p *Population) geom(g *fastGen) int {
	if p.mu >= 1 {
		return 0
	}
	const maxSkip = math.MaxInt / 4 // far beyond any chunk; no overflow when added
	k := math.Log(g.float64()) / p.logq
	if k > maxSkip {
		return maxSkip
	}
	return int(k)
}

// reproduceChunk makes the offspring of chunk c into p.next and p.nys.
func (p *Population) reproduceChunk(c int) {
	g := chunkGen(p.genSeed, c)
	lo, hi := c*chunkSize, min((c+1)*chunkSize, p.n)
	p.fitFail[c] = false
	// Locals, so that the hot loop does not reload fields after stores.
	W, P, wpc, nper, loci := p.W, p.P, p.wpc, p.nper, p.loci
	cur, next, nys, off, eps := p.cur, p.next, p.nys, p.off, p.eps
	clonal, disjoint, mutate, prefetch := p.clonal, p.cols == nil, p.mu > 0, p.prefetch
	cnt := p.cnt[c*P : (c+1)*P]
	off = off[:len(cnt)]

	// Parents first, so that the rows of the next offspring's parents can
	// be prefetched while the current offspring is made.
	par := p.parents[2*c*chunkSize : 2*(c+1)*chunkSize]
	for r := range hi - lo {
		par[2*r] = int32(p.alias.sample(&g))
		if clonal {
			par[2*r+1] = par[2*r]
		} else {
			par[2*r+1] = int32(p.alias.sample(&g))
		}
	}
	// nextMut is the position of the next mutation in the chunk's
	// offspring loci, numbered (j−lo)·loci + i.
	nextMut := math.MaxInt
	if mutate {
		nextMut = p.geom(&g)
	}
	for j := lo; j < hi; j++ {
		r := j - lo
		if prefetch && r+1 < hi-lo {
			prefetchRows(&cur[int(par[2*r+2])*W], &cur[int(par[2*r+3])*W], (W+7)/8)
		}
		child := next[j*W : (j+1)*W]
		pa := cur[int(par[2*r])*W:][:W]
		switch {
		case clonal:
			copy(child, pa)
			if disjoint {
				for q := range cnt {
					k := 0
					for _, v := range child[q*wpc : (q+1)*wpc] {
						k += bits.OnesCount64(v)
					}
					cnt[q] = k
				}
			}
		case disjoint:
			g.s = recombineCount(child, pa, cur[int(par[2*r+1])*W:][:W], cnt, wpc, g.s)
		default:
			recombine(child, pa, cur[int(par[2*r+1])*W:][:W], &g)
		}
		if mutate {
			base := r * loci
			for nextMut < base+loci {
				i := nextMut - base
				w, b := p.enc.Locus(i)
				child[w] ^= 1 << b
				if disjoint {
					if child[w]>>b&1 == 1 {
						cnt[i/nper]++
					} else {
						cnt[i/nper]--
					}
				}
				nextMut += 1 + p.geom(&g)
			}
		}
		y := nys[j*P : (j+1)*P]
		if disjoint {
			y = y[:len(cnt)]
			for q, k := range cnt {
				y[q] = off[q] + eps*float64(2*k-nper)
			}
		} else {
			p.decodeRow(y, child)
		}
		// The offspring's fitness, for the next generation, while y is
		// at hand. The alias table no longer reads p.w. A failure is
		// only flagged: the next evaluate recomputes and reports it.
		l := p.loss.Loss(y)
		if f, err := p.fit.f(l, y); err == nil {
			p.l[j], p.w[j] = l, 1+f
		} else {
			p.fitFail[c] = true
		}
	}
}

// recombineCount is the hot loop: it writes child = (a & m) | (b &^ m) word
// by word with masks m from the wyrand state s (inlined), stores the number
// of set bits of each run of wpc words (one coefficient) in cnt and returns
// the new state. One flat loop over the genome with a predictable branch at
// the end of each coefficient is faster than a loop per coefficient when
// coefficients span few words. It is a separate small function so that its
// loop stays in registers.
//
//go:noinline
func recombineCount(child, a, b []uint64, cnt []int, wpc int, s uint64) uint64 {
	b, child = b[:len(a)], child[:len(a)]
	k, q, end := 0, 0, wpc
	for w, va := range a {
		s += wyP0
		hi, lo := bits.Mul64(s, s^wyP1)
		m := hi ^ lo
		v := va&m | b[w]&^m
		child[w] = v
		k += bits.OnesCount64(v)
		if w+1 == end {
			cnt[q] = k
			q++
			end += wpc
			k = 0
		}
	}
	return s
}

// recombine writes child = (a & m) | (b &^ m) word by word with random
// masks m and returns the number of set bits of child.
func recombine(child, a, b []uint64, g *fastGen) int {
	b = b[:len(a)]
	child = child[:len(a)]
	s := g.s
	c := 0
	for k, va := range a {
		s += wyP0
		hi, lo := bits.Mul64(s, s^wyP1)
		m := hi ^ lo
		v := va&m | b[k]&^m
		child[k] = v
		c += bits.OnesCount64(v)
	}
	g.s = s
	return c
}
