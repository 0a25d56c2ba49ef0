package plasticity

import (
	"math"
	"math/rand/v2"
)

// Network is a simple RNN with its masks, weights and a workspace for one
// forward pass. Masks and input weights are fixed at construction; W and U
// are plastic. A Network is not safe for concurrent use; Evaluate runs
// forward passes in parallel on private workspaces.
type Network struct {
	cfg Config // with defaults applied

	n, d, m, k, T int

	// AT is the masked input weight matrix transposed: d rows of n values,
	// AT[j*n+i] = M_A[i][j]·A[i][j].
	AT []float64

	// The graph is stored by pre-synaptic node (compressed columns):
	// the out-edges of node j are e in [ColPtr[j], ColPtr[j+1]), going to
	// node Post[e] with weight W[e].
	ColPtr []int32
	Post   []int32
	W      []float64

	// U holds the output weights, m rows of n values.
	U []float64

	ws *Workspace

	dt *denseTrain // Train's dense copy of W (see trainDense)

	// edgeBits is the graph as a bit matrix by pre-synaptic node: bit i
	// (bit i%64 of word i/64) of column j, at [j*w, (j+1)*w) with
	// w = ⌈|V|/64⌉ words, is set where j→i is an edge; for the vectorised
	// graph update (see updateColumn); built by trainDense.
	edgeBits []uint64
}

// denseTrain is the state of a training loop on a dense copy of the graph
// weights: the copy, and the graph update of the last example if it is
// still pending. A pending update is applied column by column by the
// second round of the next forward pass, just before each column is
// read, so W is streamed once for both instead of twice (see forward);
// flush applies it at once before W is read otherwise.
type denseTrain struct {
	w       []float64 // dense weights, see newDense
	pending bool      // gv and pre hold an update not yet applied
	mult    bool      // the pending update multiplies
	pre     []int     // pre[j]: pattern of node j in the pending update
	gv      []float64 // gv[a*n+i]: update of an edge from a node of pattern a to i
}

// Workspace holds the state of one forward pass: activations and fired
// sets of every round, patterns and logits.
type Workspace struct {
	// A is the input drive a = (M_A∘A)x.
	A []float64
	// H[t] is hᵗ for t = 0..T (H[0] = 0), dense.
	H [][]float64
	// Fired[t] lists the k nodes selected in round t (t ≥ 1) in increasing order.
	Fired [][]int32
	// Pattern[i] is the firing pattern s_i.
	Pattern []int
	// Z holds the logits.
	Z []float64
	// Pred is the prediction ŷ.
	Pred int

	u    []float64   // pre-cap values
	buf  []float64   // selection scratch
	fv   [][]float64 // fv[t]: hᵗ at the nodes of Fired[t], in that order (see capKV)
	fvOK []bool      // fvOK[t]: fv[t] holds them, all finite and non-zero
	gj   []int32     // columns of a round (see gatherRound)
	gc   []float64   // and their factors
	gv   []float64   // graph-rule rows spread over the nodes (applyGraphTo)
}

func newWorkspace(n, m, T int) *Workspace {
	ws := &Workspace{
		A:       make([]float64, n),
		H:       make([][]float64, T+1),
		Fired:   make([][]int32, T+1),
		Pattern: make([]int, n),
		Z:       make([]float64, m),
		u:       make([]float64, n),
		buf:     make([]float64, n),
		gj:      make([]int32, n),
		gc:      make([]float64, n),
		fv:      make([][]float64, T+1),
		fvOK:    make([]bool, T+1),
	}
	for t := range ws.H {
		ws.H[t] = make([]float64, n)
		ws.fv[t] = make([]float64, n)
	}
	return ws
}

