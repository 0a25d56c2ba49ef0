package attack

import (
	"math"

	"gonum.org/v1/gonum/floats"

	"github.com/evolve-toolkit/evolve/dataset"
)

// Decision-based attack: HopSkipJump (Chen, Jordan and Wainwright,
// "HopSkipJumpAttack: a query-efficient decision-based attack", IEEE S&P
// 2020), untargeted, L2, in the box [0,1]^d. It queries only the predicted
// label, so neither the loss nor the scale of the logits can mask it.

// hsjInit is the number of uniform random points tried as a start.
const hsjInit = 100

// hsjMaxEvals caps the queries of one gradient-direction estimate.
const hsjMaxEvals = 1000

// decision runs the decision-based attack on (x, y) from 1 + Restarts
// random starts with a.m.Steps iterations each, leaves the closest point
// found classified ≠ y in dst and returns its distance to x (+Inf, with
// dst = x, when no start classified ≠ y was found). x must be classified
// y.
func (a *Attacker) decision(dst, x []float64, y int) float64 {
	copy(dst, x)
	best := math.Inf(1)
	for r := 0; r <= a.m.Restarts; r++ {
		if d := a.hopSkipJump(a.start, x, y); d < best {
			best = d
			copy(dst, a.start)
		}
	}
	return best
}

// adversarial reports whether v is classified ≠ y.
func (a *Attacker) adversarial(v []float64, y int) bool { return a.Predict(v) != y }

// blend writes (1 − t)·x + t·v to dst.
func blend(dst, x, v []float64, t float64) {
	for i, xi := range x {
		dst[i] = xi + t*(v[i]-xi)
	}
}

// boundary bisects t ∈ [0, 1] on the segment from x (classified y) to v
// (classified ≠ y) until the bracket is narrower than tol, and writes the
// adversarial end (1 − t)·x + t·v to v.
func (a *Attacker) boundary(v, x []float64, y int, tol float64) {
	lo, hi := 0.0, 1.0
	for hi-lo > tol {
		mid := (lo + hi) / 2
		blend(a.grad, x, v, mid)
		if a.adversarial(a.grad, y) {
			hi = mid
		} else {
			lo = mid
		}
	}
	blend(a.grad, x, v, hi)
	copy(v, a.grad)
}

// setPool sets the candidate starts of the decision-based attack: up to
// two rows of each label of test, the first ones in row order.
func (a *Attacker) setPool(test *dataset.Set) {
	count := make([]int, test.Labels)
	a.pool = a.pool[:0]
	for i := 0; i < test.Len(); i++ {
		if y := test.Y[i]; y < len(count) && count[y] < 2 {
			count[y]++
			a.pool = append(a.pool, test.Row(i, nil))
		}
	}
}

// queryBatch labels the queries xs into pred: in one batch when the
// Worker is a BatchWorker, else one at a time.
func (a *Attacker) queryBatch(xs [][]float64, pred []int) {
	if bw, ok := a.w.(BatchWorker); ok {
		bw.PredictBatch(xs, pred)
		return
	}
	for b, x := range xs {
		pred[b] = a.Predict(x)
	}
}

