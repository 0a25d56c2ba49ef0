package plasticity

import "fmt"

// ClassLoss is the mean classification loss of a network over a fixed set
// of examples as a function of its output weights U and graph weights W,
// θ = (U row-major, W per edge), with the cap masks fixed at the current
// point (input weights A are constant). Its Hessian–vector product is
// exact: Pearlmutter's R-operator applied to ForwardWS and Backward.
//
// Grad and HessVec write θ into the network's U and W before evaluating;
// ClassLoss owns the network while it is used.
type ClassLoss struct {
	Net  *Network
	X    [][]float64
	Y    []int
	Loss Loss // "" means CrossEntropy

	ws             *Workspace
	g              *Grad
	dz, rdz, rz    []float64
	rh, ru, rc, rd []float64
	rhs            [][]float64
	bw             *blockWS
	plain          bool // per-example HessVec on the paper recurrence too (tests)
}

// NewClassLoss returns the loss of net on the examples xs, ys.
func NewClassLoss(net *Network, xs [][]float64, ys []int, loss Loss) *ClassLoss {
	if len(xs) != len(ys) || len(xs) == 0 {
		panic("plasticity: NewClassLoss: need equal, non-zero numbers of inputs and labels")
	}
	n, m, T := net.n, net.m, net.T
	c := &ClassLoss{Net: net, X: xs, Y: ys, Loss: loss, ws: net.NewWorkspace(), g: net.NewGrad(PartU | PartW),
		dz: make([]float64, m), rdz: make([]float64, m), rz: make([]float64, m),
		rh: make([]float64, n), ru: make([]float64, n), rc: make([]float64, n), rd: make([]float64, n)}
	c.rhs = make([][]float64, T+1)
	for t := range c.rhs {
		c.rhs[t] = make([]float64, n)
	}
	return c
}

// Len returns len(U) + len(W).
func (c *ClassLoss) Len() int { return len(c.Net.U) + len(c.Net.W) }

// Params returns a copy of the network's current θ = (U, W).
func (c *ClassLoss) Params() []float64 {
	return append(append([]float64(nil), c.Net.U...), c.Net.W...)
}

func (c *ClassLoss) set(theta []float64) {
	if len(theta) != c.Len() {
		panic(fmt.Sprintf("plasticity: ClassLoss: len(theta)=%d, want %d", len(theta), c.Len()))
	}
	copy(c.Net.U, theta[:len(c.Net.U)])
	copy(c.Net.W, theta[len(c.Net.U):])
}

// Grad sets dst to ∇L(θ) and returns L(θ).
func (c *ClassLoss) Grad(dst, theta []float64) float64 {
	c.set(theta)
	c.g.Zero()
	scale := 1 / float64(len(c.X))
	var l float64
	for e, x := range c.X {
		c.Net.ForwardWS(c.ws, x)
		l += LossGrad(c.dz, c.ws.Z, c.Y[e], c.Loss, scale)
		c.Net.Backward(c.g, c.ws, x, c.dz)
	}
	copy(dst, c.g.U)
	copy(dst[len(c.g.U):], c.g.W)
	return l * scale
}

