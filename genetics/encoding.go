package genetics

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Encoding maps alleles to the P coefficients Y of a rule. With disjoint
// loci (B nil) coefficient p is c_p plus the sum of the ±ε alleles of its own
// N loci, flat indices p·N … p·N+N−1. With shared loci Y = c + B g for the
// P×M matrix B and the M alleles g ∈ {±ε}.
//
// The zero value is one coefficient of 100 loci with ε = 0.01.
type Encoding struct {
	// P is the number of coefficients. If P is 0, 1 is used, or the number
	// of rows of B when B is set.
	P int
	// N is the number of loci per coefficient with disjoint loci. If N is
	// 0, 100 is used. N is ignored when B is set.
	N int
	// Eps is the allele effect ε > 0. If Eps is 0, 0.01 is used.
	Eps float64
	// Offset holds the offsets c_p (length P). If Offset is nil, all
	// offsets are 0.
	Offset []float64
	// B, if not nil, is the P×M matrix of shared loci (see
	// RandomSharedLoci). If B is nil, loci are disjoint.
	B *mat.Dense
}

// Coefficients returns P.
func (e *Encoding) Coefficients() int {
	if e.B != nil {
		r, _ := e.B.Dims()
		return r
	}
	if e.P == 0 {
		return 1
	}
	return e.P
}

// LociPer returns the number of loci per coefficient with disjoint loci, and
// 0 with shared loci.
func (e *Encoding) LociPer() int {
	if e.B != nil {
		return 0
	}
	if e.N == 0 {
		return 100
	}
	return e.N
}

// Epsilon returns ε.
func (e *Encoding) Epsilon() float64 {
	if e.Eps == 0 {
		return 0.01
	}
	return e.Eps
}

// Loci returns the total number of loci: P·N, or the columns of B.
func (e *Encoding) Loci() int {
	if e.B != nil {
		_, c := e.B.Dims()
		return c
	}
	return e.Coefficients() * e.LociPer()
}

// Validate reports whether the encoding is usable.
func (e *Encoding) Validate() error {
	if e.P < 0 || e.N < 0 {
		return fmt.Errorf("genetics: encoding: P=%d and N=%d must be ≥ 0", e.P, e.N)
	}
	if !(e.Eps >= 0) || math.IsInf(e.Eps, 1) {
		return fmt.Errorf("genetics: encoding: ε=%g must be finite and > 0", e.Eps)
	}
	if e.B != nil {
		r, _ := e.B.Dims()
		if e.P != 0 && e.P != r {
			return fmt.Errorf("genetics: encoding: P=%d but B has %d rows", e.P, r)
		}
	}
	if e.Offset != nil && len(e.Offset) != e.Coefficients() {
		return fmt.Errorf("genetics: encoding: %d offsets for P=%d coefficients", len(e.Offset), e.Coefficients())
	}
	return nil
}

// offset returns c_p.
func (e *Encoding) offset(p int) float64 {
	if e.Offset == nil {
		return 0
	}
	return e.Offset[p]
}

// wordsPer returns the 64-bit words per coefficient with disjoint loci.
func (e *Encoding) wordsPer() int { return (e.LociPer() + 63) / 64 }

// Words returns the number of 64-bit words of a packed genome. With disjoint
// loci each coefficient starts on a new word; with shared loci locus i is
// bit i%64 of word i/64.
func (e *Encoding) Words() int {
	if e.B != nil {
		return (e.Loci() + 63) / 64
	}
	return e.Coefficients() * e.wordsPer()
}

// Locus returns the word and bit of locus i in a packed genome.
func (e *Encoding) Locus(i int) (word int, bit uint) {
	if e.B != nil {
		return i >> 6, uint(i & 63)
	}
	n := e.LociPer()
	p, l := i/n, i%n
	return p*e.wordsPer() + l>>6, uint(l & 63)
}

// validMask returns the mask of the bits of word w that hold loci.
func (e *Encoding) validMask(w int) uint64 {
	var used int
	if e.B != nil {
		used = e.Loci() - w*64
	} else {
		wp := e.wordsPer()
		used = e.LociPer() - (w%wp)*64
	}
	if used >= 64 {
		return ^uint64(0)
	}
	return 1<<uint(used) - 1
}

func (e *Encoding) checkX(x []float64) {
	if len(x) != e.Loci() {
		panic(fmt.Sprintf("genetics: %d frequencies for %d loci", len(x), e.Loci()))
	}
}

func (e *Encoding) checkY(y []float64) {
	if len(y) != e.Coefficients() {
		panic(fmt.Sprintf("genetics: Y of length %d for P=%d", len(y), e.Coefficients()))
	}
}

