package credit

import (
	"math"

	"gonum.org/v1/gonum/blas/blas64"

	igemm "github.com/evolve-toolkit/evolve/internal/gemm"
)

// chunk is the largest number of sequences whose activations are held at
// once. A batch is processed in chunks of this size, each as matrix
// products over the sequences of the chunk (internal/gemm): per step the
// chunk's pre-activations are V_t = X_t W_inᵀ + Z_{t−1} W_recᵀ, one row
// per sequence, and the backward and R-passes are products of the same
// shapes. The result does not depend on the number of cores (the
// parallel matrix product splits the output, never a sum).
const chunk = 256

// batchWork holds the activations of a chunk and the buffers of the
// backward and R-passes. Per-step matrices are nb×N row-major blocks for
// a chunk of nb sequences.
type batchWork struct {
	cap                    int       // sequences per chunk
	steps, hidden, in      int       // S, N, n_in
	v, rv                  []float64 // S blocks: v_t and Rv_t, t = 0..S−1
	z, rz                  []float64 // S+1 blocks: z_t and Rz_t, z_0 = 0
	y, p, dy, rdy, ry      []float64 // nb×Out
	dz, dv, rdz, rdv, urec []float64 // nb×N, and N×N
	// Transposed copies of the weights (W_inᵀ, W_recᵀ, W_outᵀ) and of the
	// direction's, so every product of the forward passes runs over rows
	// of length N.
	winT, wrecT, woutT, uinT, urecT, uoutT []float64
}

// workspace returns the network's buffers for batches of b sequences.
// A Net is not safe for concurrent use.
func (n *Net) workspace(b int) *batchWork {
	c := min(chunk, b)
	if n.ws != nil && n.ws.cap >= c {
		return n.ws
	}
	s, h, o := n.Steps, n.Hidden, n.Out
	n.ws = &batchWork{
		cap: c, steps: s, hidden: h, in: n.In,
		v: make([]float64, s*c*h), rv: make([]float64, s*c*h),
		z: make([]float64, (s+1)*c*h), rz: make([]float64, (s+1)*c*h),
		y: make([]float64, c*o), p: make([]float64, c*o), dy: make([]float64, c*o), rdy: make([]float64, c*o), ry: make([]float64, c*o),
		dz: make([]float64, c*h), dv: make([]float64, c*h), rdz: make([]float64, c*h), rdv: make([]float64, c*h), urec: make([]float64, h*h),
		winT: make([]float64, n.In*h), wrecT: make([]float64, h*h), woutT: make([]float64, h*o),
		uinT: make([]float64, n.In*h), urecT: make([]float64, h*h), uoutT: make([]float64, h*o),
	}
	return n.ws
}

// block returns block t of buf (the step-t activations of a chunk of nb
// sequences) as an nb×N matrix.
func (w *batchWork) block(buf []float64, t, nb int) blas64.General {
	h := w.hidden
	return blas64.General{Rows: nb, Cols: h, Stride: h, Data: buf[t*nb*h : (t+1)*nb*h]}
}

func (w *batchWork) vAt(t, nb int) blas64.General  { return w.block(w.v, t, nb) }
func (w *batchWork) rvAt(t, nb int) blas64.General { return w.block(w.rv, t, nb) }
func (w *batchWork) zAt(t, nb int) blas64.General  { return w.block(w.z, t, nb) }
func (w *batchWork) rzAt(t, nb int) blas64.General { return w.block(w.rz, t, nb) }

// x returns the inputs of step t of sequences e0..e0+nb−1 of b as an
// nb×In matrix (a strided view, no copy).
func (w *batchWork) x(b Batch, e0, nb, t int) blas64.General {
	in := w.in
	d := w.steps * in
	lo := e0*d + t*in
	return blas64.General{Rows: nb, Cols: in, Stride: d, Data: b.X[lo : lo+(nb-1)*d+in]}
}

// weights holds the weight matrices of θ as matrix views, and the
// transposes of W_in, W_rec and W_out (in w's buffers).
type weights struct{ win, wrec, wout, bias, fb, winT, wrecT, woutT blas64.General }

func (n *Net) mats(w *batchWork, theta []float64) weights {
	win, wrec, wout, b := n.split(theta)
	h, in, o := n.Hidden, n.In, n.Out
	return weights{win: general(h, in, win), wrec: general(h, h, wrec), wout: general(o, h, wout),
		bias: general(1, o, b), fb: general(h, o, n.Feedback),
		winT: transpose(w.winT, h, in, win), wrecT: transpose(w.wrecT, h, h, wrec), woutT: transpose(w.woutT, o, h, wout)}
}

