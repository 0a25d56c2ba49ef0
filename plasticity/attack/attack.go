package attack

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/floats"

	"github.com/evolve-toolkit/evolve/dataset"
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

// Settings controls Robustness: the configuration, parallelism, progress
// and the adversarial examples kept.
type Settings struct {
	Config
	// Workers is the number of goroutines. If Workers is 0, GOMAXPROCS is
	// used. The result does not depend on it.
	Workers int
	// Progress, if not nil, is called after every (image, ε) pair with
	// the number of pairs done and the total. Calls are serialised.
	Progress func(done, total int)
	// Keep is the number of attacked images (in the order of
	// Result.Images) whose adversarial examples are kept in
	// Result.Examples.
	Keep int
}

// Example is an attacked image at one radius.
type Example struct {
	// Index is the image's row in the test set.
	Index int
	// Label is its true label.
	Label int
	// Eps is the radius.
	Eps float64
	// Broken tells whether the image was broken at Eps by one of the
	// attacks at this radius (final point, or any iterate with AnyIterate).
	Broken bool
	// Pred is the prediction of Adversarial.
	Pred int
	// Original is the test image.
	Original []float64
	// Adversarial is the point left by the first attack that broke the
	// image at Eps, or by the last attack if none did.
	Adversarial []float64
}

// MethodResult is the outcome of one attack method, radius by radius
// (not accumulated over radii).
type MethodResult struct {
	// Method is the attack, defaults applied.
	Method Method
	// Robust[e] is the share of images whose final points all stay
	// classified correctly at Eps[e] (SPEC §6's count).
	Robust []float64
	// RobustAny[e] is the share of images no iterate of which crossed.
	RobustAny []float64
	// Final[e][i] and Any[e][i] tell, for image i at Eps[e], whether a
	// final point, respectively any iterate, was classified ≠ y.
	Final, Any [][]bool
	// Dist[i], for the decision-based attack only, is the distance to
	// image i of the closest point classified ≠ y it found (0 for an
	// image misclassified already, +Inf if it found none). Nil for
	// gradient attacks.
	Dist []float64
}

// Result is the outcome of Robustness.
type Result struct {
	// Config is the configuration used, defaults applied.
	Config Config
	// Images lists the rows of the test set attacked, in increasing order.
	Images []int
	// Clean is the share of the attacked images predicted correctly.
	Clean float64
	// Robust[e] is the robust accuracy at Config.Eps[e]: the share of
	// images not Broken. It can only fall as ε grows.
	Robust []float64
	// Broken[e][i] tells whether image Images[i] is broken at Config.Eps[e]:
	// whether one of the attacks broke it (final point, or any iterate with
	// AnyIterate) at a radius ≤ Config.Eps[e]. An adversarial point found
	// at a smaller radius is one at every larger radius, so the strongest
	// of the configured attacks counts, per image.
	Broken [][]bool
	// RobustAny and BrokenAny are Robust and Broken with an image counted
	// broken when any iterate of any attack crossed, at a radius ≤ ε.
	RobustAny []float64
	BrokenAny [][]bool
	// Methods holds each attack's own outcome.
	Methods []MethodResult
	// Examples holds the kept examples, image-major: Examples[i*len(Eps)+e].
	Examples []Example
}

