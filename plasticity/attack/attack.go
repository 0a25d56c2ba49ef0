package attack

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"

	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/plasticity"
)

// DefaultEps returns the paper's grid of radii: 0, 0.5, …, 4.0.
func DefaultEps() []float64 {
	eps := make([]float64, 9)
	for i := range eps {
		eps[i] = 0.5 * float64(i)
	}
	return eps
}

// Config configures the attacks and the robust-accuracy measurement. The
// zero value is the paper's setting (SPEC §6): one attack, cross-entropy,
// raw-gradient steps, 50 steps, no restarts.
type Config struct {
	// Eps lists the radii ε. If Eps is empty, DefaultEps is used.
	Eps []float64 `toml:"eps" json:"eps"`
	// Images is the number N of test images attacked. If Images is 0, 100 is used.
	Images int `toml:"images" json:"images"`
	// Seed chooses the images (stream seed.Attack, index 0) and the random
	// starts of restarts (one stream per image, radius and attack).
	Seed uint64 `toml:"seed" json:"seed"`
	// AnyIterate counts an image as broken as soon as an iterate is
	// misclassified, and stops that attack there (see the package doc).
	// The default counts the final points, as the paper does; whether any
	// iterate crossed is reported in either case (Result.BrokenAny).
	AnyIterate bool `toml:"any_iterate" json:"any_iterate"`

	// The fields below describe the attack when Attacks is empty.

	// Steps is the number of gradient steps S. If Steps is 0, 50 is used.
	Steps int `toml:"steps" json:"steps"`
	// StepFactor sets the step size α = StepFactor·ε/S. If StepFactor is 0, 2.5 is used.
	StepFactor float64 `toml:"step_factor" json:"step_factor"`
	// Normalize steps along the unit gradient, α·∇/‖∇‖₂ (the usual L2
	// projected gradient), instead of the raw gradient of SPEC §6. The raw
	// step scales with the logits, so a network whose logits are small
	// takes small steps; the normalised step does not depend on that scale.
	Normalize bool `toml:"normalize" json:"normalize"`
	// Loss is the attacked loss (see Loss). If Loss is "", CrossEntropy is used.
	Loss Loss `toml:"loss" json:"loss"`
	// Restarts is the number of random starts per target in addition to
	// the start at x. If Restarts is 0, only x is used.
	Restarts int `toml:"restarts" json:"restarts"`

	// Attacks, if not empty, lists the attacks run on every image and
	// radius instead of the one described by the fields above. An image
	// is broken at ε if any of them breaks it at any radius ≤ ε.
	Attacks []Method `toml:"attacks" json:"attacks"`
}

// method returns the attack described by the single-attack fields.
func (c Config) method() Method {
	return Method{Loss: c.Loss, Normalize: c.Normalize, Steps: c.Steps, StepFactor: c.StepFactor, Restarts: c.Restarts}
}

// Methods returns the attacks of c, defaults applied: Attacks, or the one
// attack of the single-attack fields.
func (c Config) Methods() []Method {
	if len(c.Attacks) == 0 {
		return []Method{c.method().Defaults()}
	}
	ms := make([]Method, len(c.Attacks))
	for i, m := range c.Attacks {
		ms[i] = m.Defaults()
	}
	return ms
}

// Defaults returns a copy of c with every zero field replaced by its default.
func (c Config) Defaults() Config {
	if len(c.Eps) == 0 {
		c.Eps = DefaultEps()
	} else {
		c.Eps = append([]float64(nil), c.Eps...)
	}
	if c.Images == 0 {
		c.Images = 100
	}
	m := c.method().Defaults()
	c.Loss, c.Normalize, c.Steps, c.StepFactor, c.Restarts = m.Loss, m.Normalize, m.Steps, m.StepFactor, m.Restarts
	if len(c.Attacks) > 0 {
		c.Attacks = c.Methods()
	}
	return c
}