// New builds a network from cfg: masks and input weights are drawn from src
// (a nil src panics); W and U start at zero.
func New(cfg Config, src rand.Source) (*Network, error) {
	if src == nil {
		panic("plasticity: New: nil source")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.Defaults()
	rng := rand.New(src)
	n, d := cfg.Nodes, cfg.Inputs
	net := &Network{cfg: cfg, n: n, d: d, m: cfg.Labels, k: cfg.Cap, T: cfg.Rounds}
	// Input layer, node by node: mask then weight.
	net.AT = make([]float64, d*n)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			if rng.Float64() < cfg.P {
				w := 1.0
				if !cfg.InputOnes {
					w = rng.NormFloat64()
				}
				net.AT[j*n+i] = w
			}
		}
	}
	// Graph, by pre-synaptic node j: edge j→i with probability p, i ≠ j.
	// Only needed when there is more than one round.
	net.ColPtr = make([]int32, n+1)
	if cfg.Rounds > 1 {
		post := make([]int32, 0, int(float64(n*n)*cfg.P*1.05)+16)
		for j := 0; j < n; j++ {
			for i := 0; i < n; i++ {
				if i != j && rng.Float64() < cfg.P {
					post = append(post, int32(i))
				}
			}
			net.ColPtr[j+1] = int32(len(post))
		}
		net.Post = post
	}
	net.W = make([]float64, len(net.Post))
	net.U = make([]float64, cfg.Labels*n)
	net.ws = newWorkspace(n, cfg.Labels, cfg.Rounds)
	return net, nil
}

// Config returns the network's configuration with defaults applied.
func (net *Network) Config() Config { return net.cfg }

// Edges returns the number of graph edges.
func (net *Network) Edges() int { return len(net.Post) }

// Workspace returns the workspace of the last forward pass made by Forward.
func (net *Network) Workspace() *Workspace { return net.ws }

// NewWorkspace returns a private workspace for ForwardWS, for concurrent
// forward passes.
func (net *Network) NewWorkspace() *Workspace { return newWorkspace(net.n, net.m, net.T) }

// Reset sets W and U to the start values of the given rules: 0 for
// additive rules, 1 for multiplicative ones. A nil rule counts as additive.
func (net *Network) Reset(graph, output *Rule) {
	wv, uv := 0.0, 0.0
	if graph != nil && graph.Mult() {
		wv = 1
	}
	if output != nil && output.Mult() {
		uv = 1
	}
	for i := range net.W {
		net.W[i] = wv
	}
	for i := range net.U {
		net.U[i] = uv
	}
}

// Forward runs the network on x and returns the prediction; the
// workspace (see Workspace) holds the activations, patterns and logits.
func (net *Network) Forward(x []float64) int { return net.ForwardWS(net.ws, x) }

// ForwardWS is Forward with an explicit workspace. It only reads the
// network, so it may run concurrently on different workspaces.
func (net *Network) ForwardWS(ws *Workspace, x []float64) int { return net.forward(ws, x, nil, nil) }

// denseMaxNodes is the largest |V| for which training and evaluation keep
// a dense copy of the graph weights (8|V|² bytes: 32 MiB at 2048).
const denseMaxNodes = 2048

// wantDense reports whether a dense copy of the graph pays: more than one
// round and at least a quarter of the possible edges present, so a dense
// column costs at most about twice the memory of its sparse one and is
// applied by one vectorised axpy instead of a scatter.
func (net *Network) wantDense() bool {
	return net.T > 1 && net.n <= denseMaxNodes && 4*len(net.Post) >= net.n*net.n
}

// newDense returns the graph weights as a dense |V|×|V| matrix by
// pre-synaptic node: dw[j*n+i] is the weight of edge j→i and exactly 0
// where there is no edge.
func (net *Network) newDense() []float64 { return net.fillDense(make([]float64, net.n*net.n)) }

// trainDense returns the network's own dense training state, allocated
// once and refilled from W, for Train (which does not run concurrently
// with anything else on the network).
func (net *Network) trainDense() *denseTrain {
	n := net.n
	if net.dt == nil || len(net.dt.w) != n*n {
		net.dt = &denseTrain{w: make([]float64, n*n), pre: make([]int, n)}
	} else {
		clear(net.dt.w)
	}
	net.dt.pending = false
	net.fillDense(net.dt.w)
	if net.edgeBits == nil {
		words := (n + 63) / 64
		net.edgeBits = make([]uint64, n*words)
		for j := 0; j < n; j++ {
			col := net.edgeBits[j*words : (j+1)*words]
			for _, i := range net.Post[net.ColPtr[j]:net.ColPtr[j+1]] {
				col[i>>6] |= 1 << (i & 63)
			}
		}
	}
	return net.dt
}

