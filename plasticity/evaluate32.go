package plasticity

// The fast evaluation: forward passes in float32 (EvaluateWith with
// Precision Fast).
//
// Each call copies the weights into float32 (input weights, the graph
// as a dense matrix, the output weights), so nothing is cached on the
// network and a network changed by training between two calls is always
// read afresh. The input and graph matrices are stored in blocks of 64
// rows (blocked32), each block column by column, so the columns of one
// block that an image adds are 256-byte pieces of one contiguous
// 64 × d (or 64 × |V|) array. The blocks are walked in tiles of tileCols
// columns (32 KiB, first-level cache): every image of a batch of
// fastBatch adds its non-zero columns that fall in the tile to its 64
// sums, which gatherTile32FMA keeps in eight registers of eight lanes,
// one fused multiply-add per register and column (eight float32 lanes
// against four float64 ones, and one instruction against two per
// product). Each row adds its columns in increasing order whatever the
// tiling, so an image's sums do not depend on the batch or the number of
// CPUs. The cap is two AVX2 passes (capScan32AVX2 packs the positive
// values for the selection, capTake32AVX2 keeps the winners) around a
// quickselect, and the logits are dot products over the padded |V|.
//
// The arithmetic is that of Forward, in float32: u = a + Σ_j W[:, j]·hᵗ⁻¹_j
// (paper) or Σ_j W[:, j]·(hᵗ⁻¹_j + a_j) (reference), the cap keeps the k
// largest values of ReLU(u), lower index first among equal values, and
// z = U·hᵀ. What differs from the exact evaluation is rounding: every
// weight and input is rounded to float32 (relative error ≤ 2⁻²⁴), each
// sum is formed with fused multiply-adds in float32 (error ≤ γ_K·Σ|terms|
// with γ_K ≈ K·2⁻²⁴ for K terms), and the logits are summed in another
// order. A prediction can therefore differ from the exact one only when
// two values are closer than these errors: two nodes at the cap's
// threshold (one fires instead of the other), or two logits. The
// measured rate of changed predictions is in TestFastEvaluationMatchesExact.
// An image whose float32 pass meets a value that is not finite (an
// overflow) is evaluated exactly, and so is a network with a weight
// beyond float32's range.

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"

	"github.com/evolve-toolkit/evolve/dataset"
)

// blockRows is the number of rows of a block of a blocked32 matrix: the
// 64 sums gather32 keeps in registers.
const blockRows = 64

// fastBatch is the number of images a worker of the fast evaluation
// passes through the network together.
const fastBatch = 64

// blocked32 is a matrix of rows × cols float32 values in blocks of
// blockRows rows, each block stored column by column: element (i, j) at
// w[(i/64·cols + j)·64 + i%64]. Rows past rows (up to a multiple of 64)
// hold 0.
type blocked32 struct {
	rows, cols int
	w          []float32
}

func newBlocked32(rows, cols int) *blocked32 {
	nb := (rows + blockRows - 1) / blockRows
	return &blocked32{rows: rows, cols: cols, w: make([]float32, nb*cols*blockRows)}
}

// block returns block r: its column j at [64j, 64j+64).
func (m *blocked32) block(r int) []float32 {
	return m.w[r*m.cols*blockRows : (r+1)*m.cols*blockRows]
}

// gather32 adds to the 64 values of u the columns idx[p] of a block w
// times c[p], in the order of idx.
func gather32(u, w []float32, idx []int32, c []float32) {
	u = u[:blockRows]
	c = c[:len(idx)]
	if useFMA {
		gather32FMA(u, w, blockRows, idx, c)
		return
	}
	for p, j := range idx {
		col := w[int(j)*blockRows : int(j)*blockRows+blockRows]
		cp := c[p]
		for i := range u {
			u[i] += cp * col[i]
		}
	}
}

// dot32 returns Σ x[i]·y[i]; len(x) = len(y) is a multiple of 64.
func dot32(x, y []float32) float32 {
	y = y[:len(x)]
	if useFMA {
		return dot32FMA(x, y)
	}
	var s float32
	for i, v := range x {
		s += v * y[i]
	}
	return s
}

// fastNet is the float32 copy of a network's weights read by the fast
// evaluation.
type fastNet struct {
	net  *Network
	nPad int        // |V| rounded up to a multiple of blockRows
	at   *blocked32 // input weights, |V| × d
	w    *blocked32 // graph weights, dense |V| × |V|; nil at T = 1
	u    []float32  // output weights: m rows of nPad values, 0 past |V|
}

