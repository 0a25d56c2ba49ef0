package credit

import (
	"fmt"
	"math"

	"github.com/evolve-toolkit/evolve/curvature"
)

// Batch is a set of sequences: X holds len(Y) rows of Steps·In values.
type Batch struct {
	X []float64
	Y []int
}

// Len returns the number of sequences.
func (b Batch) Len() int { return len(b.Y) }

func (n *Net) check(theta []float64, b Batch) {
	if len(theta) != n.Len() {
		panic(fmt.Sprintf("credit: len(theta)=%d, want %d", len(theta), n.Len()))
	}
	if len(b.X) != len(b.Y)*n.Steps*n.In {
		panic(fmt.Sprintf("credit: batch has %d values for %d sequences of %d×%d", len(b.X), len(b.Y), n.Steps, n.In))
	}
}

func (n *Net) decay(theta []float64) float64 {
	win, wrec, wout, _ := n.split(theta)
	var s float64
	for _, blk := range [][]float64{win, wrec, wout} {
		for _, x := range blk {
			s += x * x
		}
	}
	return 0.5 * n.Decay * s
}

// Evaluate returns the mean cross-entropy (without weight decay) and the
// accuracy of theta on b.
func (n *Net) Evaluate(theta []float64, b Batch) (loss, acc float64) {
	n.check(theta, b)
	w := n.workspace(b.Len())
	m := n.mats(w, theta)
	var correct int
	for e0 := 0; e0 < b.Len(); e0 += w.cap {
		nb := min(w.cap, b.Len()-e0)
		loss += n.forwardChunk(w, m, b, e0, nb)
		for e := 0; e < nb; e++ {
			y := w.y[e*n.Out : (e+1)*n.Out]
			best := 0
			for k := range y {
				if y[k] > y[best] {
					best = k
				}
			}
			if best == b.Y[e0+e] {
				correct++
			}
		}
	}
	return loss / float64(b.Len()), float64(correct) / float64(b.Len())
}

// Loss returns the training loss of the package doc (mean cross-entropy
// plus weight decay) of theta on b.
func (n *Net) Loss(theta []float64, b Batch) float64 {
	l, _ := n.Evaluate(theta, b)
	return l + n.decay(theta)
}

// Update sets dst to the rule's estimate ĝ of ∇L at theta on b and returns
// L. For bptt (and tbptt(k) with k ≥ Steps) ĝ is the exact gradient.
func (n *Net) Update(dst, theta []float64, b Batch, r Rule) float64 {
	n.check(theta, b)
	if len(dst) != n.Len() {
		panic("credit: Update: len(dst) mismatch")
	}
	k, random, tau := r.window(n.Steps)
	clear(dst)
	win, wrec, wout, _ := n.split(theta)
	gin, grec, gout, gb := n.split(dst)
	h, in, o, S := n.Hidden, n.In, n.Out, n.Steps
	w := n.workspace(b.Len())
	m := n.mats(w, theta)
	gIn, gRec, gOut := general(h, in, gin), general(h, h, grec), general(o, h, gout)
	inv := 1 / float64(b.Len())
	var loss float64
	for e0 := 0; e0 < b.Len(); e0 += w.cap {
		nb := min(w.cap, b.Len()-e0)
		loss += n.forwardChunk(w, m, b, e0, nb)
		dY := general(nb, o, w.dy)
		for e := 0; e < nb; e++ {
			p, dy := w.p[e*o:(e+1)*o], dY.Data[e*o:(e+1)*o]
			for c := range dy {
				dy[c] = p[c] * inv
			}
			dy[b.Y[e0+e]] -= inv
			for c, v := range dy {
				gb[c] += v
			}
		}
		// ∂L/∂W_out = δ_yᵀ z_S; learning signal δz_S = δ_y F with F = W_out
		// (exact, symmetric) or Bᵀ (random feedback).
		gemm(true, false, 1, dY, w.zAt(S, nb), 1, gOut)
		dZ := general(nb, h, w.dz)
		if random {
			gemm(false, true, 1, dY, m.fb, 0, dZ)
		} else {
			gemm(false, false, 1, dY, m.wout, 0, dZ)
		}
		dV := general(nb, h, w.dv)
		if tau > 0 { // rflo: ĝ_ij = L_i Σ_t c_t φ′(v_i^t) pre_j^t
			a := 1 / tau
			for t := S - 1; t >= 0; t-- {
				ct := a * math.Pow(1-a, float64(S-1-t))
				n.gate(dV.Data, w.vAt(t, nb).Data, dZ.Data, ct)
				gemm(true, false, 1, dV, w.x(b, e0, nb, t), 1, gIn)
				if t > 0 {
					gemm(true, false, 1, dV, w.zAt(t, nb), 1, gRec)
				}
			}
			continue
		}
		for t := S - 1; t >= S-k; t-- {
			n.gate(dV.Data, w.vAt(t, nb).Data, dZ.Data, 1)
			gemm(true, false, 1, dV, w.x(b, e0, nb, t), 1, gIn)
			if t > 0 {
				gemm(true, false, 1, dV, w.zAt(t, nb), 1, gRec)
			}
			if t > S-k {
				gemm(false, false, 1, dV, m.wrec, 0, dZ)
			}
		}
	}
	n.finish(dst, theta, win, wrec, wout, gin, grec, gout)
	return loss*inv + n.decay(theta)
}

func (n *Net) finish(dst, theta, win, wrec, wout, gin, grec, gout []float64) {
	h := n.Hidden
	for i, x := range win {
		gin[i] += n.Decay * x
	}
	for i, x := range wrec {
		grec[i] += n.Decay * x
	}
	for i, x := range wout {
		gout[i] += n.Decay * x
	}
	for i := 0; i < h; i++ {
		grec[i*h+i] = 0
	}
}

