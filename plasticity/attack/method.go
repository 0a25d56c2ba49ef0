package attack

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Method is one attack: a loss, a step rule, a number of steps and of
// random restarts. The zero value is SPEC §6's attack.
type Method struct {
	// Loss is the attacked loss. If Loss is "", CrossEntropy is used.
	Loss Loss `toml:"loss" json:"loss"`
	// Normalize steps along ∇/‖∇‖₂ instead of the raw gradient.
	Normalize bool `toml:"normalize" json:"normalize"`
	// Steps is the number of steps S. If Steps is 0, 50 is used.
	Steps int `toml:"steps" json:"steps"`
	// StepFactor sets α = StepFactor·ε/S. If StepFactor is 0, 2.5 is used.
	StepFactor float64 `toml:"step_factor" json:"step_factor"`
	// Restarts is the number of random starts per target besides x.
	Restarts int `toml:"restarts" json:"restarts"`
}

// Loss names the loss the attack descends.
type Loss string

const (
	// CrossEntropy is −log softmax(z)_y', the cross-entropy of the logits
	// (SPEC §6). Its gradient p − e_y' shrinks like e^(z_y'−z_y) when the
	// network is confident, which raw-gradient steps feel.
	CrossEntropy Loss = "ce"
	// DoubleSoftmax is −log softmax(softmax(z))_y', the reference's loss
	// (the cross-entropy taken on probabilities, SPEC §3's note). Its
	// gradient carries the softmax Jacobian, which underflows to 0 when
	// the logit gaps are large: it is prone to gradient masking.
	DoubleSoftmax Loss = "double-softmax"
	// Margin is the Carlini–Wagner logit difference max_{c≠y'} z_c − z_y'.
	// Its gradient e_c* − e_y' does not saturate, and with normalised steps
	// the attack is invariant to the scale of the logits: it cannot be
	// masked by large logits.
	Margin Loss = "margin"
	// HopSkipJump is not a loss: it selects the decision-based attack of
	// Chen, Jordan and Wainwright (2020), which queries only predicted
	// labels and so cannot be masked by any loss or logit scale. It finds
	// one adversarial point per image, untargeted, as close to x as it
	// can; the image is broken at every ε at least that distance. Steps
	// counts its iterations, Restarts its extra random starts; Normalize
	// and StepFactor are ignored.
	HopSkipJump Loss = "hsj"
)

// Losses lists the losses of the gradient attacks in the order of their
// documentation (not HopSkipJump, which has no loss).
func Losses() []Loss { return []Loss{CrossEntropy, DoubleSoftmax, Margin} }

// Decision reports whether m is the decision-based attack.
func (m Method) Decision() bool { return m.Loss == HopSkipJump }

// String describes a method in a few words, as in tables.
func (m Method) String() string {
	m = m.Defaults()
	if m.Decision() {
		s := fmt.Sprintf("%s/S=%d", m.Loss, m.Steps)
		if m.Restarts > 0 {
			s += fmt.Sprintf("/R=%d", m.Restarts)
		}
		return s
	}
	step := "raw"
	if m.Normalize {
		step = "unit"
	}
	s := fmt.Sprintf("%s/%s/S=%d", m.Loss, step, m.Steps)
	if m.StepFactor != 2.5 {
		s += fmt.Sprintf("/α=%g", m.StepFactor)
	}
	if m.Restarts > 0 {
		s += fmt.Sprintf("/R=%d", m.Restarts)
	}
	return s
}

// Defaults returns m with every zero field replaced by its default.
func (m Method) Defaults() Method {
	if m.Steps == 0 {
		m.Steps = 50
	}
	if m.StepFactor == 0 {
		m.StepFactor = 2.5
	}
	if m.Loss == "" {
		m.Loss = CrossEntropy
	}
	if m.Decision() {
		m.Normalize, m.StepFactor = false, 2.5
	}
	return m
}

// Validate reports the problems of a method after defaults.
func (m Method) Validate() error {
	m = m.Defaults()
	var errs []error
	if m.Steps < 1 {
		errs = append(errs, fmt.Errorf("steps must be positive, got %d", m.Steps))
	}
	if !(m.StepFactor > 0) || math.IsInf(m.StepFactor, 0) {
		errs = append(errs, fmt.Errorf("step_factor must be positive and finite, got %v", m.StepFactor))
	}
	if !slices.Contains(Losses(), m.Loss) && !m.Decision() {
		errs = append(errs, fmt.Errorf("loss must be %q, %q, %q or %q, got %q", CrossEntropy, DoubleSoftmax, Margin, HopSkipJump, m.Loss))
	}
	if m.Restarts < 0 {
		errs = append(errs, fmt.Errorf("restarts must be non-negative, got %d", m.Restarts))
	}
	return errors.Join(errs...)
}

// Strong returns the attack the toolkit uses to settle robustness: margin
// loss, normalised steps, 100 steps, 2 random restarts per target.
func Strong() Method {
	return Method{Loss: Margin, Normalize: true, Steps: 100, Restarts: 2}
}

// ParseMethod reads a method in the form of Method.String:
// LOSS[/unit|/raw][/S=steps][/R=restarts][/α=factor] (a= may stand for α=),
// for example "margin/unit/S=100/R=2". Absent parts take their defaults.
func ParseMethod(s string) (Method, error) {
	parts := strings.Split(strings.TrimSpace(s), "/")
	m := Method{Loss: Loss(parts[0])}
	for _, p := range parts[1:] {
		var err error
		switch {
		case p == "unit":
			m.Normalize = true
		case p == "raw":
			m.Normalize = false
		case strings.HasPrefix(p, "S="):
			if m.Steps, err = strconv.Atoi(p[2:]); err == nil && m.Steps < 1 {
				err = errors.New("steps must be positive")
			}
		case strings.HasPrefix(p, "R="):
			m.Restarts, err = strconv.Atoi(p[2:])
		case strings.HasPrefix(p, "α="), strings.HasPrefix(p, "a="):
			if m.StepFactor, err = strconv.ParseFloat(p[strings.Index(p, "=")+1:], 64); err == nil && !(m.StepFactor > 0) {
				err = errors.New("the step factor must be positive")
			}
		default:
			err = errors.New("unknown part")
		}
		if err != nil {
			return Method{}, fmt.Errorf("attack: method %q: %q: %v (want unit, raw, S=steps, R=restarts or α=factor)", s, p, err)
		}
	}
	if err := m.Validate(); err != nil {
		return Method{}, fmt.Errorf("attack: method %q: %w", s, err)
	}
	return m.Defaults(), nil
}
