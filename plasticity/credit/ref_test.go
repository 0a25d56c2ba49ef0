package credit

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The per-example implementation of the forward pass, the rules' ĝ and the
// R-operator Hessian–vector product, written loop by loop from the package
// doc's equations, one sequence at a time. It was the package's
// implementation until the batched matrix form (batch.go) replaced it;
// it stays as an independent reference for TestBatchedMatchesReference.

// work holds the per-example buffers.
type work struct {
	v, z, rv, rz         []float64 // S×N and (S+1)×N
	y, p, dy, rdy, sig   []float64
	dz, dv, rdz, rdv, ry []float64
}

func (n *Net) work() *work {
	s, h, o := n.Steps, n.Hidden, n.Out
	return &work{
		v: make([]float64, s*h), z: make([]float64, (s+1)*h),
		rv: make([]float64, s*h), rz: make([]float64, (s+1)*h),
		y: make([]float64, o), p: make([]float64, o), dy: make([]float64, o), rdy: make([]float64, o), sig: make([]float64, h),
		dz: make([]float64, h), dv: make([]float64, h), rdz: make([]float64, h), rdv: make([]float64, h), ry: make([]float64, o),
	}
}

// forward runs example x, leaving v, z, y and p in w; returns −log p[label].
func (n *Net) refForward(w *work, theta, x []float64, label int) float64 {
	win, wrec, wout, bias := n.split(theta)
	h, in := n.Hidden, n.In
	clear(w.z[:h])
	for t := 0; t < n.Steps; t++ {
		xt := x[t*in : (t+1)*in]
		zp := w.z[t*h : (t+1)*h]
		vt := w.v[t*h : (t+1)*h]
		zt := w.z[(t+1)*h : (t+2)*h]
		for i := 0; i < h; i++ {
			s := 0.0
			ri := win[i*in : (i+1)*in]
			for j, xj := range xt {
				s += ri[j] * xj
			}
			rr := wrec[i*h : (i+1)*h]
			for j, zj := range zp {
				s += rr[j] * zj
			}
			vt[i] = s
			zt[i], _, _ = n.phi(s)
		}
	}
	zs := w.z[n.Steps*h:]
	mx := math.Inf(-1)
	for k := 0; k < n.Out; k++ {
		s := bias[k]
		rk := wout[k*h : (k+1)*h]
		for i, zi := range zs {
			s += rk[i] * zi
		}
		w.y[k] = s
		mx = math.Max(mx, s)
	}
	var sum float64
	for k := range w.y {
		w.p[k] = math.Exp(w.y[k] - mx)
		sum += w.p[k]
	}
	for k := range w.p {
		w.p[k] /= sum
	}
	return -(w.y[label] - mx - math.Log(sum))
}

// Evaluate returns the mean cross-entropy (without weight decay) and the
// accuracy of theta on b.
func (n *Net) refEvaluate(theta []float64, b Batch) (loss, acc float64) {
	n.check(theta, b)
	w := n.work()
	d := n.Steps * n.In
	var correct int
	for e := 0; e < b.Len(); e++ {
		loss += n.refForward(w, theta, b.X[e*d:(e+1)*d], b.Y[e])
		best := 0
		for k := range w.y {
			if w.y[k] > w.y[best] {
				best = k
			}
		}
		if best == b.Y[e] {
			correct++
		}
	}
	return loss / float64(b.Len()), float64(correct) / float64(b.Len())
}

// Loss returns the training loss of the package doc (mean cross-entropy
// plus weight decay) of theta on b.
func (n *Net) refLoss(theta []float64, b Batch) float64 {
	l, _ := n.refEvaluate(theta, b)
	return l + n.decay(theta)
}