// hopSkipJump runs one HopSkipJump attack and leaves its closest
// adversarial point in adv (len d). It starts from the closest to x of the
// first of hsjInit uniform random points classified ≠ y and of the pool
// points classified ≠ y; it returns the distance, or +Inf when there is
// no such start.
//
// With d the dimension and θ = d^(−3/2) (the paper's γ = 1):
//  1. a uniform point of [0,1]^d classified ≠ y is bisected towards x to
//     the decision boundary (to θ in the blend parameter);
//  2. at the boundary point xb, at distance D from x, the direction of the
//     boundary's normal is estimated from n = min(100·√t, 1000) queries
//     xb + δuᵢ (uᵢ uniform on the sphere, δ = D/d, clipped to the box):
//     v = Σ (φᵢ − φ̄) uᵢ with φᵢ = ±1 for adversarial or not (the mean
//     φ̄ is the paper's baseline; v = φ̄·Σuᵢ when all φᵢ agree);
//  3. a geometric search from ξ = D/√t halves ξ until xb + ξ·v/‖v‖
//     (clipped) is adversarial, and that point is bisected towards x.
//
// Every returned point was classified ≠ y by a forward pass.
func (a *Attacker) hopSkipJump(adv, x []float64, y int) float64 {
	d := len(x)
	theta := 1 / (float64(d) * math.Sqrt(float64(d)))
	found := false
	for i := 0; i < hsjInit && !found; i++ {
		for j := range adv {
			adv[j] = a.rng.Float64()
		}
		found = a.adversarial(adv, y)
	}
	// The closest pool point (test images) classified ≠ y is a better
	// start than noise, and the only one when all noise is classified y.
	startDist := math.Inf(1)
	if found {
		startDist = dist2(adv, x)
	}
	for _, v := range a.pool {
		if d := dist2(v, x); d < startDist && d > 0 && a.adversarial(v, y) {
			copy(adv, v)
			startDist, found = d, true
		}
	}
	if !found {
		copy(adv, x)
		return math.Inf(1)
	}
	a.boundary(adv, x, y, theta)
	dist := dist2(adv, x)
	best := dist
	if a.hsjBest == nil {
		a.hsjBest, a.hsjCur, a.hsjDir, a.hsjSum = make([]float64, d), make([]float64, d), make([]float64, d), make([]float64, d)
	}
	copy(a.hsjBest, adv)
	if a.hsjQ == nil {
		nb := 1
		if bw, ok := a.w.(BatchWorker); ok {
			nb = max(1, bw.BatchSize())
		}
		a.hsjQ, a.hsjPred = make([][]float64, nb), make([]int, nb)
		for b := range a.hsjQ {
			a.hsjQ[b] = make([]float64, d)
		}
	}
	cur, dir, sum := a.hsjCur, a.hsjDir, a.hsjSum
	copy(cur, adv)
	for t := 1; t <= a.m.Steps && dist > 0; t++ {
		// 2. Direction of the normal at cur.
		delta := dist / float64(d)
		n := min(int(100*math.Sqrt(float64(t))), hsjMaxEvals)
		clear(dir)
		clear(sum)
		nAdv := 0
		// The n queries are independent: they are drawn in order into a
		// batch, labelled together (queryBatch), and added to dir and sum
		// in the same order as one at a time, so the result does not
		// depend on the batch size.
		for lo := 0; lo < n; lo += len(a.hsjQ) {
			nb := min(len(a.hsjQ), n-lo)
			for b := range nb {
				u := a.hsjQ[b]
				var s float64
				for j := range u {
					u[j] = a.rng.NormFloat64()
					s += u[j] * u[j]
				}
				s = delta / math.Sqrt(s)
				for j := range u {
					// The query point, clipped; its actual offset
					// divided by δ is what is added (as the paper does).
					u[j] = min(1, max(0, cur[j]+s*u[j]))
				}
			}
			a.queryBatch(a.hsjQ[:nb], a.hsjPred[:nb])
			for b := range nb {
				phi := -1.0
				if a.hsjPred[b] != y {
					phi = 1
					nAdv++
				}
				for j, q := range a.hsjQ[b] {
					r := (q - cur[j]) / delta
					dir[j] += phi * r
					sum[j] += r
				}
			}
		}
		mean := (2*float64(nAdv) - float64(n)) / float64(n)
		if nAdv > 0 && nAdv < n {
			floats.AddScaled(dir, -mean, sum)
		}
		norm := floats.Norm(dir, 2)
		if norm == 0 {
			break
		}
		floats.Scale(1/norm, dir)
		// 3. Geometric step search, then back to the boundary.
		xi := dist / math.Sqrt(float64(t))
		stepped := false
		for h := 0; h < 30; h++ {
			for j := range adv {
				adv[j] = min(1, max(0, cur[j]+xi*dir[j]))
			}
			if a.adversarial(adv, y) {
				stepped = true
				break
			}
			xi /= 2
		}
		if !stepped {
			break
		}
		a.boundary(adv, x, y, theta)
		copy(cur, adv)
		dist = dist2(cur, x)
		if dist < best {
			best = dist
			copy(a.hsjBest, cur)
		}
	}
	copy(adv, a.hsjBest)
	return best
}
