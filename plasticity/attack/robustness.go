package attack

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/seed"
)

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
	runJobs(s.Workers, total, s.Progress, func() func(job int) {
		as := newAttackers(m, methods, c.AnyIterate, c.Seed, test)
		dst := make([]float64, m.Dim())
		return func(job int) {
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
				return
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
		}
	})
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

// runJobs runs the jobs 0 … total−1 on min(workers, total) goroutines
// (workers ≤ 0: GOMAXPROCS), each with its own job function made by
// newWorker, in an order that depends on the scheduler: a job's result
// must not depend on which goroutine ran it. progress, if not nil, is
// called after every job with the number done and total, serialised.
func runJobs(workers, total int, progress func(done, total int), newWorker func() func(job int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, total)
	var next atomic.Int64
	var mu sync.Mutex
	done := 0
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run := newWorker()
			for {
				job := int(next.Add(1)) - 1
				if job >= total {
					return
				}
				run(job)
				if progress != nil {
					mu.Lock()
					done++
					progress(done, total)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
}

// newAttackers returns one Attacker per method, for one goroutine; the
// decision-based ones get their pool of starts from test.
func newAttackers(m Model, methods []Method, anyIterate bool, s uint64, test *dataset.Set) []*Attacker {
	as := make([]*Attacker, len(methods))
	for k, meth := range methods {
		as[k] = NewMethodAttacker(m, meth, anyIterate, s)
		if meth.Decision() {
			as[k].setPool(test)
		}
	}
	return as
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