// Validate reports the problems of a configuration after defaults.
func (c Config) Validate() error {
	c = c.Defaults()
	var errs []error
	for i, e := range c.Eps {
		if !(e >= 0) || math.IsInf(e, 0) {
			errs = append(errs, fmt.Errorf("eps[%d] must be non-negative and finite, got %v", i, e))
		}
	}
	if c.Images < 1 {
		errs = append(errs, fmt.Errorf("images must be positive, got %d", c.Images))
	}
	if len(c.Attacks) == 0 {
		if err := c.method().Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	for i, m := range c.Attacks {
		if err := m.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("attacks[%d]: %w", i, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("attack: invalid config: %w", errors.Join(errs...))
	}
	return nil
}

// Attacker runs one attack method with one Worker; it is not safe for
// concurrent use. Robustness runs one Attacker per goroutine and method.
type Attacker struct {
	w          Worker
	m          Method
	anyIterate bool
	pcg        *rand.PCG
	rng        *rand.Rand
	grad       []float64
	start      []float64
	dz, q      []float64
	// first is the target tried first by Run (then first+1, … mod m).
	first int
	// Scratch of the decision-based attack, allocated on first use.
	hsjBest, hsjCur, hsjDir, hsjSum []float64
	bisBest                         []float64
	hsjQ                            [][]float64 // a batch of queries
	hsjPred                         []int
	// pool holds candidate starts of the decision-based attack (rows of
	// the test set, see setPool).
	pool [][]float64
}

// NewAttacker returns an attacker of m with the first attack of c
// (c.Methods()[0]) and c.AnyIterate. Its random starts come from the
// stream (c.Seed, seed.Attack, 1<<39) until Reseed is called.
func NewAttacker(m Model, c Config) *Attacker {
	c = c.Defaults()
	return NewMethodAttacker(m, c.Methods()[0], c.AnyIterate, c.Seed)
}

// NewMethodAttacker returns an attacker of m with attack meth (defaults
// applied), stopping at the first crossing if anyIterate, with random
// starts from stream (s, seed.Attack, 1<<39) until Reseed is called.
func NewMethodAttacker(m Model, meth Method, anyIterate bool, s uint64) *Attacker {
	pcg := seed.PCG(s, seed.Attack, 1<<39)
	return &Attacker{w: m.NewWorker(), m: meth.Defaults(), anyIterate: anyIterate, pcg: pcg, rng: rand.New(pcg),
		grad: make([]float64, m.Dim()), start: make([]float64, m.Dim()), dz: make([]float64, m.Labels()), q: make([]float64, m.Labels())}
}

// Reseed sets the stream of the random starts to (s, seed.Attack, index).
func (a *Attacker) Reseed(s, index uint64) { a.pcg.Seed(s, seed.Stream(seed.Attack, index)) }

// Method returns the attacker's method, defaults applied.
func (a *Attacker) Method() Method { return a.m }

// Predict returns the label the model predicts for x.
func (a *Attacker) Predict(x []float64) int { return predict(a.w.Forward(x)) }

// Grad writes to dx the gradient with respect to x of the attacked loss
// towards target and returns the label predicted for x.
func (a *Attacker) Grad(dx, x []float64, target int) int {
	z := a.w.Forward(x)
	pred := predict(z)
	LossGrad(a.dz, a.q, z, target, a.m.Loss)
	a.w.Backward(dx, a.dz)
	return pred
}

// LossGrad writes to dz the gradient with respect to the logits z of the
// targeted loss towards target and returns the loss. work is scratch of
// len(z). For Margin, c* is the largest logit other than the target's
// (ties: the lowest index), and the gradient is e_c* − e_target.
func LossGrad(dz, work, z []float64, target int, loss Loss) float64 {
	if len(dz) != len(z) || len(work) != len(z) {
		panic("attack: LossGrad: wrong length")
	}
	switch loss {
	case Margin:
		best := -1
		for c, v := range z {
			if c != target && (best < 0 || v > z[best]) {
				best = c
			}
		}
		clear(dz)
		dz[best], dz[target] = 1, -1
		return z[best] - z[target]
	case DoubleSoftmax:
		// L = CE(softmax(p), target) with p = softmax(z): with
		// g = softmax(p) − e_target, ∂L/∂z_c = p_c (g_c − Σ_j p_j g_j).
		plasticity.LossGrad(dz, z, target, plasticity.CrossEntropy, 1) // softmax(z) − e_target
		p := work
		copy(p, dz)
		p[target]++
		l := plasticity.LossGrad(dz, p, target, plasticity.CrossEntropy, 1)
		var s float64
		for c, g := range dz {
			s += p[c] * g
		}
		for c, g := range dz {
			dz[c] = p[c] * (g - s)
		}
		return l
	case CrossEntropy, "":
		return plasticity.LossGrad(dz, z, target, plasticity.CrossEntropy, 1)
	}
	panic(fmt.Sprintf("attack: unknown loss %q", loss))
}

// Outcome is the result of an attack on one image at one radius.
type Outcome struct {
	// Final tells whether a run ended at a point classified ≠ y.
	Final bool
	// Any tells whether some iterate of some run was classified ≠ y.
	Any bool
	// Pred is the prediction of the point left in dst.
	Pred int
	// Dist is ‖dst − x‖₂.
	Dist float64

	target int // the target whose attack broke the image
}

// run is one projected-gradient run from a.start towards target; it
// leaves its final point (or, with anyIterate, the first crossing) in dst
// and returns its prediction and whether an iterate crossed.
func (a *Attacker) run(dst, x []float64, y, target int, eps float64) (pred int, crossed bool) {
	copy(dst, a.start)
	alpha := a.m.StepFactor * eps / float64(a.m.Steps)
	for t := 0; t < a.m.Steps; t++ {
		pred := a.Grad(a.grad, dst, target)
		if pred != y {
			crossed = true
			if a.anyIterate {
				return pred, true
			}
		}
		step := alpha
		if a.m.Normalize {
			if norm := floats.Norm(a.grad, 2); norm > 0 {
				step /= norm
			}
		}
		floats.AddScaled(dst, -step, a.grad)
		Project(dst, x, eps)
	}
	pred = a.Predict(dst)
	return pred, crossed || pred != y
}

// randomStart writes to a.start a point drawn uniformly from the ε-ball
// around x, projected onto the box.
func (a *Attacker) randomStart(x []float64, eps float64) {
	var s float64
	for i := range a.start {
		v := a.rng.NormFloat64()
		a.start[i] = v
		s += v * v
	}
	r := eps * math.Pow(a.rng.Float64(), 1/float64(len(x))) / math.Sqrt(s)
	for i, v := range x {
		a.start[i] = v + r*a.start[i]
	}
	Project(a.start, x, eps)
}

// Targeted runs the attack of radius eps on x towards target (from x,
// then from Restarts random starts), writes the final point of the last
// run (or of the first run ending ≠ y) to dst and returns its predicted
// label. With AnyIterate a run stops at the first iterate predicted ≠ y
// (y is used for nothing else). x must lie in [0,1]^d; dst and x must not
// overlap.
func (a *Attacker) Targeted(dst, x []float64, y, target int, eps float64) int {
	pred, _ := a.targeted(dst, x, y, target, eps)
	return pred
}

func (a *Attacker) targeted(dst, x []float64, y, target int, eps float64) (pred int, crossed bool) {
	if len(dst) != len(x) || len(x) != len(a.grad) {
		panic("attack: Targeted: wrong length")
	}
	if eps == 0 {
		copy(dst, x)
		pred = a.Predict(dst)
		return pred, pred != y
	}
	for r := 0; r <= a.m.Restarts; r++ {
		if r == 0 {
			copy(a.start, x)
		} else {
			a.randomStart(x, eps)
		}
		var c bool
		pred, c = a.run(dst, x, y, target, eps)
		crossed = crossed || c
		if pred != y {
			return pred, true
		}
	}
	return pred, crossed
}

// Attack runs the targeted attacks of radius eps on (x, y), towards every
// label ≠ y in increasing order, until one ends predicted ≠ y. It returns
// whether the image is broken and the prediction of the point left in dst:
// the final point of the breaking attack, or of the last one if none broke
// it. An image already predicted ≠ y is broken with dst = x.
func (a *Attacker) Attack(dst, x []float64, y int, eps float64) (broken bool, pred int) {
	o := a.Run(dst, x, y, eps)
	return o.Final, o.Pred
}

// Run is Attack with the full outcome: whether a final point or any
// iterate crossed, and the distance of the point left in dst.
//
// For the decision-based attack (HopSkipJump) the image is broken when the
// closest adversarial point found lies within eps; dst is that point, or,
// if it lies farther, the point of its segment from x at distance eps.
func (a *Attacker) Run(dst, x []float64, y int, eps float64) Outcome {
	copy(dst, x)
	var o Outcome
	if o.Pred = a.Predict(x); o.Pred != y || eps == 0 {
		o.Final = o.Pred != y
		o.Any = o.Final
		return o
	}
	if a.m.Decision() {
		d := a.decision(dst, x, y)
		o.Final = d <= eps
		o.Any = o.Final
		if !o.Final {
			if math.IsInf(d, 1) {
				copy(dst, x)
			} else {
				blend(dst, x, dst, eps/d)
			}
		}
		o.Pred = a.Predict(dst)
		o.Dist = dist2(dst, x)
		return o
	}
	m := len(a.dz)
	for k := 0; k < m; k++ {
		target := (a.first + k) % m
		if target == y {
			continue
		}
		pred, crossed := a.targeted(dst, x, y, target, eps)
		o.Pred = pred
		o.Any = o.Any || crossed
		if pred != y {
			o.Final = true
			o.target = target
			break
		}
	}
	o.Dist = dist2(dst, x)
	return o
}