// flush applies a pending graph update to every column.
func (dt *denseTrain) flush(net *Network) {
	if !dt.pending {
		return
	}
	if !dt.mult && net.edgeBits != nil {
		// Every column at once: w[:, j] += gv[pre[j]] on the edges of j.
		maskAddColumns(dt.w, dt.gv, net.edgeBits, dt.pre, net.n)
		dt.pending = false
		return
	}
	for j := 0; j < net.n; j++ {
		dt.updateColumn(net, j)
	}
	dt.pending = false
}

// updateColumn applies the pending update to the out-edges of node j.
func (dt *denseTrain) updateColumn(net *Network, j int) {
	n := net.n
	w := dt.w[j*n : (j+1)*n]
	v := dt.gv[dt.pre[j]*n : (dt.pre[j]+1)*n]
	post := net.Post[net.ColPtr[j]:net.ColPtr[j+1]]
	if dt.mult {
		for _, i := range post {
			w[i] *= v[i]
		}
		return
	}
	if useAVX2 && net.edgeBits != nil {
		// The whole column, vectorised: w[i] + v[i] on the edges, and
		// +0 + +0 elsewhere (a dense copy holds +0 off the edges).
		words := (n + 63) / 64
		maskAdd(w, v, net.edgeBits[j*words:(j+1)*words])
		return
	}
	// Unrolled by 4: the edges of a column go to distinct nodes, so the
	// four updates are independent.
	for len(post) >= 4 {
		i0, i1, i2, i3 := post[0], post[1], post[2], post[3]
		v0, v1, v2, v3 := v[i0], v[i1], v[i2], v[i3]
		w[i0] += v0
		w[i1] += v1
		w[i2] += v2
		w[i3] += v3
		post = post[4:]
	}
	for _, i := range post {
		w[i] += v[i]
	}
}

// fillDense writes the edge weights into dw, which holds zeros.
func (net *Network) fillDense(dw []float64) []float64 {
	n := net.n
	for j := 0; j < n; j++ {
		col := dw[j*n : (j+1)*n]
		lo, hi := net.ColPtr[j], net.ColPtr[j+1]
		for e, i := range net.Post[lo:hi] {
			col[i] = net.W[int(lo)+e]
		}
	}
	return dw
}

// storeDense copies the edge weights of a dense copy back into W.
func (net *Network) storeDense(dw []float64) {
	n := net.n
	for j := 0; j < n; j++ {
		col := dw[j*n : (j+1)*n]
		lo, hi := net.ColPtr[j], net.ColPtr[j+1]
		w := net.W[lo:hi]
		for e, i := range net.Post[lo:hi] {
			w[e] = col[i]
		}
	}
}

// addColumn adds c times the out-weights of node j to u: u[i] += W_ij·c
// for every edge j→i. With a dense copy dw (not nil) it reads the weights
// from dw and, for finite c, adds the whole dense column with one axpy;
// a missing edge adds an exact 0·c = ±0, which changes no sum (the only
// effect is that a −0 may become +0, and −0 == +0). The result per node is
// bit-identical to the sparse loop: the same products in the same order.
func (net *Network) addColumn(u []float64, j int, c float64, dw []float64) {
	lo, hi := net.ColPtr[j], net.ColPtr[j+1]
	post := net.Post[lo:hi]
	if dw != nil {
		n := net.n
		col := dw[j*n : (j+1)*n]
		if !math.IsInf(c, 0) && !math.IsNaN(c) {
			axpy(u, c, col)
			return
		}
		for _, i := range post { // 0·Inf would be NaN: edges only
			u[i] += col[i] * c
		}
		return
	}
	w := net.W[lo:hi]
	w = w[:len(post)]
	for e, i := range post {
		u[i] += w[e] * c
	}
}

