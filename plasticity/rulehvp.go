package plasticity

import (
	"errors"
	"fmt"

	"github.com/evolve-toolkit/evolve/dataset"
)

// RuleHessian is the Hessian of the meta-loss L(R) of SPEC §3 with respect
// to the entries of additive rule tables at fixed rules: the loss on a
// batch after training on it, with the firing patterns, predictions and
// mistake gate of that training held fixed (the almost-everywhere second
// derivative, as RuleGrader's gradient). With additive rules the final
// weights θ = (U, W) are affine in the tables, θ = θ₀ + J R, so
//
//	∇²_R L = Jᵀ ∇²_θ ℓ(θ_final) J,
//
// where ∇²_θ ℓ is the Hessian of the batch classification loss at the
// final weights with the cap masks of its forward passes fixed
// (ClassLoss.HessVec). J v is the training run's weight change under the
// rule tables v (the accumulation of Train with η v in place of η R) and
// Jᵀ g is RuleGrad's accumulation of g = ∂ℓ/∂θ.
//
// The parameters are the graph table (4^T entries, if the rules have a
// graph rule and the network edges) followed by the output table
// (2^(T+1) entries), the layout of fitness.FullRule. A RuleHessian is an
// operator at one point (curvature.Operator); it owns its network and is
// not safe for concurrent use.
type RuleHessian struct {
	net          *Network
	rules        Rules
	graph        bool
	nG, nO       int
	tape         Tape
	cl           *ClassLoss
	theta        []float64 // final (U, W)
	jv, hjv      []float64
	g            Grad
	loss, acc    float64
	dGraph, dOut []float64 // the exact gradient at the point
}

// NewRuleHessian trains net on batch with rules (from the rules' start
// weights, in the order Train uses), as RuleGrader.Gradient does, and
// returns the Hessian of the batch loss at the final weights with respect
// to the rule tables. The rules must be additive (multiplicative rules
// make the final weights a product of tables, which needs second
// derivatives of the weights this operator does not have); an MLP rule's
// table is used as it stands. net is used by the operator from now on.
func NewRuleHessian(net *Network, rules Rules, batch *dataset.Set, loss Loss) (*RuleHessian, error) {
	if loss == "" {
		loss = CrossEntropy
	}
	if rules.Output == nil && rules.Graph == nil {
		return nil, errors.New("plasticity: rule Hessian: no rule")
	}
	for _, r := range []*Rule{rules.Graph, rules.Output} {
		if r != nil && r.Mult() {
			return nil, fmt.Errorf("plasticity: rule Hessian: the %s rule is multiplicative; only additive rules are supported", r.Kind)
		}
	}
	h := &RuleHessian{net: net}
	// Private copies of the tables: the operator is defined at these rules.
	if rules.Graph != nil {
		h.rules.Graph = rules.Graph.Clone()
		h.rules.Graph.MLP = nil
	}
	if rules.Output != nil {
		h.rules.Output = rules.Output.Clone()
		h.rules.Output.MLP = nil
	}
	h.graph = h.rules.Graph != nil && len(net.W) > 0
	if h.graph {
		h.nG = len(h.rules.Graph.Table)
		h.dGraph = make([]float64, h.nG)
	}
	if h.rules.Output != nil {
		h.nO = len(h.rules.Output.Table)
		h.dOut = make([]float64, h.nO)
	}
	rg := NewRuleGrader(net)
	var dG []float64
	if h.graph {
		dG = h.dGraph
	}
	l, acc, err := rg.Gradient(dG, h.dOut, h.rules, batch, loss)
	if err != nil {
		return nil, err
	}
	h.loss, h.acc = l, acc
	h.tape = rg.tape
	xs := batch.Rows()
	h.cl = NewClassLoss(net, xs, batch.Y, loss)
	h.theta = h.cl.Params()
	h.jv = make([]float64, len(h.theta))
	h.hjv = make([]float64, len(h.theta))
	h.g = Grad{U: h.hjv[:len(net.U)], W: h.hjv[len(net.U):]}
	return h, nil
}

// Len returns the number of rule entries.
func (h *RuleHessian) Len() int { return h.nG + h.nO }

// GraphEntries returns the number of leading parameters that belong to
// the graph rule (0 without one).
func (h *RuleHessian) GraphEntries() int { return h.nG }

// Loss returns the batch loss and accuracy at the point.
func (h *RuleHessian) Loss() (loss, accuracy float64) { return h.loss, h.acc }

// Gradient copies the exact rule gradient at the point (RuleGrader's) to
// dst, graph entries first.
func (h *RuleHessian) Gradient(dst []float64) {
	if len(dst) != h.Len() {
		panic("plasticity: RuleHessian.Gradient: length mismatch")
	}
	copy(dst, h.dGraph)
	copy(dst[h.nG:], h.dOut)
}

// Updates returns the number of rule applications of the training run.
func (h *RuleHessian) Updates() int { return h.tape.Len() }

// HessVec sets dst to ∇²L v = Jᵀ ∇²ℓ J v.
func (h *RuleHessian) HessVec(dst, v []float64) {
	if len(v) != h.Len() || len(dst) != h.Len() {
		panic("plasticity: RuleHessian.HessVec: length mismatch")
	}
	h.jacVec(h.jv, v)
	h.cl.HessVec(h.hjv, h.theta, h.jv)
	clear(dst)
	var dG, dO []float64
	if h.graph {
		dG = dst[:h.nG]
	}
	if h.rules.Output != nil {
		dO = dst[h.nG:]
	}
	h.net.RuleGrad(dG, dO, h.rules, &h.tape, &h.g)
}

// jacVec sets dst = J v, the change of the final (U, W) when the additive
// tables change by v: for every recorded update, ΔW_ij = η v_G[s_j][s_i]
// on every edge j→i, ΔU[y][i] = η v_O[s_i][0] and ΔU[ŷ][i] = η v_O[s_i][1]
// (every row c ≠ y with AllEdges).
func (h *RuleHessian) jacVec(dst, v []float64) {
	net := h.net
	n, m := net.n, net.m
	eta := net.cfg.Eta
	clear(dst)
	du, dw := dst[:len(net.U)], dst[len(net.U):]
	if h.graph {
		S := h.rules.Graph.Cols()
		vg := v[:h.nG]
		for u := 0; u < h.tape.Len(); u++ {
			pat, _, _ := h.tape.Update(u)
			for j := 0; j < n; j++ {
				lo, hi := net.ColPtr[j], net.ColPtr[j+1]
				row := vg[int(pat[j])*S : (int(pat[j])+1)*S]
				out := dw[lo:hi]
				for e, i := range net.Post[lo:hi] {
					out[e] += row[pat[i]]
				}
			}
		}
		for k := range dw {
			dw[k] *= eta
		}
	}
	if h.rules.Output != nil {
		vo := v[h.nG:]
		for u := 0; u < h.tape.Len(); u++ {
			pat, y, pred := h.tape.Update(u)
			rowY := du[y*n : (y+1)*n]
			for i, s := range pat {
				rowY[i] += vo[2*int(s)]
			}
			if net.cfg.AllEdges {
				for c := 0; c < m; c++ {
					if c == y {
						continue
					}
					row := du[c*n : (c+1)*n]
					for i, s := range pat {
						row[i] += vo[2*int(s)+1]
					}
				}
				continue
			}
			rowP := du[pred*n : (pred+1)*n]
			for i, s := range pat {
				rowP[i] += vo[2*int(s)+1]
			}
		}
		for k := range du {
			du[k] *= eta
		}
	}
}
