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
	z     []float64 // logits of one example
	ut    []float64 // U by node (see accuracy)
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
	cc.readU()
	correct := 0
	for e, y := range cc.data.Y {
		z := cc.logits(e)
		best, bestZ := 0, math.Inf(-1)
		for c, v := range z {
			if v > bestZ {
				best, bestZ = c, v
			}
		}
		if best == y {
			correct++
		}
	}
	return float64(correct) / float64(len(cc.data.Y))
}

// readU copies the output weights by node: ut[i*m+c] = U[c][i], so a
// node's m weights are adjacent.
func (cc *curveCodes) readU() {
	net := cc.net
	n, m := net.n, net.m
	if len(cc.ut) != n*m {
		cc.ut = make([]float64, n*m)
	}
	for c := 0; c < m; c++ {
		for i, v := range net.U[c*n : (c+1)*n] {
			cc.ut[i*m+c] = v
		}
	}
}

// logits returns the logits of example e under the weights of the last
// readU (in cc.z). They are summed five classes at a time (five
// independent sums in registers instead of one chain of additions after
// another), each over the fired nodes in increasing order, as logits
// sums them.
func (cc *curveCodes) logits(e int) []float64 {
	m := cc.net.m
	z := cc.z[:m]
	idx, val := cc.idx[cc.start[e]:cc.start[e+1]], cc.val[cc.start[e]:cc.start[e+1]]
	c := 0
	for ; c+5 <= m; c += 5 {
		var z0, z1, z2, z3, z4 float64
		for p, i := range idx {
			h, u := val[p], cc.ut[int(i)*m+c:int(i)*m+c+5]
			z0 += u[0] * h
			z1 += u[1] * h
			z2 += u[2] * h
			z3 += u[3] * h
			z4 += u[4] * h
		}
		z[c], z[c+1], z[c+2], z[c+3], z[c+4] = z0, z1, z2, z3, z4
	}
	for ; c < m; c++ {
		var zc float64
		for p, i := range idx {
			zc += cc.ut[int(i)*m+c] * val[p]
		}
		z[c] = zc
	}
	return z
}

// useCurveCodes lets tests measure the learning curve without the codes.
var useCurveCodes = true