// forward is ForwardWS; dw, if not nil, is a dense copy of the graph
// weights (see newDense) used instead of W. dt, if not nil, is a training
// loop's dense state (dw must be dt.w): its pending update is applied to
// each column in round 2 just before the column is read, which gives the
// same weights, and the same sums, as applying it before the pass.
func (net *Network) forward(ws *Workspace, x []float64, dw []float64, dt *denseTrain) int {
	if len(x) != net.d {
		panic("plasticity: Forward: input has wrong length")
	}
	net.inputDrive(ws.A, x)
	clear(ws.Pattern)
	copy(ws.u, ws.A)
	net.finishRound(ws, 1)
	return net.rounds(ws, dw, dt)
}

// inputDrive writes a = (M_A∘A)x to a: one axpy per non-zero input.
func (net *Network) inputDrive(a, x []float64) {
	n := net.n
	clear(a)
	for j, xj := range x {
		if xj != 0 {
			axpy(a, xj, net.AT[j*n:(j+1)*n])
		}
	}
}

// rounds runs rounds 2..T of a forward pass whose input drive ws.A, round
// 1 (ws.H[1], ws.Fired[1]) and round-1 pattern bits are in ws, and returns
// the prediction. dw and dt are as in forward.
func (net *Network) rounds(ws *Workspace, dw []float64, dt *denseTrain) int {
	n := net.n
	a := ws.A
	u := ws.u
	ref := net.cfg.Recurrence == Reference
	for t := 2; t <= net.T; t++ {
		prev := ws.H[t-1]
		switch {
		case dw != nil && !ref && net.gatherPays():
			if dt != nil {
				dt.flush(net)
			}
			net.gatherRound(ws, t, dw)
		case dt != nil && dt.pending:
			// Every column gets its update; the paper's round then adds
			// the fired columns in increasing order (the others have
			// hᵗ⁻¹_j = 0 and c = 0), as the loop over Fired does.
			if ref {
				clear(u)
			} else {
				copy(u, a)
			}
			for j := 0; j < n; j++ {
				dt.updateColumn(net, j)
				c := prev[j]
				if ref {
					c += a[j]
				}
				if c != 0 {
					net.addColumn(u, j, c, dw)
				}
			}
			dt.pending = false
		case ref:
			clear(u)
			for j := 0; j < n; j++ {
				if c := prev[j] + a[j]; c != 0 {
					net.addColumn(u, j, c, dw)
				}
			}
		default:
			copy(u, a)
			for _, j := range ws.Fired[t-1] {
				if c := prev[j]; c != 0 {
					net.addColumn(u, int(j), c, dw)
				}
			}
		}
		net.finishRound(ws, t)
	}
	return net.logits(ws)
}

// gatherMaxNodes is the largest |V| for which a round reads its fired
// columns with gaxpy, one example at a time: up to 256 nodes the dense
// weights (512 KiB) stay in the second-level cache, beyond that the
// batched kernels, which read each column once for several examples, win.
const gatherMaxNodes = 256

func (net *Network) gatherPays() bool { return net.n <= gatherMaxNodes }

// gatherRound computes the pre-activations of round t ≥ 2 of the paper's
// recurrence from a dense weight copy dw: u = a + Σ_j dw[:, j]·hᵗ⁻¹_j over
// the fired nodes j with hᵗ⁻¹_j ≠ 0 in increasing order, the same sums
// as addColumn column by column, into ws.u.
func (net *Network) gatherRound(ws *Workspace, t int, dw []float64) {
	fired := ws.Fired[t-1]
	u := ws.u
	if ws.fvOK[t-1] {
		// Every fired node has a finite, non-zero hᵗ⁻¹_j: the factors
		// are the values capKV packed.
		copy(u, ws.A)
		gaxpy(u, dw, net.n, fired, ws.fv[t-1])
		return
	}
	prev := ws.H[t-1]
	js, cs := ws.gj[:len(fired)], ws.gc[:len(fired)]
	// Branch-free: every fired node is written, and kept if c ≠ 0; c − c
	// is 0 for a finite c and NaN for ±Inf and NaN.
	cnt, bad := 0, 0
	for _, j := range fired {
		c := prev[j]
		js[cnt], cs[cnt] = j, c
		cnt += b2i(c != 0)
		bad |= b2i(c-c != 0)
	}
	js, cs = js[:cnt], cs[:cnt]
	copy(u, ws.A)
	if bad == 0 {
		gaxpy(u, dw, net.n, js, cs)
		return
	}
	for p, j := range js { // addColumn's edge-only path for ±Inf, NaN
		net.addColumn(u, int(j), cs[p], dw)
	}
}

