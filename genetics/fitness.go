package genetics

import (
	"fmt"
	"math"
)

// FitnessKind selects the fitness function of a loss.
type FitnessKind int

const (
	// Linear is w = 1 − θL; it requires θL < 1.
	Linear FitnessKind = iota
	// Exp is w = exp(−θL).
	Exp
)

// String returns "linear" or "exp".
func (k FitnessKind) String() string {
	switch k {
	case Linear:
		return "linear"
	case Exp:
		return "exp"
	}
	return fmt.Sprintf("FitnessKind(%d)", int(k))
}

// Fitness maps a loss to a fitness.
type Fitness struct {
	// Kind is Linear (the default, w = 1 − θL) or Exp (w = exp(−θL)).
	Kind FitnessKind
	// Theta is the selection strength θ ≥ 0. The zero value is neutral
	// (w ≡ 1).
	Theta float64
}

// Validate reports whether f is usable.
func (f Fitness) Validate() error {
	if f.Kind != Linear && f.Kind != Exp {
		return fmt.Errorf("genetics: unknown fitness kind %d", int(f.Kind))
	}
	if !(f.Theta >= 0) || math.IsInf(f.Theta, 1) {
		return fmt.Errorf("genetics: selection strength θ=%g must be finite and ≥ 0", f.Theta)
	}
	return nil
}

// W returns the fitness w of loss l. It returns an error when l is NaN or,
// for Linear fitness, when θl ≥ 1.
func (f Fitness) W(l float64) (float64, error) {
	v, err := f.f(l, nil)
	return 1 + v, err
}

// F returns w − 1 for loss l, computed without cancellation: −θl (Linear)
// or expm1(−θl) (Exp). Errors are those of W.
func (f Fitness) F(l float64) (float64, error) {
	return f.f(l, nil)
}

// f returns w − 1; y, if not nil, is reported in errors.
func (f Fitness) f(l float64, y []float64) (float64, error) {
	if math.IsNaN(l) {
		return 0, fmt.Errorf("genetics: loss is NaN%s", at(y))
	}
	if f.Kind == Exp {
		return math.Expm1(-f.Theta * l), nil
	}
	if f.Theta*l >= 1 {
		return 0, fmt.Errorf("genetics: fitness 1-θL is not positive: θ=%g, L=%g (θL=%g ≥ 1)%s", f.Theta, l, f.Theta*l, at(y))
	}
	return -f.Theta * l, nil
}

// at formats the place of an error.
func at(y []float64) string {
	if y == nil {
		return ""
	}
	return fmt.Sprintf(" at Y=%g", y)
}
