package experiments

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/evolve-toolkit/evolve/curvature"
	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/plasticity"
)

// CurvatureConfig configures MeasureCurvature. The zero value works.
type CurvatureConfig struct {
	// Lanczos is the largest Krylov dimension. If Lanczos is 0, 30 is used.
	Lanczos int `toml:"lanczos" json:"lanczos"`
	// Ritz is the number of Ritz values kept at each end of the spectrum.
	// If Ritz is 0, 5 is used.
	Ritz int `toml:"ritz" json:"ritz"`
	// Tol is Lanczos's relative residual tolerance. If Tol is 0, 1e-4 is used.
	Tol float64 `toml:"tol" json:"tol"`
	// Probes is the number of Hutchinson probes for the trace. If Probes
	// is 0, 30 is used; a negative value skips the trace.
	Probes int `toml:"probes" json:"probes"`
	// Seed seeds the Lanczos start and the probes (their own streams).
	Seed uint64 `toml:"seed" json:"seed"`
}

// Defaults returns c with every zero field replaced by its default.
func (c CurvatureConfig) Defaults() CurvatureConfig {
	if c.Lanczos == 0 {
		c.Lanczos = 30
	}
	if c.Ritz == 0 {
		c.Ritz = 5
	}
	if c.Tol == 0 {
		c.Tol = 1e-4
	}
	if c.Probes == 0 {
		c.Probes = 30
	}
	return c
}