// transpose writes the transpose of the rows×cols matrix a to dst and
// returns it as a cols×rows matrix.
func transpose(dst []float64, rows, cols int, a []float64) blas64.General {
	for i := 0; i < rows; i++ {
		for j, x := range a[i*cols : (i+1)*cols] {
			dst[j*rows+i] = x
		}
	}
	return general(cols, rows, dst)
}

// general views data as a rows×cols row-major matrix.
func general(rows, cols int, data []float64) blas64.General {
	return blas64.General{Rows: rows, Cols: cols, Stride: cols, Data: data[:rows*cols]}
}

// gemm sets c = α op(a) op(b) + β c, op transposing when asked, with
// internal/gemm (an AVX2/FMA kernel where the processor has one, the same
// sums in the same order in Go elsewhere: the result does not depend on
// the processor or the number of cores).
func gemm(ta, tb bool, alpha float64, a, b blas64.General, beta float64, c blas64.General) {
	m, k := a.Rows, a.Cols
	if ta {
		m, k = k, m
	}
	k2, n := b.Rows, b.Cols
	if tb {
		k2, n = n, k2
	}
	if m != c.Rows || n != c.Cols || k != k2 {
		panic("credit: gemm: dimensions differ")
	}
	igemm.Gemm(ta, tb, c.Rows, c.Cols, k, alpha, a.Data, a.Stride, b.Data, b.Stride, beta, c.Data, c.Stride)
}

// forwardChunk runs sequences e0..e0+nb−1 of b, leaving v, z, y and p in
// w, and returns the sum of their cross-entropies.
func (n *Net) forwardChunk(w *batchWork, m weights, b Batch, e0, nb int) float64 {
	S, o := n.Steps, n.Out
	for t := 0; t < S; t++ {
		v := w.vAt(t, nb)
		gemm(false, false, 1, w.x(b, e0, nb, t), m.winT, 0, v)
		if t > 0 {
			gemm(false, false, 1, w.zAt(t, nb), m.wrecT, 1, v)
		}
		z := w.zAt(t+1, nb).Data
		if n.Act == Tanh {
			for i, x := range v.Data {
				z[i], _, _ = n.phi(x)
			}
		} else {
			for i, x := range v.Data {
				z[i] = max(x, 0)
			}
		}
	}
	Y := general(nb, o, w.y)
	gemm(false, false, 1, w.zAt(S, nb), m.woutT, 0, Y)
	var loss float64
	for e := 0; e < nb; e++ {
		y, p := Y.Data[e*o:(e+1)*o], w.p[e*o:(e+1)*o]
		mx := y[0] + m.bias.Data[0]
		for c := range y {
			y[c] += m.bias.Data[c]
			mx = max(mx, y[c])
		}
		var sum float64
		for c := range y {
			p[c] = math.Exp(y[c] - mx)
			sum += p[c]
		}
		for c := range p {
			p[c] /= sum
		}
		loss -= y[b.Y[e0+e]] - mx - math.Log(sum)
	}
	return loss
}

// gate sets dst = c·φ′(v) ⊙ src.
func (n *Net) gate(dst, v, src []float64, c float64) {
	if n.Act == Tanh {
		for i, x := range v {
			_, d1, _ := n.phi(x)
			dst[i] = c * d1 * src[i]
		}
		return
	}
	// Branch-free (the sign of v is unpredictable): the bits of c·src
	// masked to +0 where v ≤ 0.
	for i, x := range v {
		dst[i] = math.Float64frombits(math.Float64bits(c*src[i]) & reluMask(x))
	}
}

// reluMask is all ones if x > 0, else 0 (a conditional move, no branch).
func reluMask(x float64) uint64 {
	var m uint64
	if x > 0 {
		m = ^uint64(0)
	}
	return m
}

// rgate sets dv = φ′(v) ⊙ dz and rdv = φ″(v) ⊙ rv ⊙ dz + φ′(v) ⊙ rdz.
func (n *Net) rgate(dv, rdv, v, rv, dz, rdz []float64) {
	if n.Act == Tanh {
		for i, x := range v {
			_, d1, d2 := n.phi(x)
			dv[i] = d1 * dz[i]
			rdv[i] = d2*rv[i]*dz[i] + d1*rdz[i]
		}
		return
	}
	for i, x := range v {
		m := reluMask(x)
		dv[i] = math.Float64frombits(math.Float64bits(dz[i]) & m)
		rdv[i] = math.Float64frombits(math.Float64bits(rdz[i]) & m)
	}
}
