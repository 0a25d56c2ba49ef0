package attack

import (
	"errors"
	"fmt"
	"math"
	"runtime"
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

// Config configures the attack and the robust-accuracy measurement. The
// zero value is the paper's setting.
type Config struct {
	// Eps lists the radii ε. If Eps is empty, DefaultEps is used.
	Eps []float64 `toml:"eps" json:"eps"`
	// Steps is the number of gradient steps S. If Steps is 0, 50 is used.
	Steps int `toml:"steps" json:"steps"`
	// StepFactor sets the step size α = StepFactor·ε/S. If StepFactor is 0, 2.5 is used.
	StepFactor float64 `toml:"step_factor" json:"step_factor"`
	// Images is the number N of test images attacked. If Images is 0, 100 is used.
	Images int `toml:"images" json:"images"`
	// Seed chooses the images (stream seed.Attack).
	Seed uint64 `toml:"seed" json:"seed"`
	// AnyIterate counts an image as broken as soon as an iterate is
	// misclassified, and stops that attack there (see the package doc).
	// The default uses the final point, as the paper does.
	AnyIterate bool `toml:"any_iterate" json:"any_iterate"`
	// Normalize steps along the unit gradient, α·∇/‖∇‖₂ (the usual L2
	// projected gradient), instead of the raw gradient of SPEC §6. The raw
	// step scales with the logits, so a network whose logits are small
	// takes small steps; the normalised step does not depend on that scale.
	Normalize bool `toml:"normalize" json:"normalize"`
	// Loss is the attacked loss: CrossEntropy, the cross-entropy of the
	// logits (SPEC §6), or DoubleSoftmax, the cross-entropy taken on the
	// probabilities as in the public reference (SPEC §3's note), whose
	// gradient vanishes when the network is confident. If Loss is "",
	// CrossEntropy is used.
	Loss Loss `toml:"loss" json:"loss"`
}

// Loss names the loss the attack descends.
type Loss string

const (
	// CrossEntropy is −log softmax(z)_y'.
	CrossEntropy Loss = "ce"
	// DoubleSoftmax is −log softmax(softmax(z))_y', the reference's loss.
	DoubleSoftmax Loss = "double-softmax"
)

// Defaults returns a copy of c with every zero field replaced by its default.
func (c Config) Defaults() Config {
	if len(c.Eps) == 0 {
		c.Eps = DefaultEps()
	} else {
		c.Eps = append([]float64(nil), c.Eps...)
	}
	if c.Steps == 0 {
		c.Steps = 50
	}
	if c.StepFactor == 0 {
		c.StepFactor = 2.5
	}
	if c.Images == 0 {
		c.Images = 100
	}
	if c.Loss == "" {
		c.Loss = CrossEntropy
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
	if c.Steps < 1 {
		errs = append(errs, fmt.Errorf("steps must be positive, got %d", c.Steps))
	}
	if !(c.StepFactor > 0) || math.IsInf(c.StepFactor, 0) {
		errs = append(errs, fmt.Errorf("step_factor must be positive and finite, got %v", c.StepFactor))
	}
	if c.Images < 1 {
		errs = append(errs, fmt.Errorf("images must be positive, got %d", c.Images))
	}
	if c.Loss != CrossEntropy && c.Loss != DoubleSoftmax {
		errs = append(errs, fmt.Errorf("loss must be %q or %q, got %q", CrossEntropy, DoubleSoftmax, c.Loss))
	}
	if len(errs) > 0 {
		return fmt.Errorf("attack: invalid config: %w", errors.Join(errs...))
	}
	return nil
}

// Attacker runs targeted attacks with one Worker; it is not safe for
// concurrent use. Robustness runs one Attacker per goroutine.
type Attacker struct {
	w          Worker
	steps      int
	stepFactor float64
	anyIterate bool
	normalize  bool
	loss       Loss
	grad       []float64
	dz, q      []float64
}

// NewAttacker returns an attacker of m with the attack settings of c
// (Steps, StepFactor, AnyIterate; defaults applied).
func NewAttacker(m Model, c Config) *Attacker {
	c = c.Defaults()
	return &Attacker{w: m.NewWorker(), steps: c.Steps, stepFactor: c.StepFactor, anyIterate: c.AnyIterate, normalize: c.Normalize,
		loss: c.Loss, grad: make([]float64, m.Dim()), dz: make([]float64, m.Labels()), q: make([]float64, m.Labels())}
}

// Predict returns the label the model predicts for x.
func (a *Attacker) Predict(x []float64) int { return predict(a.w.Forward(x)) }

// Grad writes to dx the gradient with respect to x of the attacked loss
// towards target and returns the label predicted for x.
func (a *Attacker) Grad(dx, x []float64, target int) int {
	z := a.w.Forward(x)
	pred := predict(z)
	plasticity.LossGrad(a.dz, z, target, plasticity.CrossEntropy, 1) // softmax(z) − e_target
	if a.loss == DoubleSoftmax {
		// L = CE(softmax(p), target) with p = softmax(z): with
		// g = softmax(p) − e_target, ∂L/∂z_c = p_c (g_c − Σ_j p_j g_j).
		p := a.q
		for c := range p {
			p[c] = a.dz[c]
		}
		p[target]++
		plasticity.LossGrad(a.dz, p, target, plasticity.CrossEntropy, 1)
		var s float64
		for c, g := range a.dz {
			s += p[c] * g
		}
		for c, g := range a.dz {
			a.dz[c] = p[c] * (g - s)
		}
	}
	a.w.Backward(dx, a.dz)
	return pred
}

// Targeted runs the attack of radius eps on x towards target, writes the
// final point to dst and returns its predicted label. With AnyIterate it
// stops at the first iterate predicted ≠ y (y is used for nothing else).
// x must lie in [0,1]^d; dst and x must not overlap.
func (a *Attacker) Targeted(dst, x []float64, y, target int, eps float64) int {
	if len(dst) != len(x) || len(x) != len(a.grad) {
		panic("attack: Targeted: wrong length")
	}
	copy(dst, x)
	if eps == 0 {
		return a.Predict(dst)
	}
	alpha := a.stepFactor * eps / float64(a.steps)
	for t := 0; t < a.steps; t++ {
		pred := a.Grad(a.grad, dst, target)
		if a.anyIterate && pred != y {
			return pred
		}
		step := alpha
		if a.normalize {
			if norm := floats.Norm(a.grad, 2); norm > 0 {
				step /= norm
			}
		}
		floats.AddScaled(dst, -step, a.grad)
		Project(dst, x, eps)
	}
	return a.Predict(dst)
}

// Attack runs the targeted attacks of radius eps on (x, y), towards every
// label ≠ y in increasing order, until one ends predicted ≠ y. It returns
// whether the image is broken and the prediction of the point left in dst:
// the final point of the breaking attack, or of the last one if none broke
// it. An image already predicted ≠ y is broken with dst = x.
func (a *Attacker) Attack(dst, x []float64, y int, eps float64) (broken bool, pred int) {
	copy(dst, x)
	if pred = a.Predict(x); pred != y || eps == 0 {
		return pred != y, pred
	}
	for target := 0; target < len(a.dz); target++ {
		if target == y {
			continue
		}
		pred = a.Targeted(dst, x, y, target, eps)
		if pred != y {
			return true, pred
		}
	}
	return false, pred
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
	// Broken tells whether the image was broken at Eps.
	Broken bool
	// Pred is the prediction of Adversarial.
	Pred int
	// Original is the test image.
	Original []float64
	// Adversarial is the point left by Attacker.Attack.
	Adversarial []float64
}

// Result is the outcome of Robustness.
type Result struct {
	// Config is the configuration used, defaults applied.
	Config Config
	// Images lists the rows of the test set attacked, in increasing order.
	Images []int
	// Clean is the share of the attacked images predicted correctly.
	Clean float64
	// Robust[e] is the robust accuracy at Config.Eps[e].
	Robust []float64
	// Broken[e][i] tells whether image Images[i] is broken at Config.Eps[e].
	Broken [][]bool
	// Examples holds the kept examples, image-major: Examples[i*len(Eps)+e].
	Examples []Example
}

// Robustness measures the robust accuracy of m on N images of test chosen
// with s.Seed, at every radius of s.Eps. A nil s means the defaults.
func Robustness(m Model, test *dataset.Set, s *Settings) (*Result, error) {
	if s == nil {
		s = &Settings{}
	}
	if err := s.Config.Validate(); err != nil {
		return nil, err
	}
	c := s.Config.Defaults()
	if test.Dim != m.Dim() {
		return nil, fmt.Errorf("attack: data set %q has dimension %d, the model expects %d", test.Name, test.Dim, m.Dim())
	}
	if test.Labels > m.Labels() {
		return nil, fmt.Errorf("attack: data set %q has %d labels, the model has %d", test.Name, test.Labels, m.Labels())
	}
	if test.Len() == 0 {
		return nil, fmt.Errorf("attack: data set %q is empty", test.Name)
	}
	for i, v := range test.X {
		if !(v >= 0 && v <= 1) {
			return nil, fmt.Errorf("attack: data set %q: row %d has a value %v outside [0, 1]", test.Name, i/test.Dim, v)
		}
	}
	res := &Result{Config: c, Images: dataset.SampleIndex(test.Len(), c.Images, seed.PCG(c.Seed, seed.Attack, 0))}
	nImg, nEps := len(res.Images), len(c.Eps)
	res.Robust = make([]float64, nEps)
	res.Broken = make([][]bool, nEps)
	for e := range res.Broken {
		res.Broken[e] = make([]bool, nImg)
	}
	keep := min(max(s.Keep, 0), nImg)
	if keep > 0 {
		res.Examples = make([]Example, keep*nEps)
	}

	workers := s.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	total := nImg * nEps
	workers = min(workers, total)
	var next atomic.Int64
	var mu sync.Mutex
	done := 0
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := NewAttacker(m, c)
			dst := make([]float64, m.Dim())
			for {
				job := int(next.Add(1)) - 1
				if job >= total {
					return
				}
				i, e := job/nEps, job%nEps
				row := res.Images[i]
				x, y := test.Row(row), test.Y[row]
				broken, pred := a.Attack(dst, x, y, c.Eps[e])
				res.Broken[e][i] = broken
				if i < keep {
					res.Examples[i*nEps+e] = Example{Index: row, Label: y, Eps: c.Eps[e], Broken: broken, Pred: pred,
						Original: append([]float64(nil), x...), Adversarial: append([]float64(nil), dst...)}
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
	for e := range res.Robust {
		n := 0
		for _, b := range res.Broken[e] {
			if !b {
				n++
			}
		}
		res.Robust[e] = float64(n) / float64(nImg)
	}
	wk := NewAttacker(m, c)
	nClean := 0
	for _, row := range res.Images {
		if wk.Predict(test.Row(row)) == test.Y[row] {
			nClean++
		}
	}
	res.Clean = float64(nClean) / float64(nImg)
	return res, nil
}