// Validate reports the problems of a configuration after defaults.
func (c CurvatureConfig) Validate() error {
	c = c.Defaults()
	var errs []error
	if c.Lanczos < 2 {
		errs = append(errs, fmt.Errorf("lanczos must be at least 2, got %d", c.Lanczos))
	}
	if c.Ritz < 1 {
		errs = append(errs, fmt.Errorf("ritz must be positive, got %d", c.Ritz))
	}
	if !(c.Tol > 0) || c.Tol >= 1 {
		errs = append(errs, fmt.Errorf("tol must be in (0, 1), got %v", c.Tol))
	}
	if c.Probes == 1 {
		errs = append(errs, errors.New("probes must be at least 2 for a standard error (or negative for no trace)"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("curvature: %w", errors.Join(errs...))
	}
	return nil
}

// Curvature is the outcome of MeasureCurvature.
type Curvature struct {
	// Params is the dimension of the operator.
	Params int `json:"params"`
	// Top holds the largest Ritz values, largest first; Bottom the
	// smallest, smallest first.
	Top    []float64 `json:"top"`
	Bottom []float64 `json:"bottom"`
	// TopResiduals and BottomResiduals are ‖Hu − θu‖ of each Ritz pair.
	TopResiduals    []float64 `json:"top_residuals"`
	BottomResiduals []float64 `json:"bottom_residuals"`
	// Iterations is the Krylov dimension reached; Converged whether every
	// wanted Ritz pair met the tolerance.
	Iterations int  `json:"iterations"`
	Converged  bool `json:"converged"`
	// Trace and TraceSE are Hutchinson's estimate and its standard error
	// (NaN when skipped); Probes is the number of probes.
	Trace   float64 `json:"trace"`
	TraceSE float64 `json:"trace_se"`
	Probes  int     `json:"probes"`
	// Products counts Hessian–vector products; Seconds is the wall time.
	Products int     `json:"products"`
	Seconds  float64 `json:"seconds"`
}

// LambdaTop returns the largest eigenvalue found.
func (c *Curvature) LambdaTop() float64 { return c.Top[0] }

// LambdaMin returns the smallest eigenvalue found.
func (c *Curvature) LambdaMin() float64 { return c.Bottom[0] }

// curvStream is the purpose of the measurement streams (beyond
// internal/seed's constants; the one plasticity/credit uses).
const curvStream uint64 = 0x6375727600 // "curv"

// counting counts Hessian–vector products and reports progress.
type counting struct {
	curvature.Operator
	n        int
	progress func(done int)
}

func (c *counting) HessVec(dst, v []float64) {
	c.Operator.HessVec(dst, v)
	c.n++
	if c.progress != nil {
		c.progress(c.n)
	}
}

// MeasureCurvature returns the extreme eigenvalues of the symmetric
// operator h (Lanczos with full re-orthogonalisation) and its trace
// (Hutchinson), each from its own stream of cfg.Seed. progress, if not
// nil, is called after every Hessian–vector product with the number done
// and the most that will be done.
func MeasureCurvature(h curvature.Operator, cfg CurvatureConfig, progress func(done, total int)) (*Curvature, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.Defaults()
	t0 := time.Now()
	total := min(cfg.Lanczos, h.Len()) + max(cfg.Probes, 0)
	op := &counting{Operator: h}
	if progress != nil {
		op.progress = func(d int) { progress(d, total) }
	}
	sp, err := curvature.Lanczos(op, &curvature.LanczosSettings{MaxIter: cfg.Lanczos, K: cfg.Ritz, Tol: cfg.Tol},
		rand.NewPCG(cfg.Seed, seed.Stream(curvStream, 0)))
	if err != nil {
		return nil, err
	}
	c := &Curvature{Params: h.Len(), Top: sp.Top, Bottom: sp.Bottom, TopResiduals: sp.TopResiduals, BottomResiduals: sp.BottomResiduals,
		Iterations: sp.Iterations, Converged: sp.Converged, Trace: math.NaN(), TraceSE: math.NaN()}
	if cfg.Probes > 0 {
		if progress != nil {
			base := op.n
			total = base + cfg.Probes
			op.progress = func(d int) { progress(d, total) }
		}
		tr, err := curvature.Hutchinson(op, &curvature.HutchinsonSettings{Samples: cfg.Probes}, rand.NewPCG(cfg.Seed, seed.Stream(curvStream, 1)))
		if err != nil {
			return nil, err
		}
		c.Trace, c.TraceSE, c.Probes = tr.Estimate, tr.StdErr, tr.Samples
	}
	c.Products = op.n
	c.Seconds = time.Since(t0).Seconds()
	return c, nil
}

// Weight blocks of a network's classification loss.
const (
	BlockAll    = "all"    // output and graph weights (U, W)
	BlockOutput = "output" // U only
	BlockGraph  = "graph"  // W only
)

// NetworkHessian returns the Hessian of the mean classification loss of
// net on the examples of set (cap masks fixed at the network's weights)
// with respect to the weight block ("all", "output" or "graph"), split
// over parts goroutines (plasticity.SplitClassLoss; 0 means 8).
func NetworkHessian(net *plasticity.Network, set *dataset.Set, loss plasticity.Loss, block string, parts int) (curvature.Operator, error) {
	l, err := networkLoss(net, set, loss, parts)
	if err != nil {
		return nil, err
	}
	return lossBlock(net, curvature.At(l, l.Params()), block)
}

// CalibratedHessian is NetworkHessian at the network with its output
// weights U multiplied by the scale c that minimises the loss on set
// (CalibratedScale): the network's predictions, which do not depend on
// the scale of U, with its logits at the temperature that fits the
// measured examples best. Curvature there compares learners that end
// with logits of different sizes (see plasticity-curvature). It returns
// c and the loss at cU; with c = +Inf (the examples separated) the
// operator is nil.
func CalibratedHessian(net *plasticity.Network, set *dataset.Set, loss plasticity.Loss, block string, parts int) (h curvature.Operator, c, lc float64, err error) {
	l, err := networkLoss(net, set, loss, parts)
	if err != nil {
		return nil, 0, 0, err
	}
	theta := l.Params()
	c, lc = CalibratedScale(l, theta, len(net.U))
	if math.IsInf(c, 1) {
		return nil, c, lc, nil
	}
	h, err = scaledHessian(net, l, theta, block, c)
	return h, c, lc, err
}

// scaledHessian is the Hessian of l at θ with its U part multiplied by c,
// restricted to block; θ is changed.
func scaledHessian(net *plasticity.Network, l *plasticity.SplitClassLoss, theta []float64, block string, c float64) (curvature.Operator, error) {
	for i := range net.U {
		theta[i] *= c
	}
	return lossBlock(net, curvature.At(l, theta), block)
}

// CalibratedScale returns the c > 0 that minimises L(θ with its first nU
// entries multiplied by c) and the loss there; l.Grad(dst, θ) sets dst to
// the gradient and returns the loss. For a network's classification loss
// with θ = (U, W) the hidden state does not depend on U, so the loss along
// the ray is a convex function of c (log-sum-exp of logits linear in c)
// and its derivative ⟨∇_U L(cU), U⟩ does not decrease: c is bracketed by
// factors of 4 from c = 1 and found by bisection of the derivative's sign
// in log c, to a relative width of 1e-9. It returns +Inf (and the loss at
// the last c tried) if the derivative is still not positive at c = 1e12
// (the examples are separated: the loss falls towards 0 as the logits
// grow),
// and 0 if it is still positive at c = 1e-12.
func CalibratedScale(l interface {
	Grad(dst, theta []float64) float64
}, theta []float64, nU int) (c, loss float64) {
	g := make([]float64, len(theta))
	th := make([]float64, len(theta))
	eval := func(c float64) (d, loss float64) {
		copy(th, theta)
		for i := range nU {
			th[i] *= c
		}
		loss = l.Grad(g, th)
		for i, u := range theta[:nU] {
			d += g[i] * u
		}
		return d, loss
	}
	lo, hi := 1.0, 1.0
	d, loss := eval(1)
	switch {
	case d < 0:
		// A derivative that underflows to 0 as c grows is the loss of
		// separated examples flattening out, not a minimum.
		for !(d > 0) {
			if lo = hi; hi >= 1e12 {
				return math.Inf(1), loss
			}
			hi *= 4
			d, loss = eval(hi)
		}
	case d > 0:
		for d > 0 {
			if hi = lo; lo <= 1e-12 {
				return 0, loss
			}
			lo /= 4
			d, loss = eval(lo)
		}
	default:
		return 1, loss
	}
	// d(lo) ≤ 0 ≤ d(hi)
	for hi > lo*(1+1e-9) {
		mid := math.Sqrt(lo * hi)
		d, _ := eval(mid)
		switch {
		case d < 0:
			lo = mid
		case d > 0:
			hi = mid
		default:
			lo, hi = mid, mid
		}
	}
	c = math.Sqrt(lo * hi)
	_, loss = eval(c)
	return c, loss
}

// networkLoss is the split classification loss of net on set.
func networkLoss(net *plasticity.Network, set *dataset.Set, loss plasticity.Loss, parts int) (*plasticity.SplitClassLoss, error) {
	if set.Len() == 0 {
		return nil, fmt.Errorf("curvature: data set %q is empty", set.Name)
	}
	nc := net.Config()
	if set.Dim != nc.Inputs || set.Labels > nc.Labels {
		return nil, fmt.Errorf("curvature: the network has %d inputs and %d labels, data set %s has %d and %d", nc.Inputs, nc.Labels, set.Name, set.Dim, set.Labels)
	}
	return plasticity.NewSplitClassLoss(net, set.Rows(), set.Y, loss, parts), nil
}

// lossBlock restricts the Hessian h of net's loss in (U, W) to a block.
func lossBlock(net *plasticity.Network, h curvature.Operator, block string) (curvature.Operator, error) {
	nU, nW := len(net.U), len(net.W)
	switch block {
	case BlockAll, "":
		return h, nil
	case BlockOutput:
		return curvature.Block(h, curvature.Range(0, nU)), nil
	case BlockGraph:
		if nW == 0 {
			return nil, fmt.Errorf("curvature: block %q: the network has no graph weights (T = %d)", block, net.Config().Rounds)
		}
		return curvature.Block(h, curvature.Range(nU, nU+nW)), nil
	}
	return nil, fmt.Errorf("curvature: block must be %q, %q or %q, got %q", BlockAll, BlockOutput, BlockGraph, block)
}