// fastMaxNodes is the largest |V| the fast evaluation handles: its dense
// float32 graph copy takes 4|V|² bytes (16 MiB at 2048).
const fastMaxNodes = 2048

// newFastNet copies the weights of net into float32. It returns nil if
// the network is too large (fastMaxNodes) or a weight is not finite in
// float32; then the exact evaluation is used.
func (net *Network) newFastNet() *fastNet {
	n, d := net.n, net.d
	if n > fastMaxNodes {
		return nil
	}
	nb := (n + blockRows - 1) / blockRows
	fn := &fastNet{net: net, nPad: nb * blockRows, at: newBlocked32(n, d)}
	bad := 0 // branch-free: f − f is NaN for an infinite or NaN f
	for j := 0; j < d; j++ {
		col := net.AT[j*n : (j+1)*n]
		for r := 0; r < nb; r++ {
			dst := fn.at.w[(r*d+j)*blockRows : (r*d+j+1)*blockRows]
			src := col[r*blockRows : min(n, (r+1)*blockRows)]
			i0 := 0
			if useFMA {
				i0 = len(src) &^ 7
				bad |= cvt32(dst, src[:i0])
			}
			for i, v := range src[i0:] {
				f := float32(v)
				dst[i0+i] = f
				bad |= b2i(f-f != 0)
			}
		}
	}
	if net.T > 1 {
		fn.w = newBlocked32(n, n)
		for j := 0; j < n; j++ {
			lo, hi := net.ColPtr[j], net.ColPtr[j+1]
			w := net.W[lo:hi]
			for e, i := range net.Post[lo:hi] {
				f := float32(w[e])
				fn.w.w[(int(i)/blockRows*n+j)*blockRows+int(i)%blockRows] = f
				bad |= b2i(f-f != 0)
			}
		}
	}
	fn.u = make([]float32, net.m*fn.nPad)
	for c := 0; c < net.m; c++ {
		for i, v := range net.U[c*n : (c+1)*n] {
			f := float32(v)
			fn.u[c*fn.nPad+i] = f
			bad |= b2i(f-f != 0)
		}
	}
	if bad != 0 {
		return nil
	}
	return fn
}

// tileCols is the number of columns of a tile: a block's 64 rows of
// tileCols columns (64 × 128 × 4 B = 32 KiB) stay in the first-level
// cache while every image of a batch adds its columns of the tile (32,
// 64, 96, 128, 192, 256 and untiled measured: 128 was fastest at T = 1
// and T = 3, by 10–20 % over 64).
const tileCols = 128

// fastScratch is one worker's state for a batch of images. Per-image
// vectors are rows of flat arrays: image b's at [b·nPad, (b+1)·nPad) of
// a, u and h, at [b·size, (b+1)·size) of js and cs.
type fastScratch struct {
	nPad, size, pstride int
	a, u, h             []float32  // input drive, pre-activations, hᵗ
	js                  []int32    // the columns of each image's current sum, increasing
	cs                  []float32  // and their factors
	cnt                 []int      // and their number
	pos                 []int32    // pos[b·pstride+t]: first p of image b in tile t
	buf                 []float32  // selection scratch
	z                   []float32  // logits: image b's at [b·m, (b+1)·m)
	bad                 []bool     // per image: a value was not finite; evaluate exactly
	x                   []float64  // one input row
	ws                  *Workspace // for the exact evaluation of a bad image
	pix                 [256]float32
}

func (fn *fastNet) newScratch(batch int) *fastScratch {
	net := fn.net
	size := max(net.n, net.d)
	pstride := (size+tileCols-1)/tileCols + 1
	s := &fastScratch{
		nPad: fn.nPad, size: size, pstride: pstride,
		a: make([]float32, batch*fn.nPad), u: make([]float32, batch*fn.nPad), h: make([]float32, batch*fn.nPad),
		js: make([]int32, batch*size), cs: make([]float32, batch*size), cnt: make([]int, batch),
		pos: make([]int32, batch*pstride), buf: make([]float32, net.n), z: make([]float32, batch*net.m), bad: make([]bool, batch),
		x: make([]float64, net.d),
	}
	for v := range s.pix {
		s.pix[v] = float32(dataset.PixelScale[v])
	}
	return s
}

// row returns image b's vector of v (a, u or h).
func (s *fastScratch) row(v []float32, b int) []float32 { return v[b*s.nPad : (b+1)*s.nPad] }