// Update sets dst to the rule's estimate ĝ of ∇L at theta on b and returns
// L. For bptt (and tbptt(k) with k ≥ Steps) ĝ is the exact gradient.
func (n *Net) refUpdate(dst, theta []float64, b Batch, r Rule) float64 {
	n.check(theta, b)
	if len(dst) != n.Len() {
		panic("credit: Update: len(dst) mismatch")
	}
	k, random, tau := r.window(n.Steps)
	clear(dst)
	win, wrec, wout, _ := n.split(theta)
	gin, grec, gout, gb := n.split(dst)
	h, in, o, S := n.Hidden, n.In, n.Out, n.Steps
	w := n.work()
	d := S * in
	inv := 1 / float64(b.Len())
	var loss float64
	for e := 0; e < b.Len(); e++ {
		x := b.X[e*d : (e+1)*d]
		loss += n.refForward(w, theta, x, b.Y[e])
		for c := range w.dy {
			w.dy[c] = w.p[c] * inv
		}
		w.dy[b.Y[e]] -= inv
		zs := w.z[S*h:]
		for c := 0; c < o; c++ {
			gb[c] += w.dy[c]
			row := gout[c*h : (c+1)*h]
			for i, zi := range zs {
				row[i] += w.dy[c] * zi
			}
		}
		// learning signal L = F δ_y
		for i := 0; i < h; i++ {
			s := 0.0
			for c := 0; c < o; c++ {
				if random {
					s += n.Feedback[i*o+c] * w.dy[c]
				} else {
					s += wout[c*h+i] * w.dy[c]
				}
			}
			w.dz[i] = s
		}
		if tau > 0 { // rflo: ĝ_ij = L_i Σ_t c_t φ′(v_i^t) pre_j^t
			copy(w.sig, w.dz)
			a := 1 / tau
			for t := S - 1; t >= 0; t-- {
				ct := a * math.Pow(1-a, float64(S-1-t))
				n.refAccumulate(gin, grec, w, x, t, w.sig, ct)
			}
			continue
		}
		for t := S - 1; t >= S-k; t-- {
			vt := w.v[t*h : (t+1)*h]
			for i := range w.dv {
				_, d1, _ := n.phi(vt[i])
				w.dv[i] = d1 * w.dz[i]
			}
			refAddOuter(gin, w.dv, x[t*in:(t+1)*in], 1)
			refAddOuter(grec, w.dv, w.z[t*h:(t+1)*h], 1)
			if t > S-k {
				for j := 0; j < h; j++ {
					s := 0.0
					for i := 0; i < h; i++ {
						s += wrec[i*h+j] * w.dv[i]
					}
					w.dz[j] = s
				}
			}
		}
	}
	n.finish(dst, theta, win, wrec, wout, gin, grec, gout)
	return loss*inv + n.decay(theta)
}

// accumulate adds c·(sig ⊙ φ′(v^t)) times the inputs of step t to gin, grec.
func (n *Net) refAccumulate(gin, grec []float64, w *work, x []float64, t int, sig []float64, c float64) {
	h, in := n.Hidden, n.In
	vt := w.v[t*h : (t+1)*h]
	for i := range w.dv {
		_, d1, _ := n.phi(vt[i])
		w.dv[i] = d1 * sig[i]
	}
	refAddOuter(gin, w.dv, x[t*in:(t+1)*in], c)
	refAddOuter(grec, w.dv, w.z[t*h:(t+1)*h], c)
}

// addOuter adds c·a bᵀ to the row-major len(a)×len(b) matrix m.
func refAddOuter(m, a, b []float64, c float64) {
	nb := len(b)
	for i, ai := range a {
		if ai == 0 {
			continue
		}
		ai *= c
		row := m[i*nb : (i+1)*nb]
		for j, bj := range b {
			row[j] += ai * bj
		}
	}
}

