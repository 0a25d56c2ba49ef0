package plasticity

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
)

// Loss names a loss on the logits.
type Loss string

const (
	// CrossEntropy is ℓ(z, y) = −log softmax(z)_y, computed on the logits
	// (the reference's double softmax is not reproduced).
	CrossEntropy Loss = "ce"
	// MSE is ℓ(z, y) = (1/m) Σ_c (z_c − 1[c = y])², the mean over the m
	// labels of the squared error against the one-hot target.
	MSE Loss = "mse"
)

// Validate reports an unknown loss.
func (l Loss) Validate() error {
	if l != CrossEntropy && l != MSE {
		return fmt.Errorf("plasticity: loss must be %q or %q, got %q", CrossEntropy, MSE, l)
	}
	return nil
}

// LossGrad returns the loss ℓ(z, y) and writes ∂ℓ/∂z to dz, scaled by
// scale (use 1/|B| for the mean over a batch). An empty loss means
// CrossEntropy. dz and z must have the same length.
func LossGrad(dz, z []float64, y int, loss Loss, scale float64) float64 {
	if len(dz) != len(z) {
		panic("plasticity: LossGrad: length mismatch")
	}
	m := len(z)
	switch loss {
	case MSE:
		var l float64
		for c, v := range z {
			t := 0.0
			if c == y {
				t = 1
			}
			l += (v - t) * (v - t)
			dz[c] = scale * 2 * (v - t) / float64(m)
		}
		return l / float64(m)
	case CrossEntropy, "":
		zmax := math.Inf(-1)
		for _, v := range z {
			zmax = max(zmax, v)
		}
		var sum float64
		for c, v := range z {
			e := math.Exp(v - zmax)
			dz[c] = e
			sum += e
		}
		for c := range dz {
			dz[c] *= scale / sum
		}
		dz[y] -= scale
		return zmax + math.Log(sum) - z[y]
	default:
		panic("plasticity: LossGrad: unknown loss " + string(loss))
	}
}

// Part selects the gradients a Grad computes.
type Part uint8

const (
	// PartW is ∂L/∂W, one value per graph edge.
	PartW Part = 1 << iota
	// PartU is ∂L/∂U, m×n.
	PartU
	// PartA is ∂L/∂A on the masked entries, laid out as AT (d×n).
	PartA
	// PartX is ∂L/∂x of the last example given to Backward.
	PartX
)

// Grad accumulates gradients of a loss with respect to the parameters of a
// network and its input, by backpropagation through forward passes with
// their cap masks fixed (a selected node with pre-activation 0 passes no
// gradient, ReLU′(0) = 0). Fields not selected at construction are nil.
type Grad struct {
	// W holds ∂L/∂W per edge, in the order of Network.W.
	W []float64
	// U holds ∂L/∂U, m×n row-major.
	U []float64
	// AT holds ∂L/∂A transposed (d×n, as Network.AT); entries outside the
	// input mask are 0.
	AT []float64
	// X holds ∂L/∂x of the last Backward call (it is overwritten, not
	// accumulated).
	X []float64

	dh, du, da []float64
}

// NewGrad returns a zero gradient holding the given parts.
func (net *Network) NewGrad(parts Part) *Grad {
	g := &Grad{dh: make([]float64, net.n), du: make([]float64, net.n), da: make([]float64, net.n)}
	if parts&PartW != 0 {
		g.W = make([]float64, len(net.W))
	}
	if parts&PartU != 0 {
		g.U = make([]float64, len(net.U))
	}
	if parts&PartA != 0 {
		g.AT = make([]float64, len(net.AT))
	}
	if parts&PartX != 0 {
		g.X = make([]float64, net.d)
	}
	return g
}

// Zero clears the accumulated gradients.
func (g *Grad) Zero() {
	clear(g.W)
	clear(g.U)
	clear(g.AT)
	clear(g.X)
}

