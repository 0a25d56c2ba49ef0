package curvature

import (
	"errors"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
)

// HutchinsonSettings configures Hutchinson. The zero value works.
type HutchinsonSettings struct {
	// Samples is the number of Rademacher probes. If Samples is 0, 100 is
	// used; at least 2 are needed for a standard error.
	Samples int
}

// Trace is a Monte Carlo estimate of tr H.
type Trace struct {
	// Estimate is the mean of zᵀHz over the probes.
	Estimate float64
	// StdErr is the standard error of Estimate (sample s.d./√Samples).
	StdErr float64
	// Samples is the number of probes used.
	Samples int
}

// Hutchinson estimates the trace of h as the mean of zᵀHz over
// Rademacher probes z drawn from src. A nil settings uses the defaults; a
// nil src panics.
func Hutchinson(h Operator, settings *HutchinsonSettings, src rand.Source) (Trace, error) {
	if src == nil {
		panic("curvature: Hutchinson: nil source")
	}
	s := 100
	if settings != nil && settings.Samples != 0 {
		s = settings.Samples
	}
	if s < 2 {
		return Trace{}, errors.New("curvature: Hutchinson: Samples must be at least 2")
	}
	n := h.Len()
	rng := rand.New(src)
	z := make([]float64, n)
	hz := make([]float64, n)
	var mean, m2 float64
	for k := 1; k <= s; k++ {
		for i := range z {
			z[i] = float64(2*int(rng.Uint64()&1) - 1)
		}
		h.HessVec(hz, z)
		x := floats.Dot(z, hz)
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return Trace{}, errors.New("curvature: Hutchinson: Hessian–vector product not finite")
		}
		d := x - mean
		mean += d / float64(k)
		m2 += d * (x - mean)
	}
	return Trace{Estimate: mean, StdErr: math.Sqrt(m2 / float64(s-1) / float64(s)), Samples: s}, nil
}