// setCount records that image b's current sum has k columns, in
// increasing order, of a matrix of cols columns, and where each tile's
// columns start.
func (s *fastScratch) setCount(b, k, cols int) {
	s.cnt[b] = k
	js, pos := s.js[b*s.size:b*s.size+k], s.pos[b*s.pstride:(b+1)*s.pstride]
	p, t := 0, 0
	for ; t*tileCols < cols; t++ {
		pos[t] = int32(p)
		lim := int32((t + 1) * tileCols)
		for p < k && js[p] < lim {
			p++
		}
	}
	pos[t] = int32(k)
}

// gatherAll adds, for every image b < nb, its columns of m times their
// factors to its row of dst: block by block and, within a block, tile
// by tile, so each row adds its columns in increasing order.
func (s *fastScratch) gatherAll(dst []float32, m *blocked32, nb int) {
	tiles := (m.cols + tileCols - 1) / tileCols
	for r := 0; r*blockRows < m.rows; r++ {
		blk := m.block(r)
		if !useFMA {
			for b := 0; b < nb; b++ {
				o := b * s.size
				gather32(s.row(dst, b)[r*blockRows:], blk, s.js[o:o+s.cnt[b]], s.cs[o:o+s.cnt[b]])
			}
			continue
		}
		for t := 0; t < tiles; t++ {
			gatherTile32FMA(unsafe.Pointer(&dst[r*blockRows]), s.nPad, unsafe.Pointer(&blk[0]),
				unsafe.Pointer(&s.js[0]), unsafe.Pointer(&s.cs[0]), s.size, unsafe.Pointer(&s.pos[t]), s.pstride, nb)
		}
	}
}

// forward predicts the images lo..lo+nb−1 of data into pred.
func (fn *fastNet) forward(s *fastScratch, data *dataset.Set, lo, nb int, pred []int) {
	net := fn.net
	n := net.n
	for b := 0; b < nb; b++ {
		js, cs, k := s.js[b*s.size:(b+1)*s.size], s.cs[b*s.size:(b+1)*s.size], 0
		if pix := data.RowBytes(lo + b); pix != nil {
			// Eight bytes at a time: a word of zeros (most of an
			// image's border) adds nothing.
			j := 0
			for ; j+8 <= len(pix); j += 8 {
				if binary.LittleEndian.Uint64(pix[j:]) == 0 {
					continue
				}
				for q, v := range pix[j : j+8] {
					js[k], cs[k] = int32(j+q), s.pix[v]
					k += b2i(v != 0)
				}
			}
			for ; j < len(pix); j++ {
				js[k], cs[k] = int32(j), s.pix[pix[j]]
				k += b2i(pix[j] != 0)
			}
		} else {
			for j, v := range data.Row(lo+b, s.x) {
				f := float32(v)
				js[k], cs[k] = int32(j), f
				k += b2i(f != 0)
			}
		}
		s.setCount(b, k, net.d)
		clear(s.row(s.a, b))
		s.bad[b] = false
	}
	s.gatherAll(s.a, fn.at, nb)
	for b := 0; b < nb; b++ {
		s.bad[b] = !cap32(s.row(s.h, b)[:n], s.row(s.a, b)[:n], s.buf, net.k)
	}
	ref := net.cfg.Recurrence == Reference
	for t := 2; t <= net.T; t++ {
		for b := 0; b < nb; b++ {
			h, a, u := s.row(s.h, b)[:n], s.row(s.a, b)[:n], s.row(s.u, b)
			js, cs, k := s.js[b*s.size:(b+1)*s.size], s.cs[b*s.size:(b+1)*s.size], 0
			if ref {
				clear(u)
				for j, v := range h {
					c := v + a[j]
					js[k], cs[k] = int32(j), c
					k += b2i(c != 0)
				}
			} else {
				copy(u, a)
				for j, v := range h {
					js[k], cs[k] = int32(j), v
					k += b2i(v != 0)
				}
			}
			s.setCount(b, k, n)
		}
		s.gatherAll(s.u, fn.w, nb)
		for b := 0; b < nb; b++ {
			s.bad[b] = s.bad[b] || !cap32(s.row(s.h, b)[:n], s.row(s.u, b)[:n], s.buf, net.k)
		}
	}
	for b := 0; b < nb; b++ {
		h := s.row(s.h, b)
		best, bestZ := 0, float32(math.Inf(-1))
		for c := 0; c < net.m; c++ {
			z := dot32(fn.u[c*fn.nPad:(c+1)*fn.nPad], h)
			s.z[b*net.m+c] = z
			s.bad[b] = s.bad[b] || z-z != 0
			if z > bestZ {
				best, bestZ = c, z
			}
		}
		pred[b] = best
		if s.bad[b] {
			if s.ws == nil {
				s.ws = net.NewWorkspace()
			}
			pred[b] = net.ForwardWS(s.ws, data.Row(lo+b, s.x))
		}
	}
}

