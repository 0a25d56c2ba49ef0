package plasticity

import "math"

// Predictor labels batches of inputs with the batched forward passes of
// Evaluate: the tiled kernel of forwardBlocked for networks above
// gatherMaxNodes nodes on AVX2, forwardBatch otherwise. Each prediction is
// bit-identical to Forward on the same input (the kernels add the same
// products in the same order; TestPredictorMatchesPlain), so a caller
// may batch its queries without changing any result.
//
// A Predictor holds private buffers and is not safe for concurrent use;
// the network must not change while it is used.
type Predictor struct {
	net     *Network
	wss     []*Workspace
	pw      predictWeights
	scratch *evalScratch
	dst     [][]float64
}

// predictWeights are what the batched kernels read besides the network,
// shared read-only by the Predictors of one network state: the tiled
// kernel's weights (ew) above gatherMaxNodes nodes with AVX2, else a dense
// copy of the graph weights (dw) if the graph is dense enough for one.
type predictWeights struct {
	ew *evalWeights
	dw []float64
}

// newPredictWeights chooses the kernel for n inputs: a dense graph copy
// pays from 16 inputs on.
func (net *Network) newPredictWeights(n int) predictWeights {
	var dw []float64
	if net.wantDense() && (n >= 16 || useAVX2 && net.n > gatherMaxNodes) {
		dw = net.newDense()
	}
	return net.predictWeightsWith(dw)
}

// predictWeightsWith chooses the kernel around dw, a dense copy of the
// graph weights (newDense) or nil.
func (net *Network) predictWeightsWith(dw []float64) predictWeights {
	if useAVX2 && net.n > gatherMaxNodes {
		return predictWeights{ew: net.evalWeightsWith(dw)}
	}
	return predictWeights{dw: dw}
}

// batch is the number of inputs a batch of the chosen kernel holds.
func (pw predictWeights) batch() int {
	if pw.ew != nil {
		return evaluateBatch
	}
	return evalBatch
}

// NewPredictor returns a Predictor for batches of up to batch inputs
// (batch ≥ 1), made for many inputs.
func (net *Network) NewPredictor(batch int) *Predictor {
	if batch < 1 {
		panic("plasticity: NewPredictor: batch must be positive")
	}
	return net.newPredictor(batch, net.newPredictWeights(math.MaxInt))
}

func (net *Network) newPredictor(batch int, pw predictWeights) *Predictor {
	p := &Predictor{net: net, wss: make([]*Workspace, batch), pw: pw}
	for b := range p.wss {
		p.wss[b] = net.NewWorkspace()
	}
	if pw.ew != nil {
		p.scratch = net.newEvalScratch(batch)
		p.dst = make([][]float64, batch)
	}
	return p
}

// Batch returns the largest number of inputs Predict takes at once.
func (p *Predictor) Batch() int { return len(p.wss) }

// Predict writes the predicted label of xs[b] to pred[b] for every b.
// len(xs) must not exceed Batch, and pred must be at least as long as xs.
func (p *Predictor) Predict(xs [][]float64, pred []int) {
	nb := len(xs)
	if nb > len(p.wss) {
		panic("plasticity: Predictor.Predict: more inputs than the batch size")
	}
	if nb == 0 {
		return
	}
	wss := p.wss[:nb]
	if p.pw.ew != nil {
		p.net.forwardBlocked(p.pw.ew, p.scratch, wss, xs, p.dst)
	} else {
		p.net.forwardBatch(wss, xs, p.pw.dw)
	}
	for b, ws := range wss {
		pred[b] = ws.Pred
	}
}

// FixedForward runs single forward passes of a network that does not
// change while it is used (an attacked network): it keeps a dense copy of
// the graph weights where the graph is dense enough for one (as Train and
// Evaluate do), so a round reads W by columns instead of through the edge
// lists. Each pass leaves in the Workspace exactly what ForwardWS leaves
// (the same sums in the same order; TestFixedForwardMatchesForward), so
// Backward may follow it. It is safe for concurrent use with a Workspace
// per goroutine.
type FixedForward struct {
	net *Network
	dw  []float64
}

// NewFixedForward returns a FixedForward of net's current weights.
func (net *Network) NewFixedForward() *FixedForward {
	f := &FixedForward{net: net}
	if net.wantDense() {
		f.dw = net.newDense()
	}
	return f
}

// NewPredictor returns a Predictor for batches of up to batch inputs of
// the network as it was when f was made, reading f's dense copy of the
// graph weights instead of making its own.
func (f *FixedForward) NewPredictor(batch int) *Predictor {
	if batch < 1 {
		panic("plasticity: NewPredictor: batch must be positive")
	}
	return f.net.newPredictor(batch, f.net.predictWeightsWith(f.dw))
}

// Forward is ForwardWS of the network as it was when f was made.
func (f *FixedForward) Forward(ws *Workspace, x []float64) int {
	return f.net.forward(ws, x, f.dw, nil)
}
