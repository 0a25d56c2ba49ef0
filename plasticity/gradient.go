package plasticity

import (
	"fmt"
	"math"

	"github.com/evolve-toolkit/evolve/dataset"
)

// Tape records, for every update applied during a training run, what the
// exact rule gradient needs: the firing patterns (one byte per node), the
// label and the prediction. It never copies weights, so its memory is
// updates × |V| bytes. Its Record method is a TrainSettings.Record hook.
type Tape struct {
	n    int
	pats []uint8
	y    []int32
	pred []int32
}

// Reset empties the tape for a network of n nodes, keeping its memory.
func (tp *Tape) Reset(n int) {
	tp.n = n
	tp.pats = tp.pats[:0]
	tp.y = tp.y[:0]
	tp.pred = tp.pred[:0]
}

// Len returns the number of recorded updates.
func (tp *Tape) Len() int { return len(tp.y) }

// Record appends the update about to be applied for label and the forward
// pass in ws. It has the signature of TrainSettings.Record.
func (tp *Tape) Record(_, label int, ws *Workspace) {
	if tp.n == 0 {
		tp.n = len(ws.Pattern)
	}
	if len(ws.Pattern) != tp.n {
		panic("plasticity: Tape.Record: network size changed")
	}
	for _, s := range ws.Pattern {
		tp.pats = append(tp.pats, uint8(s))
	}
	tp.y = append(tp.y, int32(label))
	tp.pred = append(tp.pred, int32(ws.Pred))
}

// Update returns the patterns, label and prediction of update u.
func (tp *Tape) Update(u int) (pattern []uint8, label, pred int) {
	return tp.pats[u*tp.n : (u+1)*tp.n], int(tp.y[u]), int(tp.pred[u])
}

// RuleGrad adds to dGraph and dOutput (laid out as the rules' tables; nil
// skips one) the exact gradient of a loss L with respect to the rule
// tables (SPEC §3). The network holds the final weights of a training run
// that started from the rules' start weights and applied the updates of
// tape; g holds ∂L/∂W (needed for dGraph) and ∂L/∂U (needed for dOutput)
// at the final weights. Patterns, predictions and the mistake gate are held
// fixed, which gives the almost-everywhere derivative:
//
//	additive:       ∂L/∂R[a][b] = η Σ_updates Σ_{edges j→i: s_j=a, s_i=b} ∂L/∂W_ij
//	multiplicative: ∂L/∂R[a][b] = η/(1+ηR[a][b]) Σ_updates Σ_{…} W_ij ∂L/∂W_ij
//
// and likewise for the output rule, whose column 0 hits the edge to the
// label and column 1 the edge to the prediction (every other label with
// AllEdges). The multiplicative form needs 1 + ηR ≠ 0 for the entries used.
func (net *Network) RuleGrad(dGraph, dOutput []float64, rules Rules, tape *Tape, g *Grad) {
	eta := net.cfg.Eta
	if dGraph != nil && rules.Graph != nil && len(net.W) > 0 {
		r := rules.Graph
		if len(dGraph) != len(r.Table) || g.W == nil {
			panic("plasticity: RuleGrad: graph gradient needs a table-sized dGraph and Grad.W")
		}
		S := r.Cols()
		acc := make([]float64, len(dGraph))
		for u := 0; u < tape.Len(); u++ {
			pat, _, _ := tape.Update(u)
			for j := 0; j < net.n; j++ {
				lo, hi := net.ColPtr[j], net.ColPtr[j+1]
				row := acc[int(pat[j])*S : (int(pat[j])+1)*S]
				post, gw := net.Post[lo:hi], g.W[lo:hi]
				if r.Mult() {
					// ∂W_final/∂R carries the factor W_final.
					wf := net.W[lo:hi]
					for e, i := range post {
						row[pat[i]] += gw[e] * wf[e]
					}
					continue
				}
				for e, i := range post {
					row[pat[i]] += gw[e]
				}
			}
		}
		scaleRuleGrad(dGraph, acc, r, eta)
	}
	if dOutput != nil && rules.Output != nil {
		r := rules.Output
		if len(dOutput) != len(r.Table) || g.U == nil {
			panic("plasticity: RuleGrad: output gradient needs a table-sized dOutput and Grad.U")
		}
		n := net.n
		gu := g.U
		if r.Mult() {
			gu = make([]float64, len(g.U))
			for i, v := range g.U {
				gu[i] = v * net.U[i]
			}
		}
		var colSum []float64
		if net.cfg.AllEdges {
			colSum = make([]float64, n)
			for c := 0; c < net.m; c++ {
				for i, v := range gu[c*n : (c+1)*n] {
					colSum[i] += v
				}
			}
		}
		acc := make([]float64, len(dOutput))
		for u := 0; u < tape.Len(); u++ {
			pat, y, pred := tape.Update(u)
			rowY := gu[y*n : (y+1)*n]
			if net.cfg.AllEdges {
				for i, s := range pat {
					acc[2*int(s)] += rowY[i]
					acc[2*int(s)+1] += colSum[i] - rowY[i]
				}
				continue
			}
			rowP := gu[pred*n : (pred+1)*n]
			for i, s := range pat {
				acc[2*int(s)] += rowY[i]
				acc[2*int(s)+1] += rowP[i]
			}
		}
		scaleRuleGrad(dOutput, acc, r, eta)
	}
}

