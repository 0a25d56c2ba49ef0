package plasticity

// Predictor labels batches of inputs with the batched forward passes of
// Evaluate: the tiled kernel of forwardBlocked for networks above
// gatherMaxNodes nodes on AVX2, forwardBatch otherwise. Each prediction is
// bit-identical to Predict on the same input (the kernels add the same
// products in the same order; TestPredictorMatchesPredict), so a caller
// may batch its queries without changing any result.
//
// A Predictor holds private buffers and is not safe for concurrent use;
// the network must not change while it is used.
type Predictor struct {
	net     *Network
	wss     []*Workspace
	ew      *evalWeights
	dw      []float64
	scratch *evalScratch
	dst     [][]float64
}

// NewPredictor returns a Predictor for batches of up to batch inputs
// (batch ≥ 1).
func (net *Network) NewPredictor(batch int) *Predictor {
	if batch < 1 {
		panic("plasticity: NewPredictor: batch must be positive")
	}
	p := &Predictor{net: net, wss: make([]*Workspace, batch)}
	for b := range p.wss {
		p.wss[b] = net.NewWorkspace()
	}
	if useAVX2 && net.n > gatherMaxNodes {
		p.ew = net.newEvalWeights()
		p.scratch = net.newEvalScratch(batch)
		p.dst = make([][]float64, batch)
	} else if net.wantDense() {
		p.dw = net.newDense()
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
	if p.ew != nil {
		p.net.forwardBlocked(p.ew, p.scratch, wss, xs, p.dst)
	} else {
		p.net.forwardBatch(wss, xs, p.dw)
	}
	for b, ws := range wss {
		pred[b] = ws.Pred
	}
}
