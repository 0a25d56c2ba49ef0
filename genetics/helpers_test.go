package genetics

import (
	"math"
	"math/rand/v2"
)

// testLoss is a smooth nonlinear loss with a cubic term, so that the exact
// map, the mean-field map and the natural step at the mean all differ.
func testLoss(P int) LossFunc {
	return LossFunc{N: P, Func: func(y []float64) float64 {
		s := 0.0
		for p, v := range y {
			t := 0.1 * float64(p+1) // targets 0.1, 0.2, … (arbitrary)
			s += (v-t)*(v-t) + 0.3*v*v*v
		}
		return s + 0.2*math.Sin(y[0]*float64(len(y)))
	}}
}

// quadLoss is L(Y) = Σ (Y_p − t_p)² with its gradient.
func quadLoss(target []float64) LossFunc {
	return LossFunc{N: len(target),
		Func: func(y []float64) float64 {
			s := 0.0
			for p, v := range y {
				s += (v - target[p]) * (v - target[p])
			}
			return s
		},
		Grad: func(dst, y []float64) {
			for p, v := range y {
				dst[p] = 2 * (v - target[p])
			}
		},
	}
}

// linLoss is L(Y) = a·Y + b.
func linLoss(a []float64, b float64) LossFunc {
	return LossFunc{N: len(a), Func: func(y []float64) float64 {
		s := b
		for p, v := range y {
			s += a[p] * v
		}
		return s
	}, Grad: func(dst, _ []float64) { copy(dst, a) }}
}

// randomX returns m frequencies uniform in [lo, hi).
func randomX(m int, lo, hi float64, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	x := make([]float64, m)
	for i := range x {
		x[i] = lo + (hi-lo)*r.Float64()
	}
	return x
}

// bruteForce enumerates every genotype of enc: it returns E[L], E[w], and
// per locus E[w | g_i=+ε], E[w | g_i=−ε], E[L | g_i=±ε]. It decodes Y by
// summing alleles directly, independently of the package's code paths.
type brute struct {
	meanL, meanW               float64
	wPlus, wMinus, lPlus, lMin []float64
	meanY                      []float64
	covY                       [][]float64
}

func bruteForce(enc *Encoding, loss Loss, fit Fitness, x []float64) brute {
	M, P, eps := enc.Loci(), enc.Coefficients(), enc.Epsilon()
	b := brute{wPlus: make([]float64, M), wMinus: make([]float64, M), lPlus: make([]float64, M), lMin: make([]float64, M), meanY: make([]float64, P)}
	b.covY = make([][]float64, P)
	for p := range b.covY {
		b.covY[p] = make([]float64, P)
	}
	y := make([]float64, P)
	var sumYY = make([][]float64, P)
	for p := range sumYY {
		sumYY[p] = make([]float64, P)
	}
	for g := 0; g < 1<<M; g++ {
		pr := 1.0
		for p := range P {
			y[p] = enc.offset(p)
		}
		for i := range M {
			a := -eps
			if g>>i&1 == 1 {
				a = eps
				pr *= x[i]
			} else {
				pr *= 1 - x[i]
			}
			if enc.B == nil {
				y[i/enc.LociPer()] += a
			} else {
				for p := range P {
					y[p] += enc.B.At(p, i) * a
				}
			}
		}
		l := loss.Loss(y)
		var w float64
		if fit.Kind == Exp {
			w = math.Exp(-fit.Theta * l)
		} else {
			w = 1 - fit.Theta*l
		}
		b.meanL += pr * l
		b.meanW += pr * w
		for p := range P {
			b.meanY[p] += pr * y[p]
			for q := range P {
				sumYY[p][q] += pr * y[p] * y[q]
			}
		}
		for i := range M {
			if g>>i&1 == 1 {
				b.wPlus[i] += pr / x[i] * w
				b.lPlus[i] += pr / x[i] * l
			} else {
				b.wMinus[i] += pr / (1 - x[i]) * w
				b.lMin[i] += pr / (1 - x[i]) * l
			}
		}
	}
	for p := range P {
		for q := range P {
			b.covY[p][q] = sumYY[p][q] - b.meanY[p]*b.meanY[q]
		}
	}
	return b
}

// seedSource returns a PCG source for tests.
func seedSource(s uint64) rand.Source { return rand.NewPCG(s, 7) }