// HessVec sets dst to ∇²L(theta) u on b, exactly, by the R-operator (see
// the package doc). The diagonal of W_rec is treated as fixed at zero: u's
// entries there are ignored and dst's are zero.
func (n *Net) HessVec(dst, theta, u []float64, b Batch) {
	n.check(theta, b)
	if len(dst) != n.Len() || len(u) != n.Len() {
		panic("credit: HessVec: length mismatch")
	}
	clear(dst)
	uin, urec, uout, ub := n.split(u)
	hin, hrec, hout, hb := n.split(dst)
	h, in, o, S := n.Hidden, n.In, n.Out, n.Steps
	w := n.workspace(b.Len())
	m := n.mats(w, theta)
	// The direction with the diagonal of W_rec masked.
	copy(w.urec, urec)
	for i := 0; i < h; i++ {
		w.urec[i*h+i] = 0
	}
	uRec, uOut := general(h, h, w.urec), general(o, h, uout)
	uInT, uRecT, uOutT := transpose(w.uinT, h, in, uin), transpose(w.urecT, h, h, w.urec), transpose(w.uoutT, o, h, uout)
	hIn, hRec, hOut := general(h, in, hin), general(h, h, hrec), general(o, h, hout)
	inv := 1 / float64(b.Len())
	for e0 := 0; e0 < b.Len(); e0 += w.cap {
		nb := min(w.cap, b.Len()-e0)
		n.forwardChunk(w, m, b, e0, nb)
		// Forward R-pass: Rv_t = RW_in x_t + RW_rec z_{t−1} + W_rec Rz_{t−1},
		// Rz_t = φ′(v_t) Rv_t (z_0 = Rz_0 = 0).
		for t := 0; t < S; t++ {
			rv := w.rvAt(t, nb)
			gemm(false, false, 1, w.x(b, e0, nb, t), uInT, 0, rv)
			if t > 0 {
				gemm(false, false, 1, w.zAt(t, nb), uRecT, 1, rv)
				gemm(false, false, 1, w.rzAt(t, nb), m.wrecT, 1, rv)
			}
			n.gate(w.rzAt(t+1, nb).Data, w.vAt(t, nb).Data, rv.Data, 1)
		}
		zS, rzS := w.zAt(S, nb), w.rzAt(S, nb)
		rY := general(nb, o, w.ry)
		gemm(false, false, 1, zS, uOutT, 0, rY)
		gemm(false, false, 1, rzS, m.woutT, 1, rY)
		dY, rdY := general(nb, o, w.dy), general(nb, o, w.rdy)
		for e := 0; e < nb; e++ {
			p, ry := w.p[e*o:(e+1)*o], rY.Data[e*o:(e+1)*o]
			dy, rdy := dY.Data[e*o:(e+1)*o], rdY.Data[e*o:(e+1)*o]
			var pry float64
			for c := range ry {
				ry[c] += ub[c]
				pry += p[c] * ry[c]
			}
			for c := range ry {
				dy[c] = p[c] * inv
				rdy[c] = p[c] * (ry[c] - pry) * inv
				hb[c] += rdy[c]
			}
			dy[b.Y[e0+e]] -= inv
		}
		gemm(true, false, 1, rdY, zS, 1, hOut)
		gemm(true, false, 1, dY, rzS, 1, hOut)
		dZ, rdZ := general(nb, h, w.dz), general(nb, h, w.rdz)
		gemm(false, false, 1, dY, m.wout, 0, dZ)
		gemm(false, false, 1, dY, uOut, 0, rdZ)
		gemm(false, false, 1, rdY, m.wout, 1, rdZ)
		dV, rdV := general(nb, h, w.dv), general(nb, h, w.rdv)
		for t := S - 1; t >= 0; t-- {
			n.rgate(dV.Data, rdV.Data, w.vAt(t, nb).Data, w.rvAt(t, nb).Data, dZ.Data, rdZ.Data)
			gemm(true, false, 1, rdV, w.x(b, e0, nb, t), 1, hIn)
			if t > 0 {
				gemm(true, false, 1, rdV, w.zAt(t, nb), 1, hRec)
				gemm(true, false, 1, dV, w.rzAt(t, nb), 1, hRec)
				gemm(false, false, 1, dV, m.wrec, 0, dZ)
				gemm(false, false, 1, dV, uRec, 0, rdZ)
				gemm(false, false, 1, rdV, m.wrec, 1, rdZ)
			}
		}
	}
	for i, x := range uin {
		hin[i] += n.Decay * x
	}
	for i, x := range w.urec {
		hrec[i] += n.Decay * x
	}
	for i := 0; i < h; i++ {
		hrec[i*h+i] = 0
	}
	for i, x := range uout {
		hout[i] += n.Decay * x
	}
}

// Objective is the training loss of Net on Batch as a curvature.Loss: the
// exact gradient (bptt) and the exact Hessian–vector product.
type Objective struct {
	Net   *Net
	Batch Batch
}

var _ curvature.Loss = Objective{}

// Len returns the number of parameters.
func (f Objective) Len() int { return f.Net.Len() }

// Grad sets dst to ∇L(theta) and returns L(theta).
func (f Objective) Grad(dst, theta []float64) float64 {
	return f.Net.Update(dst, theta, f.Batch, Rule{Kind: BPTT})
}

// HessVec sets dst to ∇²L(theta) u.
func (f Objective) HessVec(dst, theta, u []float64) { f.Net.HessVec(dst, theta, u, f.Batch) }