// finishRound applies ReLU and the cap to the pre-activations ws.u of
// round t and records who fired.
func (net *Network) finishRound(ws *Workspace, t int) {
	ws.Fired[t], ws.fvOK[t] = capKV(ws.Fired[t][:0], ws.fv[t], ws.H[t], ws.u, ws.buf, net.k)
	bitv := 1 << (net.T - t)
	for _, i := range ws.Fired[t] {
		ws.Pattern[i] |= bitv
	}
}

// logits computes z = U hᵀ over the fired nodes and the prediction.
func (net *Network) logits(ws *Workspace) int {
	n := net.n
	hT := ws.H[net.T]
	fired := ws.Fired[net.T]
	best, bestZ := 0, math.Inf(-1)
	for c := 0; c < net.m; c++ {
		row := net.U[c*n : (c+1)*n]
		var z float64
		for _, i := range fired {
			z += row[i] * hT[i]
		}
		ws.Z[c] = z
		if z > bestZ {
			best, bestZ = c, z
		}
	}
	ws.Pred = best
	return best
}

// forwardBatch runs forward on the inputs xs, one workspace each, with
// the same arithmetic per example as forward (so bit-identical results),
// but with the loops over input weights and graph columns outside the
// loop over the examples: each column is read once per batch and reused
// from the first-level cache, instead of once per example.
func (net *Network) forwardBatch(wss []*Workspace, xs [][]float64, dw []float64) {
	n := net.n
	for b, ws := range wss {
		if len(xs[b]) != net.d {
			panic("plasticity: Forward: input has wrong length")
		}
		clear(ws.A)
		clear(ws.Pattern)
	}
	for j := 0; j < net.d; j++ {
		at := net.AT[j*n : (j+1)*n]
		for b, ws := range wss {
			if xj := xs[b][j]; xj != 0 {
				axpy(ws.A, xj, at)
			}
		}
	}
	for _, ws := range wss {
		copy(ws.u, ws.A)
		net.finishRound(ws, 1)
	}
	net.roundsBatch(wss, dw)
}

// roundsBatch is rounds for a batch of workspaces (see forwardBatch),
// without a training state.
func (net *Network) roundsBatch(wss []*Workspace, dw []float64) {
	n := net.n
	ref := net.cfg.Recurrence == Reference
	for t := 2; t <= net.T; t++ {
		if dw != nil && !ref && net.gatherPays() {
			for _, ws := range wss {
				net.gatherRound(ws, t, dw)
				net.finishRound(ws, t)
			}
			continue
		}
		for _, ws := range wss {
			if ref {
				clear(ws.u)
			} else {
				copy(ws.u, ws.A)
			}
		}
		// The paper's round visits the fired nodes j in increasing
		// order with c = hᵗ⁻¹_j; the others have hᵗ⁻¹_j = 0 and are
		// skipped as c = 0, so visiting every j is the same sum.
		for j := 0; j < n; j++ {
			for _, ws := range wss {
				c := ws.H[t-1][j]
				if ref {
					c += ws.A[j]
				}
				if c != 0 {
					net.addColumn(ws.u, j, c, dw)
				}
			}
		}
		for _, ws := range wss {
			net.finishRound(ws, t)
		}
	}
	for _, ws := range wss {
		net.logits(ws)
	}
}