// HessVec sets dst to ∇²L(theta) u on b, exactly, by the R-operator (see
// the package doc). The diagonal of W_rec is treated as fixed at zero: u's
// entries there are ignored and dst's are zero.
func (n *Net) refHessVec(dst, theta, u []float64, b Batch) {
	n.check(theta, b)
	if len(dst) != n.Len() || len(u) != n.Len() {
		panic("credit: HessVec: length mismatch")
	}
	clear(dst)
	_, wrec, wout, _ := n.split(theta)
	uin, urec, uout, ub := n.split(u)
	hin, hrec, hout, hb := n.split(dst)
	h, in, o, S := n.Hidden, n.In, n.Out, n.Steps
	w := n.work()
	d := S * in
	inv := 1 / float64(b.Len())
	urd := func(i, j int) float64 { // u_rec with the diagonal masked
		if i == j {
			return 0
		}
		return urec[i*h+j]
	}
	for e := 0; e < b.Len(); e++ {
		x := b.X[e*d : (e+1)*d]
		n.refForward(w, theta, x, b.Y[e])
		// forward R-pass
		clear(w.rz[:h])
		for t := 0; t < S; t++ {
			xt := x[t*in : (t+1)*in]
			zp := w.z[t*h : (t+1)*h]
			rzp := w.rz[t*h : (t+1)*h]
			for i := 0; i < h; i++ {
				s := 0.0
				ri := uin[i*in : (i+1)*in]
				for j, xj := range xt {
					s += ri[j] * xj
				}
				rr := wrec[i*h : (i+1)*h]
				for j := 0; j < h; j++ {
					s += urd(i, j)*zp[j] + rr[j]*rzp[j]
				}
				w.rv[t*h+i] = s
				_, d1, _ := n.phi(w.v[t*h+i])
				w.rz[(t+1)*h+i] = d1 * s
			}
		}
		zs, rzs := w.z[S*h:], w.rz[S*h:]
		var pry float64
		ry := w.ry
		for c := 0; c < o; c++ {
			s := ub[c]
			for i := 0; i < h; i++ {
				s += uout[c*h+i]*zs[i] + wout[c*h+i]*rzs[i]
			}
			ry[c] = s
			pry += w.p[c] * s
		}
		for c := 0; c < o; c++ {
			w.dy[c] = w.p[c] * inv
			w.rdy[c] = w.p[c] * (ry[c] - pry) * inv
		}
		w.dy[b.Y[e]] -= inv
		for c := 0; c < o; c++ {
			hb[c] += w.rdy[c]
			row := hout[c*h : (c+1)*h]
			for i := 0; i < h; i++ {
				row[i] += w.rdy[c]*zs[i] + w.dy[c]*rzs[i]
			}
		}
		for i := 0; i < h; i++ {
			var s, rs float64
			for c := 0; c < o; c++ {
				s += wout[c*h+i] * w.dy[c]
				rs += uout[c*h+i]*w.dy[c] + wout[c*h+i]*w.rdy[c]
			}
			w.dz[i], w.rdz[i] = s, rs
		}
		for t := S - 1; t >= 0; t-- {
			for i := 0; i < h; i++ {
				_, d1, d2 := n.phi(w.v[t*h+i])
				w.dv[i] = d1 * w.dz[i]
				w.rdv[i] = d2*w.rv[t*h+i]*w.dz[i] + d1*w.rdz[i]
			}
			refAddOuter(hin, w.rdv, x[t*in:(t+1)*in], 1)
			refAddOuter(hrec, w.rdv, w.z[t*h:(t+1)*h], 1)
			refAddOuter(hrec, w.dv, w.rz[t*h:(t+1)*h], 1)
			if t > 0 {
				for j := 0; j < h; j++ {
					var s, rs float64
					for i := 0; i < h; i++ {
						s += wrec[i*h+j] * w.dv[i]
						rs += urd(i, j)*w.dv[i] + wrec[i*h+j]*w.rdv[i]
					}
					w.dz[j], w.rdz[j] = s, rs
				}
			}
		}
	}
	for i, x := range uin {
		hin[i] += n.Decay * x
	}
	for i := 0; i < h; i++ {
		for j := 0; j < h; j++ {
			hrec[i*h+j] += n.Decay * urd(i, j)
		}
		hrec[i*h+i] = 0
	}
	for i, x := range uout {
		hout[i] += n.Decay * x
	}
}

// The batched matrix passes (loss, accuracy, every rule's ĝ and the
// Hessian–vector product) equal the per-example reference to rounding
// (relative 1e-12: the two sum in different orders), for both
// activations, batches of one sequence, of fewer than a chunk and of more
// than a chunk (600 = 2 full chunks of 256 and a partial one).
func TestBatchedMatchesReference(t *testing.T) {
	t.Parallel()
	rules := []Rule{{Kind: BPTT}, {Kind: Truncated}, {Kind: EpropRandom}, {Kind: RFLO}, {Kind: TBPTT, K: 3}}
	for _, act := range []Activation{ReLU, Tanh} {
		for _, size := range []int{1, 37, 600} {
			n, b := tiny(act, 3, 6, 4, 5, size, uint64(size))
			// Scale the weights up so that some ReLU units are off.
			for i := range n.Theta {
				n.Theta[i] *= 1.5
			}
			l, a := n.Evaluate(n.Theta, b)
			rl, ra := n.refEvaluate(n.Theta, b)
			if math.Abs(l-rl) > 1e-12*math.Abs(rl) || a != ra {
				t.Errorf("%v size %d: Evaluate = %v, %v; reference %v, %v", act, size, l, a, rl, ra)
			}
			for _, r := range rules {
				g, rg := make([]float64, n.Len()), make([]float64, n.Len())
				lg := n.Update(g, n.Theta, b, r)
				rlg := n.refUpdate(rg, n.Theta, b, r)
				if e := relErr(g, rg); e > 1e-12 || math.Abs(lg-rlg) > 1e-12*rlg {
					t.Errorf("%v size %d %s: ĝ rel. error %g, loss %v against %v", act, size, r, e, lg, rlg)
				}
			}
			u := make([]float64, n.Len())
			rng := rand.New(rand.NewPCG(uint64(size), 5))
			for i := range u {
				u[i] = rng.NormFloat64()
			}
			hv, rhv := make([]float64, n.Len()), make([]float64, n.Len())
			n.HessVec(hv, n.Theta, u, b)
			n.refHessVec(rhv, n.Theta, u, b)
			if e := relErr(hv, rhv); e > 1e-12 {
				t.Errorf("%v size %d: HessVec rel. error %g against the reference", act, size, e)
			}
		}
	}
}
