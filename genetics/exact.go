package genetics

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/evolve-toolkit/evolve/internal/fault"
	"github.com/evolve-toolkit/evolve/internal/seed"
)

// Method is the way the expectations of the exact map are evaluated.
type Method int

const (
	// Auto chooses the method (settings only).
	Auto Method = iota
	// Binomial: one coefficient whose loci share a frequency; the number
	// of + alleles is binomial. Exact.
	Binomial
	// PoissonBinomial: one coefficient with loci of different
	// frequencies; the number of + alleles is Poisson-binomial. Exact.
	PoissonBinomial
	// Enumeration: the joint support (the counts of + alleles of every
	// coefficient, or every genotype with shared loci) is enumerated.
	// Exact.
	Enumeration
	// MonteCarlo: conditional expectations are estimated from seeded
	// samples with common random numbers. Approximate.
	MonteCarlo
)

// String returns the name of the method.
func (m Method) String() string {
	switch m {
	case Auto:
		return "auto"
	case Binomial:
		return "binomial"
	case PoissonBinomial:
		return "poisson-binomial"
	case Enumeration:
		return "enumeration"
	case MonteCarlo:
		return "monte-carlo"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// ExactSettings tunes the evaluation of exact expectations. A nil
// *ExactSettings means the defaults.
type ExactSettings struct {
	// Method is Auto (the default), Enumeration or MonteCarlo. Auto uses
	// exact evaluation (Binomial, PoissonBinomial or Enumeration) when the
	// joint support has at most MaxEnumerate points and MonteCarlo
	// otherwise. Enumeration fails if the support exceeds MaxEnumerate.
	Method Method
	// MaxEnumerate is the largest joint support enumerated. If it is 0,
	// 1<<20 is used.
	MaxEnumerate int
	// Samples is the number of Monte Carlo samples. If it is 0, 1024 is
	// used.
	Samples int
	// Seed seeds the Monte Carlo samples (stream seed.Genetics, 0). Every
	// call uses the same samples (common random numbers across calls).
	// The default is 0.
	Seed uint64
	// Workers is the number of goroutines that evaluate the losses of a
	// Monte Carlo estimate (samples × P × (n + 1) of them). The loss must
	// then be safe for concurrent use, as for a Population. Results do
	// not depend on Workers: the samples are drawn first, and the losses
	// summed in a fixed order. If Workers is 0, 1 is used.
	Workers int
}

// Validate reports whether s is usable.
func (s *ExactSettings) Validate() error {
	if s == nil {
		return nil
	}
	if s.Method != Auto && s.Method != Enumeration && s.Method != MonteCarlo {
		return fmt.Errorf("genetics: exact settings: method %v cannot be requested (use auto, enumeration or monte-carlo)", s.Method)
	}
	if s.MaxEnumerate < 0 || s.Samples < 0 || s.Workers < 0 {
		return fmt.Errorf("genetics: exact settings: MaxEnumerate=%d, Samples=%d and Workers=%d must be ≥ 0", s.MaxEnumerate, s.Samples, s.Workers)
	}
	return nil
}

// ExactResult reports how one evaluation was done and the population means.
type ExactResult struct {
	// Method is the evaluation method used.
	Method Method
	// Evaluations is the number of loss evaluations.
	Evaluations int
	// Samples is the number of Monte Carlo samples (0 unless MonteCarlo).
	Samples int
	// MeanLoss is L̃ = E_x[L(Y)].
	MeanLoss float64
	// MeanFitness is W̄ = E_x[w(Y)] (1 where fitness is not needed).
	MeanFitness float64
}

// Dynamics evaluates the deterministic one-generation maps and increments
// for one encoding, loss and fitness. Its workspaces are reused: a Dynamics
// does not allocate per call, and is not safe for concurrent use.
type Dynamics struct {
	enc  Encoding
	loss Loss
	grad func(dst, y []float64)
	fit  Fitness

	method  Method
	maxEnum int
	samples int
	seed    uint64
	workers int
	mcK     []int     // Monte Carlo: the counts of every sample, sample after sample
	mcL     []float64 // and the losses (fitnesses) of every (sample, p, j)
	mcF     []float64

	P, n, M int
	eps     float64
	off     []float64
	cols    []float64 // B column-major: cols[i*P+p] = B[p][i]; nil for disjoint loci

	pmf, cdf [][]float64 // per coefficient, length n+1
	hl, hf   [][]float64 // E[L | K_p = j], E[F | K_p = j]
	shared   []bool
	loo      []float64
	k        []int
	y, y2    []float64
	gy       []float64
	dl, df   []float64 // per locus: ∂E[L]/∂x_i, ∂E[F]/∂x_i
	pre, suf []float64
	bit      []bool
	evals    int
	pcg      *rand.PCG
	rng      *rand.Rand
}

// NewDynamics returns a Dynamics for enc, loss and fit. s may be nil for the
// default settings. It returns an error if enc, fit or s is invalid and
// panics if enc or loss is nil or the loss's dimension is not P.
func NewDynamics(enc *Encoding, loss Loss, fit Fitness, s *ExactSettings) (*Dynamics, error) {
	if enc == nil || loss == nil {
		panic("genetics: nil encoding or loss")
	}
	if err := enc.Validate(); err != nil {
		return nil, err
	}
	if err := fit.Validate(); err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	P := enc.Coefficients()
	if loss.Dim() != P {
		panic(fmt.Sprintf("genetics: loss of dimension %d for P=%d coefficients", loss.Dim(), P))
	}
	d := &Dynamics{
		enc: *enc, loss: loss, grad: gradientOf(loss), fit: fit,
		maxEnum: 1 << 20, samples: 1024,
		P: P, n: enc.LociPer(), M: enc.Loci(), eps: enc.Epsilon(),
	}
	if s != nil {
		d.method, d.seed = s.Method, s.Seed
		if s.MaxEnumerate > 0 {
			d.maxEnum = s.MaxEnumerate
		}
		if s.Samples > 0 {
			d.samples = s.Samples
		}
		d.workers = s.Workers
	}
	d.off = make([]float64, P)
	for p := range P {
		d.off[p] = enc.offset(p)
	}
	if enc.B != nil {
		d.cols = make([]float64, d.M*P)
		for i := range d.M {
			for p := range P {
				d.cols[i*P+p] = enc.B.At(p, i)
			}
		}
		d.pre = make([]float64, d.M+1)
		d.suf = make([]float64, d.M+1)
		d.bit = make([]bool, d.M)
	} else {
		alloc := func() [][]float64 {
			m := make([][]float64, P)
			for p := range m {
				m[p] = make([]float64, d.n+1)
			}
			return m
		}
		d.pmf, d.cdf, d.hl, d.hf = alloc(), alloc(), alloc(), alloc()
		d.shared = make([]bool, P)
		d.loo = make([]float64, d.n+1)
		d.k = make([]int, P)
	}
	d.y = make([]float64, P)
	d.y2 = make([]float64, P)
	d.gy = make([]float64, P)
	d.dl = make([]float64, d.M)
	d.df = make([]float64, d.M)
	d.pcg = rand.NewPCG(0, 0)
	d.rng = rand.New(d.pcg)
	return d, nil
}

// SetFitness changes the fitness function, e.g. to scan θ with the same
// workspaces.
func (d *Dynamics) SetFitness(fit Fitness) error {
	if err := fit.Validate(); err != nil {
		return err
	}
	d.fit = fit
	return nil
}

// Fitness returns the fitness function of d.
func (d *Dynamics) Fitness() Fitness { return d.fit }

// Encoding returns the encoding of d.
func (d *Dynamics) Encoding() *Encoding { return &d.enc }

// eval evaluates L and, if withFit, F = w − 1 at y.
func (d *Dynamics) eval(y []float64, withFit bool) (l, f float64, err error) {
	d.evals++
	l = d.loss.Loss(y)
	if math.IsNaN(l) {
		return l, 0, fmt.Errorf("genetics: loss is NaN at Y=%g", y)
	}
	if withFit {
		f, err = d.fit.f(l, y)
	}
	return l, f, err
}

func (d *Dynamics) checkX(x []float64) {
	if len(x) != d.M {
		panic(fmt.Sprintf("genetics: %d frequencies for %d loci", len(x), d.M))
	}
}

// condDiff computes, for every locus i, dl[i] = E[L | g_i=+ε] − E[L | g_i=−ε]
// and, if withFit, df[i] likewise for F, and returns E[L] and E[F].
func (d *Dynamics) condDiff(x []float64, withFit bool) (meanL, meanF float64, res ExactResult, err error) {
	d.checkX(x)
	for i, xi := range x {
		if !(xi >= 0 && xi <= 1) {
			return 0, 0, res, fmt.Errorf("genetics: frequency x[%d]=%g is not in [0, 1]", i, xi)
		}
	}
	d.evals = 0
	if d.cols != nil {
		meanL, meanF, res, err = d.condDiffShared(x, withFit)
	} else {
		meanL, meanF, res, err = d.condDiffDisjoint(x, withFit)
	}
	if fault.CondDiffScale != 0 {
		for i := range d.dl {
			d.dl[i] *= 1 + fault.CondDiffScale
			d.df[i] *= 1 + fault.CondDiffScale
		}
	}
	res.Evaluations = d.evals
	res.MeanLoss = meanL
	res.MeanFitness = 1
	if withFit {
		res.MeanFitness = 1 + meanF
	}
	return meanL, meanF, res, err
}

// supportSize returns Π (n+1) over the coefficients, saturating above max.
func supportSize(P, n, max int) int {
	s := 1
	for range P {
		if s > max/(n+1) {
			return max + 1
		}
		s *= n + 1
	}
	return s
}

func (d *Dynamics) condDiffDisjoint(x []float64, withFit bool) (meanL, meanF float64, res ExactResult, err error) {
	P, n, eps := d.P, d.n, d.eps
	allShared := true
	for p := range P {
		xs := x[p*n : (p+1)*n]
		d.shared[p] = allEqual(xs)
		if d.shared[p] {
			binomialPMF(d.pmf[p], n, xs[0])
		} else {
			allShared = false
			poissonBinomialPMF(d.pmf[p], xs)
		}
		clear(d.hl[p])
		clear(d.hf[p])
	}
	size := supportSize(P, n, d.maxEnum)
	switch {
	case d.method == MonteCarlo || (d.method == Auto && size > d.maxEnum):
		res.Method, res.Samples = MonteCarlo, d.samples
		err = d.monteCarloDisjoint(withFit)
	case size > d.maxEnum:
		return 0, 0, res, fmt.Errorf("genetics: enumeration of %d coefficients of %d loci exceeds MaxEnumerate=%d", P, n, d.maxEnum)
	case P == 1:
		res.Method = PoissonBinomial
		if allShared {
			res.Method = Binomial
		}
		for j := 0; j <= n; j++ {
			d.y[0] = d.off[0] + eps*float64(2*j-n)
			l, f, e := d.eval(d.y, withFit)
			if e != nil {
				return 0, 0, res, e
			}
			d.hl[0][j], d.hf[0][j] = l, f
		}
	default:
		res.Method = Enumeration
		err = d.enumerateDisjoint(withFit)
	}
	if err != nil {
		return 0, 0, res, err
	}
	for j, pj := range d.pmf[0] {
		meanL += pj * d.hl[0][j]
		meanF += pj * d.hf[0][j]
	}
	// Per locus: D_i = Σ_k PB_{−i}(k) (H(k+1) − H(k)).
	for p := range P {
		hl, hf := d.hl[p], d.hf[p]
		xs := x[p*n : (p+1)*n]
		for l, xi := range xs {
			i := p*n + l
			if l > 0 && xi == xs[l-1] {
				d.dl[i], d.df[i] = d.dl[i-1], d.df[i-1]
				continue
			}
			if d.shared[p] {
				binomialPMF(d.loo, n-1, xi)
			} else {
				deconvolve(d.loo, d.pmf[p], xi)
			}
			var sl, sf float64
			for k, q := range d.loo[:n] {
				sl += q * (hl[k+1] - hl[k])
				sf += q * (hf[k+1] - hf[k])
			}
			d.dl[i], d.df[i] = sl, sf
		}
	}
	return meanL, meanF, res, nil
}

// enumerateDisjoint fills hl, hf by enumerating the grid of counts.
func (d *Dynamics) enumerateDisjoint(withFit bool) error {
	P, n, eps := d.P, d.n, d.eps
	k := d.k
	clear(k)
	for {
		zeros := 0
		for p := range P {
			d.y[p] = d.off[p] + eps*float64(2*k[p]-n)
			if d.pmf[p][k[p]] == 0 {
				zeros++
			}
		}
		if zeros < 2 { // otherwise the point has no weight in any E[· | K_p]
			l, f, err := d.eval(d.y, withFit)
			if err != nil {
				return err
			}
			for p := range P {
				w := 1.0
				for q := range P {
					if q != p {
						w *= d.pmf[q][k[q]]
					}
				}
				d.hl[p][k[p]] += w * l
				d.hf[p][k[p]] += w * f
			}
		}
		p := 0
		for ; p < P; p++ {
			k[p]++
			if k[p] <= n {
				break
			}
			k[p] = 0
		}
		if p == P {
			return nil
		}
	}
}

// reseed restarts the Monte Carlo stream, so every call uses the same samples.
func (d *Dynamics) reseed() {
	d.pcg.Seed(d.seed, seed.Stream(seed.Genetics, 0))
}

func (d *Dynamics) condDiffShared(x []float64, withFit bool) (meanL, meanF float64, res ExactResult, err error) {
	M := d.M
	clear(d.dl)
	clear(d.df)
	enumerable := M < 62 && 1<<uint(M) <= d.maxEnum
	switch {
	case d.method == MonteCarlo || (d.method == Auto && !enumerable):
		res.Method, res.Samples = MonteCarlo, d.samples
		meanL, meanF, err = d.monteCarloShared(x, withFit)
	case !enumerable:
		return 0, 0, res, fmt.Errorf("genetics: enumeration of 2^%d genotypes exceeds MaxEnumerate=%d", M, d.maxEnum)
	default:
		res.Method = Enumeration
		meanL, meanF, err = d.enumerateShared(x, withFit)
	}
	return meanL, meanF, res, err
}

// genotypeY writes c + B g for the genotype d.bit into y.
func (d *Dynamics) genotypeY(y []float64) {
	P := d.P
	copy(y, d.off)
	for i, b := range d.bit {
		g := -d.eps
		if b {
			g = d.eps
		}
		for p, v := range d.cols[i*P : (i+1)*P] {
			y[p] += v * g
		}
	}
}

func (d *Dynamics) enumerateShared(x []float64, withFit bool) (meanL, meanF float64, err error) {
	M := d.M
	for g := uint64(0); g < 1<<uint(M); g++ {
		zeros := 0
		d.pre[0] = 1
		for i := range M {
			d.bit[i] = g>>uint(i)&1 == 1
			f := 1 - x[i]
			if d.bit[i] {
				f = x[i]
			}
			if f == 0 {
				zeros++
			}
			d.pre[i+1] = d.pre[i] * f
		}
		if zeros >= 2 {
			continue
		}
		d.suf[M] = 1
		for i := M - 1; i >= 0; i-- {
			f := 1 - x[i]
			if d.bit[i] {
				f = x[i]
			}
			d.suf[i] = d.suf[i+1] * f
		}
		d.genotypeY(d.y)
		l, f, e := d.eval(d.y, withFit)
		if e != nil {
			return 0, 0, e
		}
		meanL += d.pre[M] * l
		meanF += d.pre[M] * f
		for i := range M {
			w := d.pre[i] * d.suf[i+1]
			if d.bit[i] {
				d.dl[i] += w * l
				d.df[i] += w * f
			} else {
				d.dl[i] -= w * l
				d.df[i] -= w * f
			}
		}
	}
	return meanL, meanF, nil
}

func (d *Dynamics) monteCarloShared(x []float64, withFit bool) (meanL, meanF float64, err error) {
	P, M := d.P, d.M
	d.reseed()
	for range d.samples {
		for i := range M {
			d.bit[i] = d.rng.Float64() < x[i]
		}
		d.genotypeY(d.y)
		l, f, e := d.eval(d.y, withFit)
		if e != nil {
			return 0, 0, e
		}
		meanL += l
		meanF += f
		for i := range M {
			delta := -2 * d.eps
			if !d.bit[i] {
				delta = 2 * d.eps
			}
			for p, v := range d.cols[i*P : (i+1)*P] {
				d.y2[p] = d.y[p] + v*delta
			}
			l2, f2, e := d.eval(d.y2, withFit)
			if e != nil {
				return 0, 0, e
			}
			if d.bit[i] {
				d.dl[i] += l - l2
				d.df[i] += f - f2
			} else {
				d.dl[i] += l2 - l
				d.df[i] += f2 - f
			}
		}
	}
	s := 1 / float64(d.samples)
	for i := range M {
		d.dl[i] *= s
		d.df[i] *= s
	}
	return meanL * s, meanF * s, nil
}

// Exact writes into dst the exact one-generation map
// x_i' = x_i w_i⁺/w̄ of selection followed by recombination to linkage
// equilibrium (infinite population, no approximation beyond Monte Carlo
// error when Method is MonteCarlo). dst may alias x.
func (d *Dynamics) Exact(dst, x []float64) (ExactResult, error) {
	if len(dst) != len(x) {
		panic("genetics: len(dst) != len(x)")
	}
	_, mf, res, err := d.condDiff(x, true)
	if err != nil {
		return res, err
	}
	wbar := 1 + mf
	if !(wbar > 0) {
		return res, fmt.Errorf("genetics: mean fitness W̄=%g is not positive (θ=%g, L̃=%g)", wbar, d.fit.Theta, res.MeanLoss)
	}
	for i, xi := range x {
		wplus := wbar + (1-xi)*d.df[i]
		dst[i] = xi * wplus / wbar
	}
	return res, nil
}

// LossGradient writes ∂L̃/∂x_i = E[L | g_i=+ε] − E[L | g_i=−ε] into dst and
// reports L̃ = E_x[L(Y)] in the result. Fitness is not evaluated.
func (d *Dynamics) LossGradient(dst, x []float64) (ExactResult, error) {
	if len(dst) != len(x) {
		panic("genetics: len(dst) != len(x)")
	}
	_, _, res, err := d.condDiff(x, false)
	if err != nil {
		return res, err
	}
	copy(dst, d.dl)
	return res, nil
}

// Conditional writes E[L | g_i = +ε] into plus and E[L | g_i = −ε] into
// minus for every locus i.
func (d *Dynamics) Conditional(plus, minus, x []float64) (ExactResult, error) {
	if len(plus) != len(x) || len(minus) != len(x) {
		panic("genetics: conditional: lengths differ from len(x)")
	}
	ml, _, res, err := d.condDiff(x, false)
	if err != nil {
		return res, err
	}
	for i, xi := range x {
		plus[i] = ml + (1-xi)*d.dl[i]
		minus[i] = ml - xi*d.dl[i]
	}
	return res, nil
}

// Exact is a convenience for NewDynamics followed by Dynamics.Exact: it
// writes the exact one-generation map of x into dst.
func Exact(dst, x []float64, enc *Encoding, loss Loss, fit Fitness, s *ExactSettings) (*ExactResult, error) {
	d, err := NewDynamics(enc, loss, fit, s)
	if err != nil {
		return nil, err
	}
	res, err := d.Exact(dst, x)
	return &res, err
}

// Covariance returns the genetic covariance G of Y at x (see
// Encoding.Covariance).
func (d *Dynamics) Covariance(dst *mat.SymDense, x []float64) *mat.SymDense {
	return d.enc.Covariance(dst, x)
}
