package plasticity

// Batched forward passes of large networks for Evaluate.
//
// A forward pass is a few dense sums over columns: the input drive
// a = Σ_j AT[:, j]·x_j over the non-zero inputs, and for each round t ≥ 2
// u = a + Σ_j W[:, j]·hᵗ⁻¹_j over the fired nodes (the paper's
// recurrence) or u = Σ_j W[:, j]·(hᵗ⁻¹_j + a_j) over all nodes (the
// reference's), j in increasing order, skipping zero factors. The
// gathered kernel (gaxpy) keeps each partial sum in a register over the
// columns, where an axpy per column loads and stores every sum once per
// column. At |V| = 1,000 the graph (8 MB) and input weights (6 MB) do not
// fit in the second-level cache, so forwardBlocked walks them in tiles
// of evalRows rows × evalCols columns (32 KiB, first-level cache): for
// each tile, each image of the batch adds its columns that fall in the
// tile to its evalRows sums. A tile is read from memory once per batch
// of evaluateBatch images, not once per image, and the tiles of a row
// block are visited in increasing column order, so every sum is the same
// products added in the same order as by forward: the predictions are
// bit-identical (TestEvaluateLargeMatchesPlain). Zero factors are left
// out of the column lists, which changes no sum (a sum that starts at
// +0 or a is never −0, and x + ±0 = x for x ≠ −0).
//
// Skipped on purpose: copying the weights into a tiled layout (tried: no
// faster than tiles read in place, and 14 MB more per call) and
// gathering single images in training (tried for the input drive: slower
// than axpy, whose sequential column reads the prefetcher follows), and a
// kernel with two columns per iteration (within the noise of gaxpy).
// Float32 weights and fused multiply-adds, which cannot be bit-identical,
// are the opt-in fast evaluation (EvaluateWith, evaluate32.go).

// evalRows is the number of rows of a tile: a multiple of 32 (the
// gathered kernel's register block).
const evalRows = 64

// evaluateBatch is the number of images Evaluate passes through a large
// network together (16, 32 and 64 measured: 64 was fastest at T = 3,
// the same at T = 1).
const evaluateBatch = 64

// colMatrix is a matrix of n rows and cols columns stored by column:
// element (i, j) at w[j*n+i] (as AT and a dense graph copy).
type colMatrix struct {
	n, cols int
	w       []float64
}

// evalWeights are the weights forwardBlocked reads: the input weights,
// and a dense copy of the graph weights if the graph is dense enough for
// one (wantDense), else nil.
type evalWeights struct {
	at, w *colMatrix
}

func (net *Network) newEvalWeights() *evalWeights {
	var dw []float64
	if net.wantDense() {
		dw = net.newDense()
	}
	return net.evalWeightsWith(dw)
}

// evalWeightsWith returns the evalWeights around dw, a dense copy of the
// graph weights (newDense) or nil.
func (net *Network) evalWeightsWith(dw []float64) *evalWeights {
	ew := &evalWeights{at: &colMatrix{n: net.n, cols: net.d, w: net.AT}}
	if dw != nil {
		ew.w = &colMatrix{n: net.n, cols: net.n, w: dw}
	}
	return ew
}

// evalCols is the number of columns of a tile: a block's rows of
// evalCols consecutive columns (64 × 64 × 8 B = 32 KiB) stay in the
// first-level cache while every image of the batch adds its columns of
// the tile.
const evalCols = 64

// evalScratch holds, per image of a batch, the columns and factors of
// the current sum, and where each tile's columns start in them.
type evalScratch struct {
	js  [][]int32
	cs  [][]float64
	pos [][]int // pos[b][t]: first p with js[b][p] ≥ t·evalCols; pos[b][tiles] = count
}

func (net *Network) newEvalScratch(batch int) *evalScratch {
	s := &evalScratch{js: make([][]int32, batch), cs: make([][]float64, batch), pos: make([][]int, batch)}
	size := max(net.n, net.d)
	tiles := (size+evalCols-1)/evalCols + 1
	for b := range s.js {
		s.js[b] = make([]int32, size)
		s.cs[b] = make([]float64, size)
		s.pos[b] = make([]int, tiles+1)
	}
	return s
}

