package attack

import (
	"errors"
	"fmt"
	"math"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/seed"
)

// DistanceConfig configures MinimalDistances. The zero value searches
// with the strong gradient attack and the decision-based attack up to
// ε = 10 to within 0.01.
type DistanceConfig struct {
	// Images is the number N of test images. If Images is 0, 100 is used.
	// The images are those Robustness attacks with the same Seed.
	Images int `toml:"images" json:"images"`
	// Seed chooses the images (stream seed.Attack, index 0) and the
	// random starts (one stream per image and attack).
	Seed uint64 `toml:"seed" json:"seed"`
	// Attacks lists the attacks; each gets its own minimal distance per
	// image. If Attacks is empty, Strong() and HopSkipJump with 50
	// iterations are used.
	Attacks []Method `toml:"attacks" json:"attacks"`
	// Max is the largest radius the bisection tries. If Max is 0, 10 is used.
	Max float64 `toml:"max" json:"max"`
	// Tol is the width at which the bisection stops. If Tol is 0, 0.01 is used.
	Tol float64 `toml:"tol" json:"tol"`
}

// Defaults returns a copy of c with every zero field replaced by its default.
func (c DistanceConfig) Defaults() DistanceConfig {
	if c.Images == 0 {
		c.Images = 100
	}
	if len(c.Attacks) == 0 {
		c.Attacks = []Method{Strong(), {Loss: HopSkipJump}}
	}
	ms := make([]Method, len(c.Attacks))
	for i, m := range c.Attacks {
		ms[i] = m.Defaults()
	}
	c.Attacks = ms
	if c.Max == 0 {
		c.Max = 10
	}
	if c.Tol == 0 {
		c.Tol = 0.01
	}
	return c
}

// Validate reports the problems of a configuration after defaults.
func (c DistanceConfig) Validate() error {
	c = c.Defaults()
	var errs []error
	if c.Images < 1 {
		errs = append(errs, fmt.Errorf("images must be positive, got %d", c.Images))
	}
	if !(c.Max > 0) || math.IsInf(c.Max, 0) {
		errs = append(errs, fmt.Errorf("max must be positive and finite, got %v", c.Max))
	}
	if !(c.Tol > 0) || !(c.Tol < c.Max) {
		errs = append(errs, fmt.Errorf("tol must be positive and below max, got %v", c.Tol))
	}
	for i, m := range c.Attacks {
		if err := m.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("attacks[%d]: %w", i, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("attack: invalid distance config: %w", errors.Join(errs...))
	}
	return nil
}

// MinimalDistance writes to dst the closest point to x classified ≠ y
// that the attacker finds and returns its distance ‖dst − x‖₂: 0 (dst = x)
// if x is classified ≠ y, +Inf (dst = x) if none is found.
//
// A gradient attack bisects over ε: the attack (any iterate counting, the
// next run trying first the target that broke the last) at radius ε = max
// must break x, then [lo, hi] halves until hi − lo ≤ tol, where lo is a
// radius the attack failed at and hi the distance of the closest
// adversarial point found so far (at most the radius it was found at).
// The decision-based attack returns its own closest point and ignores max
// and tol. Either way the distance is that of a point verified
// adversarial by a forward pass: an upper bound on the true minimal
// distance, whatever the attack's details.
func (a *Attacker) MinimalDistance(dst, x []float64, y int, max, tol float64) float64 {
	if len(dst) != len(x) || len(x) != len(a.grad) {
		panic("attack: MinimalDistance: wrong length")
	}
	copy(dst, x)
	if a.Predict(x) != y {
		return 0
	}
	if a.m.Decision() {
		return a.decision(dst, x, y)
	}
	saved := a.anyIterate
	a.anyIterate = true
	defer func() { a.anyIterate, a.first = saved, 0 }()
	if a.bisBest == nil {
		a.bisBest = make([]float64, len(x))
	}
	a.first = 0
	o := a.Run(dst, x, y, max)
	if !o.Final {
		copy(dst, x)
		return math.Inf(1)
	}
	hi, lo := o.Dist, 0.0
	copy(a.bisBest, dst)
	a.first = o.target
	for hi-lo > tol {
		mid := (lo + hi) / 2
		if o := a.Run(dst, x, y, mid); o.Final {
			if o.Dist < hi {
				hi = o.Dist
				copy(a.bisBest, dst)
			}
			hi = min(hi, mid)
			a.first = o.target
		} else {
			lo = mid
		}
	}
	copy(dst, a.bisBest)
	return dist2(dst, x)
}

// DistanceSettings controls MinimalDistances.
type DistanceSettings struct {
	DistanceConfig
	// Workers is the number of goroutines. If Workers is 0, GOMAXPROCS is
	// used. The result does not depend on it.
	Workers int
	// Progress, if not nil, is called after every (image, attack) pair
	// with the number of pairs done and the total. Calls are serialised.
	Progress func(done, total int)
}

// Distances is the outcome of MinimalDistances.
type Distances struct {
	// Config is the configuration used, defaults applied.
	Config DistanceConfig
	// Images lists the rows of the test set, in increasing order.
	Images []int
	// Clean is the share of the images predicted correctly.
	Clean float64
	// Dist[k][i] is the distance found by attack k for image Images[i]
	// (see MinimalDistance).
	Dist [][]float64
	// Min[i] is the smallest of Dist[k][i] over the attacks: the distance
	// of the closest adversarial point any of them found.
	Min []float64
}

// RobustAt returns the share of the distances greater than eps: the
// robust accuracy at eps of the attack that found them.
func RobustAt(dist []float64, eps float64) float64 {
	n := 0
	for _, d := range dist {
		if d > eps {
			n++
		}
	}
	return float64(n) / float64(len(dist))
}

// MinimalDistances finds, for N test images chosen with s.Seed, the
// distance of the closest adversarial point each attack of s.Attacks
// finds (Attacker.MinimalDistance). A nil s means the defaults.
func MinimalDistances(m Model, test *dataset.Set, s *DistanceSettings) (*Distances, error) {
	if s == nil {
		s = &DistanceSettings{}
	}
	if err := s.DistanceConfig.Validate(); err != nil {
		return nil, err
	}
	c := s.DistanceConfig.Defaults()
	if err := checkSet(m, test); err != nil {
		return nil, err
	}
	res := &Distances{Config: c, Images: dataset.SampleIndex(test.Len(), c.Images, seed.PCG(c.Seed, seed.Attack, 0))}
	nImg, nMeth := len(res.Images), len(c.Attacks)
	res.Dist = make([][]float64, nMeth)
	for k := range res.Dist {
		res.Dist[k] = make([]float64, nImg)
	}
	total := nImg * nMeth
	runJobs(s.Workers, total, s.Progress, func() func(job int) {
		as := newAttackers(m, c.Attacks, true, c.Seed, test)
		dst := make([]float64, m.Dim())
		return func(job int) {
			i, k := job/nMeth, job%nMeth
			row := res.Images[i]
			// One stream per (image, attack), apart from Robustness's.
			as[k].Reseed(c.Seed, 1<<40+uint64(row*nMeth+k))
			res.Dist[k][i] = as[k].MinimalDistance(dst, test.Row(row, nil), test.Y[row], c.Max, c.Tol)
		}
	})
	res.Min = make([]float64, nImg)
	nClean := 0
	for i := range res.Min {
		res.Min[i] = math.Inf(1)
		for k := range res.Dist {
			res.Min[i] = min(res.Min[i], res.Dist[k][i])
		}
		if res.Min[i] > 0 {
			nClean++
		}
	}
	res.Clean = float64(nClean) / float64(nImg)
	return res, nil
}