// HessVec sets dst to ∇²L(θ) v with the cap masks of θ held fixed.
//
// Forward: Rhᵗ = Dᵗ ∘ Ruᵗ with Dᵗ the indicator of nodes fired in round t
// with positive value, Ruᵗ = Σ_j (RW_·j cⱼ + W_·j Rcⱼ) for t ≥ 2 (cⱼ = hⱼᵗ⁻¹,
// or hⱼᵗ⁻¹ + aⱼ for the reference recurrence; Rcⱼ = Rhⱼᵗ⁻¹), Rh¹ = 0,
// Rz = RU hᵀ + U Rhᵀ. Backward: Rδz from the loss's Hessian on the logits,
// R∂U = Rδz hᵀᵀ + δz Rhᵀᵀ, Rδhᵀ = RUᵀδz + UᵀRδz, and for t = T..2:
// Rδuᵗ = Dᵗ ∘ Rδhᵗ, R∂W_ij += Rδuᵢᵗ cⱼ + δuᵢᵗ Rcⱼ, Rδhᵗ⁻¹ = RWᵀδuᵗ + WᵀRδuᵗ.
func (c *ClassLoss) HessVec(dst, theta, v []float64) {
	c.set(theta)
	if len(v) != c.Len() || len(dst) != c.Len() {
		panic("plasticity: ClassLoss.HessVec: length mismatch")
	}
	net := c.Net
	n, m, T := net.n, net.m, net.T
	ref := net.cfg.Recurrence == Reference
	ru, rw := v[:len(net.U)], v[len(net.U):]
	hu, hw := dst[:len(net.U)], dst[len(net.U):]
	clear(dst)
	scale := 1 / float64(len(c.X))
	if !ref && !c.plain {
		for lo := 0; lo < len(c.X); lo += hvpBlock {
			c.hessVecBlocked(hu, hw, ru, rw, lo, min(lo+hvpBlock, len(c.X)), scale)
		}
		return
	}
	ws := c.ws
	dh, du := c.g.dh, c.g.du
	for e, x := range c.X {
		net.ForwardWS(ws, x)
		// forward R-pass
		clear(c.rhs[1])
		for t := 2; t <= T; t++ {
			prev, rprev := ws.H[t-1], c.rhs[t-1]
			clear(c.ru)
			if ref {
				for j := 0; j < n; j++ {
					cj, rcj := prev[j]+ws.A[j], rprev[j]
					if cj == 0 && rcj == 0 {
						continue
					}
					for k := net.ColPtr[j]; k < net.ColPtr[j+1]; k++ {
						c.ru[net.Post[k]] += rw[k]*cj + net.W[k]*rcj
					}
				}
			} else {
				for _, j := range ws.Fired[t-1] {
					cj, rcj := prev[j], rprev[j]
					for k := net.ColPtr[j]; k < net.ColPtr[j+1]; k++ {
						c.ru[net.Post[k]] += rw[k]*cj + net.W[k]*rcj
					}
				}
			}
			rh := c.rhs[t]
			clear(rh)
			for _, i := range ws.Fired[t] {
				if ws.H[t][i] > 0 {
					rh[i] = c.ru[i]
				}
			}
		}
		hT, rhT := ws.H[T], c.rhs[T]
		for k := 0; k < m; k++ {
			var s float64
			for _, i := range ws.Fired[T] {
				s += ru[k*n+int(i)]*hT[i] + net.U[k*n+int(i)]*rhT[i]
			}
			c.rz[k] = s
		}
		LossGrad(c.dz, ws.Z, c.Y[e], c.Loss, scale)
		lossHess(c.rdz, ws.Z, c.rz, c.Loss, scale)
		for k := 0; k < m; k++ {
			row := hu[k*n : (k+1)*n]
			for _, i := range ws.Fired[T] {
				row[i] += c.rdz[k]*hT[i] + c.dz[k]*rhT[i]
			}
		}
		// δhᵀ and Rδhᵀ on the fired nodes of round T
		clear(dh)
		clear(c.rh)
		for _, i := range ws.Fired[T] {
			var s, rs float64
			for k := 0; k < m; k++ {
				s += c.dz[k] * net.U[k*n+int(i)]
				rs += c.dz[k]*ru[k*n+int(i)] + c.rdz[k]*net.U[k*n+int(i)]
			}
			dh[i], c.rh[i] = s, rs
		}
		for t := T; t >= 2; t-- {
			h := ws.H[t]
			clear(du)
			clear(c.rd)
			for _, i := range ws.Fired[t] {
				if h[i] > 0 {
					du[i], c.rd[i] = dh[i], c.rh[i]
				}
			}
			clear(dh)
			clear(c.rh)
			prev, rprev := ws.H[t-1], c.rhs[t-1]
			edge := func(j int) {
				cj, rcj := prev[j], rprev[j]
				if ref {
					cj += ws.A[j]
				}
				var s, rs float64
				for k := net.ColPtr[j]; k < net.ColPtr[j+1]; k++ {
					i := net.Post[k]
					hw[k] += c.rd[i]*cj + du[i]*rcj
					s += net.W[k] * du[i]
					rs += rw[k]*du[i] + net.W[k]*c.rd[i]
				}
				dh[j], c.rh[j] = s, rs
			}
			if ref {
				for j := 0; j < n; j++ {
					edge(j)
				}
			} else {
				for _, j := range ws.Fired[t-1] {
					edge(int(j))
				}
			}
		}
	}
}

// lossHess sets dst to scale·∇²ℓ(z) rz, the Hessian of the loss on the
// logits applied to rz: p ∘ (rz − pᵀrz) for cross-entropy (p = softmax z),
// 2rz/m for MSE.
func lossHess(dst, z, rz []float64, loss Loss, scale float64) {
	m := len(z)
	if loss == MSE {
		for c := range dst {
			dst[c] = scale * 2 * rz[c] / float64(m)
		}
		return
	}
	// p from LossGrad with label 0 and scale 1: dz = p − e₀.
	LossGrad(dst, z, 0, CrossEntropy, 1)
	dst[0]++
	var pr float64
	for c := range dst {
		pr += dst[c] * rz[c]
	}
	for c := range dst {
		dst[c] = scale * dst[c] * (rz[c] - pr)
	}
}