// cap32 writes cap_k(ReLU(u)) to h: the k largest values of ReLU(u),
// the lower index first among equal values, and 0 elsewhere, as capK
// does in float64. It reports false, leaving h undefined, if a value of u
// is not finite. buf is scratch of len(u). The loops are branch-free, as
// capK's (which values pass is a coin flip for the branch predictor).
func cap32(h, u, buf []float32, k int) bool {
	n := len(u)
	h, buf = h[:n], buf[:n]
	m, bad, i0 := 0, 0, 0
	if useFMA {
		i0 = n &^ 7
		m, bad = capScan32(buf, u[:i0])
	}
	for _, v := range u[i0:] {
		buf[m] = v
		m += b2i(v > 0)
		bad |= b2i(v-v != 0)
	}
	if bad != 0 {
		return false
	}
	// With at most k positive values every one is kept, and the zeros
	// taken to fill the cap are 0 in h: tau = 0 keeps exactly the
	// positive values.
	tau, lim := float32(0), 0
	if m > k {
		var above, eqs int
		tau, above, eqs = kthLargest(buf[:m], k)
		// The values equal to tau at indices below lim are kept.
		lim = n
		if ties := k - above; ties < eqs {
			cnt := 0
			for i, v := range u {
				cnt += b2i(v == tau)
				if cnt == ties {
					lim = i + 1
					break
				}
			}
		}
	}
	if useFMA {
		capTake32(h[:i0], u[:i0], tau, lim)
	}
	for i := i0; i < n; i++ {
		v := u[i]
		take := b2i(v > tau) | b2i(v == tau)&b2i(i < lim)
		h[i] = math.Float32frombits(math.Float32bits(v) & -uint32(take))
	}
	return true
}

// Precision is the arithmetic of an evaluation's forward passes.
type Precision string

const (
	// Exact evaluates in float64, every prediction exactly as Forward
	// (bit for bit, on any number of CPUs).
	Exact Precision = "exact"
	// Fast evaluates in float32 (see the comment at the top of
	// evaluate32.go) on processors with AVX2 and FMA, and exactly
	// elsewhere: a prediction may differ from the exact one where two
	// nodes at the cap's threshold, or the two largest logits, are closer
	// than float32's rounding. It does not depend on the number of CPUs
	// either.
	Fast Precision = "fast"
)

// Validate reports an error unless p is Exact, Fast or "".
func (p Precision) Validate() error {
	switch p {
	case "", Exact, Fast:
		return nil
	}
	return fmt.Errorf("plasticity: evaluation precision %q: want %q or %q", string(p), Exact, Fast)
}

// EvalSettings controls EvaluateWith. The zero value (or nil) is
// Evaluate.
type EvalSettings struct {
	// Precision is the arithmetic of the forward passes. If Precision is
	// "", Exact is used.
	Precision Precision
}

// EvaluateWith is Evaluate with settings: with Precision Fast it runs the
// float32 evaluation, in parallel over contiguous shares of the examples
// as Evaluate, on processors with AVX2 and FMA. Elsewhere, and for a
// network the fast evaluation cannot hold (more than fastMaxNodes nodes,
// or a weight not finite in float32), it is Evaluate: the portable
// float32 loops are slower than the exact evaluation. An invalid
// Precision panics (see Precision.Validate).
func EvaluateWith(net *Network, data *dataset.Set, s *EvalSettings) Evaluation {
	if s == nil || s.Precision == "" || s.Precision == Exact {
		return Evaluate(net, data)
	}
	if err := s.Precision.Validate(); err != nil {
		panic(err.Error())
	}
	if !useFMA {
		return Evaluate(net, data)
	}
	return evaluateFast(net, data)
}

// evaluateFast is EvaluateWith with Precision Fast, on the FMA kernels
// or, without them, the Go loops.
func evaluateFast(net *Network, data *dataset.Set) Evaluation {
	nData := data.Len()
	if data.Dim != net.d {
		panic("plasticity: Forward: input has wrong length")
	}
	fn := net.newFastNet()
	if fn == nil || nData == 0 {
		return Evaluate(net, data)
	}
	ev := Evaluation{Pred: make([]int, nData)}
	inChunks(nData, func(lo, hi int) {
		s := fn.newScratch(min(fastBatch, hi-lo))
		for i := lo; i < hi; i += fastBatch {
			nb := min(fastBatch, hi-i)
			fn.forward(s, data, i, nb, ev.Pred[i:i+nb])
		}
	})
	ev.score(data.Y)
	return ev
}