// Robustness measures the robust accuracy of m on N images of test chosen
// with s.Seed, at every radius of s.Eps, under every attack of s.Methods().
// A nil s means the defaults.
func Robustness(m Model, test *dataset.Set, s *Settings) (*Result, error) {
	if s == nil {
		s = &Settings{}
	}
	if err := s.Config.Validate(); err != nil {
		return nil, err
	}
	c := s.Config.Defaults()
	if err := checkSet(m, test); err != nil {
		return nil, err
	}
	methods := c.Methods()
	res := &Result{Config: c, Images: dataset.SampleIndex(test.Len(), c.Images, seed.PCG(c.Seed, seed.Attack, 0))}
	nImg, nEps, nMeth := len(res.Images), len(c.Eps), len(methods)
	res.Methods = make([]MethodResult, nMeth)
	for k, meth := range methods {
		mr := &res.Methods[k]
		mr.Method = meth
		mr.Final, mr.Any = boolGrid(nEps, nImg), boolGrid(nEps, nImg)
	}
	keep := min(max(s.Keep, 0), nImg)
	if keep > 0 {
		res.Examples = make([]Example, keep*nEps)
	}

	workers := s.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// Decision-based attacks do not depend on ε: one job per image finds
	// their closest adversarial point (jobs 0 … nImg−1 when there are
	// any), the other jobs are (image, ε) pairs for the gradient attacks.
	var decs []int
	for k, meth := range methods {
		if meth.Decision() {
			decs = append(decs, k)
			res.Methods[k].Dist = make([]float64, nImg)
		}
	}
	nDecJobs := 0
	var decAdv [][][]float64 // [k][i] for kept images
	if len(decs) > 0 {
		nDecJobs = nImg
		decAdv = make([][][]float64, nMeth)
		for _, k := range decs {
			decAdv[k] = make([][]float64, keep)
		}
	}
	total := nDecJobs + nImg*nEps
	workers = min(workers, total)
	var next atomic.Int64
	var mu sync.Mutex
	done := 0
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			as := make([]*Attacker, nMeth)
			for k, meth := range methods {
				as[k] = NewMethodAttacker(m, meth, c.AnyIterate, c.Seed)
				if meth.Decision() {
					as[k].setPool(test)
				}
			}
			dst := make([]float64, m.Dim())
			for {
				job := int(next.Add(1)) - 1
				if job >= total {
					return
				}
				if job < nDecJobs {
					i := job
					row := res.Images[i]
					x, y := test.Row(row, nil), test.Y[row]
					for _, k := range decs {
						a := as[k]
						a.Reseed(c.Seed, 1+uint64((row*nEps)*nMeth+k))
						d := 0.0
						copy(dst, x)
						if a.Predict(x) == y {
							d = a.decision(dst, x, y)
						}
						res.Methods[k].Dist[i] = d
						if i < keep {
							decAdv[k][i] = append([]float64(nil), dst...)
						}
					}
					if s.Progress != nil {
						mu.Lock()
						done++
						s.Progress(done, total)
						mu.Unlock()
					}
					continue
				}
				i, e := (job-nDecJobs)/nEps, (job-nDecJobs)%nEps
				row := res.Images[i]
				x, y := test.Row(row, nil), test.Y[row]
				var ex *Example
				if i < keep {
					ex = &res.Examples[i*nEps+e]
					*ex = Example{Index: row, Label: y, Eps: c.Eps[e], Original: append([]float64(nil), x...)}
				}
				for k, a := range as {
					if methods[k].Decision() {
						continue
					}
					// One stream per (image, radius, attack): the random
					// starts do not depend on the order of the jobs.
					a.Reseed(c.Seed, 1+uint64((row*nEps+e)*nMeth+k))
					o := a.Run(dst, x, y, c.Eps[e])
					res.Methods[k].Final[e][i], res.Methods[k].Any[e][i] = o.Final, o.Any
					if ex != nil && !ex.Broken {
						ex.Broken = o.Final
						ex.Pred = o.Pred
						ex.Adversarial = append(ex.Adversarial[:0], dst...)
					}
				}
				if s.Progress != nil {
					mu.Lock()
					done++
					s.Progress(done, total)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	for _, k := range decs {
		mr := &res.Methods[k]
		for e, eps := range c.Eps {
			for i, d := range mr.Dist {
				mr.Final[e][i] = d <= eps
				mr.Any[e][i] = mr.Final[e][i]
			}
		}
		for i := 0; i < keep; i++ {
			for e := range c.Eps {
				ex := &res.Examples[i*nEps+e]
				switch {
				case ex.Broken:
					continue
				case mr.Final[e][i]:
					ex.Broken = true
					ex.Adversarial = append(ex.Adversarial[:0], decAdv[k][i]...)
				case ex.Adversarial == nil:
					// No gradient attack: show the point of the segment
					// towards the closest adversarial point at distance ε.
					ex.Adversarial = append(ex.Adversarial[:0], decAdv[k][i]...)
					if d := mr.Dist[i]; math.IsInf(d, 1) {
						copy(ex.Adversarial, ex.Original)
					} else {
						blend(ex.Adversarial, ex.Original, ex.Adversarial, ex.Eps/d)
					}
				default:
					continue
				}
				ex.Pred = predict(m.NewWorker().Forward(ex.Adversarial))
			}
		}
	}
	for k := range res.Methods {
		mr := &res.Methods[k]
		mr.Robust, mr.RobustAny = shareNot(mr.Final), shareNot(mr.Any)
	}
	res.Broken, res.BrokenAny = boolGrid(nEps, nImg), boolGrid(nEps, nImg)
	for e := range c.Eps {
		for i := range res.Images {
			for e2, eps2 := range c.Eps {
				if eps2 > c.Eps[e] {
					continue
				}
				for _, mr := range res.Methods {
					b := mr.Final[e2][i]
					if c.AnyIterate {
						b = mr.Any[e2][i]
					}
					res.Broken[e][i] = res.Broken[e][i] || b
					res.BrokenAny[e][i] = res.BrokenAny[e][i] || mr.Any[e2][i]
				}
			}
		}
	}
	res.Robust, res.RobustAny = shareNot(res.Broken), shareNot(res.BrokenAny)
	wk := m.NewWorker()
	nClean := 0
	xbuf := make([]float64, test.Dim)
	for _, row := range res.Images {
		if predict(wk.Forward(test.Row(row, xbuf))) == test.Y[row] {
			nClean++
		}
	}
	res.Clean = float64(nClean) / float64(nImg)
	return res, nil
}

// checkSet reports a test set the model cannot be attacked on.
func checkSet(m Model, test *dataset.Set) error {
	if test.Dim != m.Dim() {
		return fmt.Errorf("attack: data set %q has dimension %d, the model expects %d", test.Name, test.Dim, m.Dim())
	}
	if test.Labels > m.Labels() {
		return fmt.Errorf("attack: data set %q has %d labels, the model has %d", test.Name, test.Labels, m.Labels())
	}
	if test.Len() == 0 {
		return fmt.Errorf("attack: data set %q is empty", test.Name)
	}
	for i, v := range test.X { // a byte set (Pix) is in [0, 1] by construction
		if !(v >= 0 && v <= 1) {
			return fmt.Errorf("attack: data set %q: row %d has a value %v outside [0, 1]", test.Name, i/test.Dim, v)
		}
	}
	return nil
}

func boolGrid(rows, cols int) [][]bool {
	g := make([][]bool, rows)
	for r := range g {
		g[r] = make([]bool, cols)
	}
	return g
}

// shareNot returns, per row, the share of false entries.
func shareNot(g [][]bool) []float64 {
	v := make([]float64, len(g))
	for r, row := range g {
		n := 0
		for _, b := range row {
			if !b {
				n++
			}
		}
		v[r] = float64(n) / float64(len(row))
	}
	return v
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
