package plasticity

import (
	"math"

	"github.com/evolve-toolkit/evolve/dataset"
)

// The hidden codes of a learning curve's examples, for T = 1.
//
// With one round the fired nodes F and their values h¹ = cap_k(ReLU(a))
// depend only on the input x and the input weights, which training never
// changes: only the output weights U do. Train measures its learning
// curve on the same set every CurveEvery examples (40 times in a default
// `evolve train` run, where evaluating them took about 2.6 times as long
// as the training itself); with the codes kept from the first point,
// each later point computes only the logits z_c = Σ_{i∈F} U_ci·h¹_i, a
// tenth of a percent of the arithmetic of a forward pass. The codes are
// those of ForwardWS and the logits are summed as logits sums them (over
// F in increasing order, starting at +0), so every prediction is the
// forward pass's, bit for bit (TestCurveCodesMatchEvaluate).

// maxCodeBytes bounds the memory of the kept codes (12 bytes a fired
// node: its index and value); a larger curve set is evaluated in full.
const maxCodeBytes = 256 << 20

// curveCodes holds the hidden codes of the examples of a data set under
// a T = 1 network: example e fired the nodes idx[start[e]:start[e+1]],
// with the values val[start[e]:start[e+1]].
type curveCodes struct {
	net   *Network
	data  *dataset.Set
	start []int
	idx   []int32
	val   []float64
	z     []float64
}

// newCurveCodes runs the forward pass of every example of data and keeps
// its code. It returns nil unless the network has one round and the
// codes fit in maxCodeBytes.
func newCurveCodes(net *Network, data *dataset.Set) *curveCodes {
	nData := data.Len()
	if net.T != 1 || nData == 0 || nData*net.k > maxCodeBytes/12 {
		return nil
	}
	cc := &curveCodes{net: net, data: data, start: make([]int, nData+1), z: make([]float64, net.m)}
	cc.idx = make([]int32, 0, nData*net.k)
	cc.val = make([]float64, 0, nData*net.k)
	ws := net.NewWorkspace()
	x := make([]float64, data.Dim)
	for e := 0; e < nData; e++ {
		net.ForwardWS(ws, data.Row(e, x))
		for _, i := range ws.Fired[1] {
			cc.idx = append(cc.idx, i)
			cc.val = append(cc.val, ws.H[1][i])
		}
		cc.start[e+1] = len(cc.idx)
	}
	return cc
}

// accuracy returns the share of the examples that the network, with its
// current output weights, predicts correctly; as Evaluate's.
func (cc *curveCodes) accuracy() float64 {
	net := cc.net
	n, m := net.n, net.m
	correct := 0
	for e := range cc.data.Y {
		idx, val := cc.idx[cc.start[e]:cc.start[e+1]], cc.val[cc.start[e]:cc.start[e+1]]
		best, bestZ := 0, math.Inf(-1)
		for c := 0; c < m; c++ {
			row := net.U[c*n : (c+1)*n]
			var z float64
			for p, i := range idx {
				z += row[i] * val[p]
			}
			if z > bestZ {
				best, bestZ = c, z
			}
		}
		if best == cc.data.Y[e] {
			correct++
		}
	}
	return float64(correct) / float64(len(cc.data.Y))
}

// useCurveCodes lets tests measure the learning curve without the codes.
var useCurveCodes = true
