package genetics

import (
	"fmt"
	"math"
	"sync"
)

// monteCarloDisjoint estimates hl[p][j] = E[L | K_p = j] with the other
// counts sampled, the same samples for every p and j.
func (d *Dynamics) monteCarloDisjoint(withFit bool) error {
	P, n, eps := d.P, d.n, d.eps
	for p := range P {
		c := 0.0
		for j, v := range d.pmf[p] {
			c += v
			d.cdf[p][j] = c
		}
	}
	d.reseed()
	S := d.samples
	// The samples first, from the one stream, so the draws do not depend
	// on how the losses are shared among workers.
	d.mcK = d.mcK[:0]
	for range S {
		for q := range P {
			u := d.rng.Float64() * d.cdf[q][n]
			j := 0
			for j < n && d.cdf[q][j] <= u {
				j++
			}
			d.mcK = append(d.mcK, j)
		}
	}
	per := P * (n + 1)
	total := S * per
	if cap(d.mcL) < total {
		d.mcL, d.mcF = make([]float64, total), make([]float64, total)
	}
	ls, fs := d.mcL[:total], d.mcF[:total]
	// Task t is sample t/per, coefficient p = (t%per)/(n+1) with count
	// j = t%(n+1): the other coefficients at the sample's counts.
	eval := func(y []float64, t int) error {
		s, r := t/per, t%per
		p, j := r/(n+1), r%(n+1)
		for q, k := range d.mcK[s*P : (s+1)*P] {
			y[q] = d.off[q] + eps*float64(2*k-n)
		}
		y[p] = d.off[p] + eps*float64(2*j-n)
		l := d.loss.Loss(y)
		if math.IsNaN(l) {
			return fmt.Errorf("genetics: loss is NaN at Y=%g", y)
		}
		ls[t], fs[t] = l, 0
		if withFit {
			f, err := d.fit.f(l, y)
			if err != nil {
				return err
			}
			fs[t] = f
		}
		return nil
	}
	if err := parallelTasks(total, d.workers, P, eval); err != nil {
		return err
	}
	d.evals += total
	t := 0
	for range S {
		for p := range P {
			for j := 0; j <= n; j++ {
				d.hl[p][j] += ls[t]
				d.hf[p][j] += fs[t]
				t++
			}
		}
	}
	s := 1 / float64(d.samples)
	for p := range P {
		for j := range d.hl[p] {
			d.hl[p][j] *= s
			d.hf[p][j] *= s
		}
	}
	return nil
}

// parallelTasks runs f(y, t) for t in [0, total) on the given number of
// goroutines (at most total), each with its own buffer y of length dim,
// and returns the error of the lowest failing task.
func parallelTasks(total, workers, dim int, f func(y []float64, t int) error) error {
	workers = max(1, min(workers, total))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	chunk := (total + workers - 1) / workers
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			y := make([]float64, dim)
			for t := w * chunk; t < min(total, (w+1)*chunk); t++ {
				if err := f(y, t); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