// Mean writes E[Y] = c + ε B(2x − 1) under allele frequencies x into dst.
func (e *Encoding) Mean(dst, x []float64) {
	e.checkX(x)
	e.checkY(dst)
	eps := e.Epsilon()
	P := e.Coefficients()
	for p := range P {
		dst[p] = e.offset(p)
	}
	if e.B != nil {
		for p := range P {
			s := 0.0
			for i, xi := range x {
				s += e.B.At(p, i) * (2*xi - 1)
			}
			dst[p] += eps * s
		}
		return
	}
	n := e.LociPer()
	for p := range P {
		s := 0.0
		for _, xi := range x[p*n : (p+1)*n] {
			s += 2*xi - 1
		}
		dst[p] += eps * s
	}
}

// Decode writes the Y of a packed genome (Words() words, bit set = +ε) into
// dst.
func (e *Encoding) Decode(dst []float64, genome []uint64) {
	e.checkY(dst)
	if len(genome) != e.Words() {
		panic(fmt.Sprintf("genetics: genome of %d words, want %d", len(genome), e.Words()))
	}
	eps := e.Epsilon()
	P := e.Coefficients()
	if e.B == nil {
		n, wp := e.LociPer(), e.wordsPer()
		for p := range P {
			c := 0
			for _, w := range genome[p*wp : (p+1)*wp] {
				c += bits.OnesCount64(w)
			}
			dst[p] = e.offset(p) + eps*float64(2*c-n)
		}
		return
	}
	for p := range P {
		s := 0.0
		for i := range e.Loci() {
			g := -eps
			if genome[i>>6]>>uint(i&63)&1 == 1 {
				g = eps
			}
			s += e.B.At(p, i) * g
		}
		dst[p] = e.offset(p) + s
	}
}

// Covariance returns the genetic covariance G = Cov(Y) =
// B diag(4ε² x(1−x)) Bᵀ under the product distribution with frequencies x
// (diagonal, G_pp = 4ε² Σ_ℓ x_pℓ(1−x_pℓ), with disjoint loci). If dst is
// not nil it must be empty or P×P and is reused.
func (e *Encoding) Covariance(dst *mat.SymDense, x []float64) *mat.SymDense {
	e.checkX(x)
	P := e.Coefficients()
	if dst == nil {
		dst = mat.NewSymDense(P, nil)
	} else if dst.IsEmpty() {
		dst.ReuseAsSym(P)
	} else if dst.SymmetricDim() != P {
		panic(fmt.Sprintf("genetics: covariance destination %d×%d, want %d×%d", dst.SymmetricDim(), dst.SymmetricDim(), P, P))
	}
	eps := e.Epsilon()
	if e.B == nil {
		n := e.LociPer()
		for p := range P {
			for q := range P {
				dst.SetSym(p, q, 0)
			}
			v := 0.0
			for _, xi := range x[p*n : (p+1)*n] {
				v += xi * (1 - xi)
			}
			dst.SetSym(p, p, 4*eps*eps*v)
		}
		return dst
	}
	for p := range P {
		for q := p; q < P; q++ {
			s := 0.0
			for i, xi := range x {
				s += e.B.At(p, i) * e.B.At(q, i) * xi * (1 - xi)
			}
			dst.SetSym(p, q, 4*eps*eps*s)
		}
	}
	return dst
}

// RandomSharedLoci returns a P×M shared-loci matrix B in which every locus
// (column) has k nonzero entries ±1 with random signs in k distinct random
// rows. It panics if k is not in [1, P] or src is nil.
func RandomSharedLoci(P, M, k int, src rand.Source) *mat.Dense {
	if src == nil {
		panic("genetics: nil rand.Source")
	}
	if P < 1 || M < 1 || k < 1 || k > P {
		panic(fmt.Sprintf("genetics: RandomSharedLoci(P=%d, M=%d, k=%d): need P, M ≥ 1 and 1 ≤ k ≤ P", P, M, k))
	}
	r := rand.New(src)
	b := mat.NewDense(P, M, nil)
	rows := make([]int, P)
	for i := range rows {
		rows[i] = i
	}
	for j := range M {
		// Partial Fisher–Yates: the first k entries of rows are a random subset.
		for a := range k {
			c := a + r.IntN(P-a)
			rows[a], rows[c] = rows[c], rows[a]
			s := 1.0
			if r.Uint64()&1 == 1 {
				s = -1
			}
			b.Set(rows[a], j, s)
		}
	}
	return b
}