// scaleRuleGrad adds to dst the accumulated sums acc times η (additive)
// or η/(1 + ηR) (multiplicative).
func scaleRuleGrad(dst, acc []float64, r *Rule, eta float64) {
	for i, v := range acc {
		if r.Mult() {
			dst[i] += v * eta / (1 + eta*r.Table[i])
		} else {
			dst[i] += v * eta
		}
	}
}

// RuleGrader computes the loss of a batch after training on it and the
// exact gradient of that loss with respect to the rule tables, reusing
// its buffers between calls. It is not safe for concurrent use.
type RuleGrader struct {
	net  *Network
	tape Tape
	g    *Grad
	dz   []float64
	x    []float64 // an input row
}

// NewRuleGrader returns a RuleGrader for net.
func NewRuleGrader(net *Network) *RuleGrader {
	return &RuleGrader{net: net, g: net.NewGrad(PartW | PartU), dz: make([]float64, net.m), x: make([]float64, net.d)}
}

// Tape returns the tape of the last call to Gradient.
func (rg *RuleGrader) Tape() *Tape { return &rg.tape }

// Gradient resets the network to the rules' start weights, trains it on
// batch (in the order Train uses), computes the mean loss L of the batch
// at the final weights and the batch accuracy, and adds ∂L/∂R of the
// graph and output tables to dGraph and dOutput (nil skips one; both nil
// computes only the loss). The network keeps the final weights.
func (rg *RuleGrader) Gradient(dGraph, dOutput []float64, rules Rules, batch *dataset.Set, loss Loss) (l, acc float64, err error) {
	net := rg.net
	if loss == "" {
		loss = CrossEntropy
	}
	if err := loss.Validate(); err != nil {
		return 0, 0, err
	}
	if batch.Len() == 0 {
		return 0, 0, fmt.Errorf("plasticity: empty batch")
	}
	rg.tape.Reset(net.n)
	if _, err := Train(net, rules, batch, &TrainSettings{Record: rg.tape.Record}); err != nil {
		return 0, 0, err
	}
	wantW := dGraph != nil && rules.Graph != nil && len(net.W) > 0
	wantU := dOutput != nil && rules.Output != nil
	g := rg.g
	if wantW {
		clear(g.W)
	}
	if wantU {
		clear(g.U)
	}
	// Backward only computes the parts present: hide the others.
	gW, gU := g.W, g.U
	if !wantW {
		g.W = nil
	}
	if !wantU {
		g.U = nil
	}
	defer func() { g.W, g.U = gW, gU }()
	ws := net.ws
	scale := 1 / float64(batch.Len())
	right := 0
	for i := 0; i < batch.Len(); i++ {
		x := batch.Row(i, rg.x)
		y := batch.Y[i]
		if net.ForwardWS(ws, x) == y {
			right++
		}
		li := LossGrad(rg.dz, ws.Z, y, loss, scale)
		if math.IsNaN(li) || math.IsInf(li, 0) {
			return li, 0, fmt.Errorf("plasticity: loss of batch example %d is %v", i, li)
		}
		l += li
		if wantW || wantU {
			net.Backward(g, ws, x, rg.dz)
		}
	}
	if wantW || wantU {
		net.RuleGrad(dGraph, dOutput, rules, &rg.tape, g)
	}
	return l * scale, float64(right) * scale, nil
}