// setCount records that image b sums the first k columns of s.js[b] (in
// increasing order) over a matrix of cols columns.
func (s *evalScratch) setCount(b, k, cols int) {
	js, pos := s.js[b][:k], s.pos[b]
	p := 0
	for t := 0; t*evalCols < cols; t++ {
		pos[t] = p
		lim := int32((t + 1) * evalCols)
		for p < k && js[p] < lim {
			p++
		}
	}
	pos[(cols+evalCols-1)/evalCols] = k
}

// gatherRows adds to u the columns idx[p] of w (column j at
// w[j*stride:]) times c[p], in the order of idx: u[i] += c[p]*w[idx[p]*stride+i],
// a rounded product then a rounded sum, exactly as axpy column by column.
func gatherRows(u, w []float64, stride int, idx []int32, c []float64) {
	if len(idx) == 0 {
		return
	}
	r4 := 0
	if useAVX2 {
		r4 = len(u) &^ 3
		gaxpyAVX2(u[:r4], w, stride, idx, c[:len(idx)])
	}
	for i := r4; i < len(u); i++ {
		v := u[i]
		for p, j := range idx {
			v += float64(c[p] * w[int(j)*stride+i]) // float64(): never fused
		}
		u[i] = v
	}
}

// gatherBatch adds, for every image b of the batch, its columns
// (see evalScratch) of m times their factors to dst[b], tile by tile:
// the columns of each image are added in increasing order.
func gatherBatch(dst [][]float64, m *colMatrix, s *evalScratch) {
	tiles := (m.cols + evalCols - 1) / evalCols
	for r0 := 0; r0 < m.n; r0 += evalRows {
		r1 := min(m.n, r0+evalRows)
		w := m.w[r0:]
		for t := 0; t < tiles; t++ {
			for b, u := range dst {
				lo, hi := s.pos[b][t], s.pos[b][t+1]
				gatherRows(u[r0:r1], w, m.n, s.js[b][lo:hi], s.cs[b][lo:hi])
			}
		}
	}
}

// forwardBlocked runs forward on the inputs xs, one workspace each, with
// the weights ew and the scratch s (for at least len(xs)
// images); every workspace ends as after ForwardWS.
func (net *Network) forwardBlocked(ew *evalWeights, s *evalScratch, wss []*Workspace, xs [][]float64, dst [][]float64) {
	dst = dst[:len(wss)]
	// Round 1: a = Σ_j AT[:, j]·x_j over the non-zero x_j, as inputDrive.
	for b, ws := range wss {
		if len(xs[b]) != net.d {
			panic("plasticity: Forward: input has wrong length")
		}
		clear(ws.A)
		clear(ws.Pattern)
		js, cs, k := s.js[b], s.cs[b], 0
		for j, xj := range xs[b] {
			js[k], cs[k] = int32(j), xj
			k += b2i(xj != 0)
		}
		s.setCount(b, k, net.d)
		dst[b] = ws.A
	}
	gatherBatch(dst, ew.at, s)
	for _, ws := range wss {
		copy(ws.u, ws.A)
		net.finishRound(ws, 1)
	}
	if net.T > 1 && ew.w == nil {
		// A sparse graph: rounds reads the edges of W, image by image.
		for _, ws := range wss {
			net.rounds(ws, nil, nil)
		}
		return
	}
	ref := net.cfg.Recurrence == Reference
	for t := 2; t <= net.T; t++ {
		for b, ws := range wss {
			prev, a := ws.H[t-1], ws.A
			js, cs := s.js[b], s.cs[b]
			k, bad := 0, 0
			if ref {
				clear(ws.u)
				for j := range prev {
					c := prev[j] + a[j]
					js[k], cs[k] = int32(j), c
					k += b2i(c != 0)
					bad |= b2i(c-c != 0)
				}
			} else {
				copy(ws.u, a)
				for _, j := range ws.Fired[t-1] {
					c := prev[j]
					js[k], cs[k] = j, c
					k += b2i(c != 0)
					bad |= b2i(c-c != 0)
				}
			}
			if bad != 0 {
				// c − c ≠ 0: some factor is ±Inf or NaN. rounds adds
				// such a column on the edges only (0·Inf would be NaN).
				for p, j := range js[:k] {
					net.addColumn(ws.u, int(j), cs[p], nil)
				}
				k = 0
			}
			s.setCount(b, k, net.n)
			dst[b] = ws.u
		}
		gatherBatch(dst, ew.w, s)
		for _, ws := range wss {
			net.finishRound(ws, t)
		}
	}
	for _, ws := range wss {
		net.logits(ws)
	}
}