// Backward adds to g the gradient of a loss whose gradient with respect
// to the logits is dz, for the forward pass of x recorded in ws (made by
// ForwardWS with the current weights). Backward only reads the network.
//
// With the cap masks fixed, for the paper's recurrence
//
//	δhᵀ = Uᵀδz,  δuᵗ = δhᵗ ∘ 1[i fired in round t, uᵢᵗ > 0],
//	∂L/∂W_ij += δuᵢᵗ hⱼᵗ⁻¹,  δhᵗ⁻¹ = (G∘W)ᵀδuᵗ,  δa += δuᵗ  (every round),
//
// and for the reference's, in rounds t ≥ 2, ∂L/∂W_ij += δuᵢᵗ(hⱼᵗ⁻¹ + aⱼ) and
// δ(hᵗ⁻¹ + a) = (G∘W)ᵀδuᵗ. Finally ∂L/∂A_ij += δaᵢ xⱼ on the mask and
// ∂L/∂x = (M_A∘A)ᵀδa.
func (net *Network) Backward(g *Grad, ws *Workspace, x, dz []float64) {
	if len(x) != net.d || len(dz) != net.m {
		panic("plasticity: Backward: wrong input or gradient length")
	}
	n, T := net.n, net.T
	hT := ws.H[T]
	if g.U != nil {
		for c, d := range dz {
			if d == 0 {
				continue
			}
			row := g.U[c*n : (c+1)*n]
			for _, i := range ws.Fired[T] {
				row[i] += d * hT[i]
			}
		}
	}
	if g.W == nil && g.AT == nil && g.X == nil {
		return
	}
	dh, du, da := g.dh, g.du, g.da
	clear(da)
	// δhᵀ on the fired nodes of round T (zero elsewhere).
	clear(dh)
	for _, i := range ws.Fired[T] {
		var s float64
		for c, d := range dz {
			s += d * net.U[c*n+int(i)]
		}
		dh[i] = s
	}
	ref := net.cfg.Recurrence == Reference
	for t := T; t >= 1; t-- {
		h := ws.H[t]
		// δuᵗ: through ReLU and the fixed cap.
		clear(du)
		for _, i := range ws.Fired[t] {
			if h[i] > 0 {
				du[i] = dh[i]
			}
		}
		clear(dh)
		if t == 1 || !ref {
			for _, i := range ws.Fired[t] {
				da[i] += du[i]
			}
		}
		if t == 1 {
			break
		}
		prev := ws.H[t-1]
		if ref {
			// uᵗ = (G∘W)(hᵗ⁻¹ + a): every node j feeds its out-edges.
			a := ws.A
			for j := 0; j < n; j++ {
				lo, hi := net.ColPtr[j], net.ColPtr[j+1]
				post, w := net.Post[lo:hi], net.W[lo:hi]
				c := prev[j] + a[j]
				var gw []float64
				if g.W != nil && c != 0 {
					gw = g.W[lo:hi]
				}
				s := backEdges(post, w, gw, du, c)
				da[j] += s
				dh[j] = s // masked by the cap of round t−1 above
			}
			continue
		}
		// Paper: only the nodes fired in round t−1 feed round t.
		for _, j := range ws.Fired[t-1] {
			lo, hi := net.ColPtr[j], net.ColPtr[j+1]
			post, w := net.Post[lo:hi], net.W[lo:hi]
			c := prev[j]
			if c == 0 {
				continue // hⱼ = 0: no weight gradient, and δhⱼ is masked in round t−1
			}
			var gw []float64
			if g.W != nil {
				gw = g.W[lo:hi]
			}
			dh[j] = backEdges(post, w, gw, du, c)
		}
	}
	if g.AT != nil {
		for j, xj := range x {
			if xj == 0 {
				continue
			}
			at, gat := net.AT[j*n:(j+1)*n], g.AT[j*n:(j+1)*n]
			for i, d := range da {
				if at[i] != 0 {
					gat[i] += d * xj
				}
			}
		}
	}
	if g.X != nil {
		for j := range g.X {
			g.X[j] = floats.Dot(net.AT[j*n:(j+1)*n], da)
		}
	}
}

// backEdges returns Σ_e w[e]·du[post[e]] over the out-edges of one node
// and, if gw is not nil, adds c·du[post[e]] to gw[e]. Two accumulators
// break the dependency chain of the sum.
func backEdges(post []int32, w, gw, du []float64, c float64) float64 {
	w = w[:len(post)]
	var s0, s1 float64
	e := 0
	if gw != nil {
		gw = gw[:len(post)]
		for ; e+1 < len(post); e += 2 {
			d0, d1 := du[post[e]], du[post[e+1]]
			s0 += w[e] * d0
			s1 += w[e+1] * d1
			gw[e] += d0 * c
			gw[e+1] += d1 * c
		}
		if e < len(post) {
			d := du[post[e]]
			s0 += w[e] * d
			gw[e] += d * c
		}
		return s0 + s1
	}
	for ; e+1 < len(post); e += 2 {
		s0 += w[e] * du[post[e]]
		s1 += w[e+1] * du[post[e+1]]
	}
	if e < len(post) {
		s0 += w[e] * du[post[e]]
	}
	return s0 + s1
}
