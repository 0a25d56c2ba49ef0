package plasticity

import (
	"errors"
	"fmt"

	"gonum.org/v1/gonum/floats"

	"github.com/evolve-toolkit/evolve/dataset"
)

// RuleHessian is the Hessian of the meta-loss L of SPEC §3 with respect
// to the rule parameters at fixed rules: the loss on a batch after
// training on it, with the firing patterns, predictions and mistake gate
// of that training held fixed (the almost-everywhere second derivative, as
// RuleGrader's gradient).
//
// Additive tables. The final weights θ = (U, W) are affine in the tables,
// θ = θ₀ + J R, so
//
//	∇²_R L = Jᵀ ∇²_θ ℓ(θ_final) J,
//
// where ∇²_θ ℓ is the Hessian of the batch classification loss at the
// final weights with the cap masks of its forward passes fixed
// (ClassLoss.HessVec). J v is the training run's weight change under the
// rule tables v (the accumulation of Train with η v in place of η R) and
// Jᵀ g is RuleGrad's accumulation of g = ∂ℓ/∂θ.
//
// Multiplicative tables. A weight is θ_e = θ₀ Π_k (1 + ηR_k)^{c_ek}, c_ek
// the number of updates that multiplied it by entry k, so with
// q_ek = c_ek η/(1 + ηR_k), ∂θ_e/∂R = θ_e q_e and
// ∂²θ_e/∂R_k∂R_l = θ_e (q_ek q_el − δ_kl c_ek η²/(1 + ηR_k)²), and
//
//	∇²_R L v = Jᵀ (∇²_θ ℓ J v + g ⊙ a) − (η v/(1 + ηR)) ⊙ ∇_R L,
//
// with J v = θ ⊙ a, a_e = q_e·v and Jᵀ x = Σ_e θ_e q_e x_e (RuleGrad's
// multiplicative form). Rules of both kinds mix freely.
//
// MLP rules (NewRuleParamHessian). A table T(φ) computed by an MLP adds the
// chain rule: ∇²_φ L v = J_Mᵀ ∇²_T L (J_M v) + Σ_e (∂L/∂T_e) ∇²_φ T_e v,
// with J_M the Jacobian of the table in the MLP weights (MLP.Backward is
// J_Mᵀ) and ∇²_φ T_e the Hessian of one tanh-network output.
//
// The parameters are the graph rule's (if the rules have a graph rule and
// the network edges) followed by the output rule's: table entries (4^T and
// 2^(T+1), the layout of fitness.FullRule) or, for an MLP rule of
// NewRuleParamHessian, its weights in MLP.Params order (the layout of the
// meta-learner's θ). A RuleHessian is an operator at one point
// (curvature.Operator); it owns its network and is not safe for concurrent
// use.
type RuleHessian struct {
	net          *Network
	rules        Rules
	graph        bool
	nG, nO       int  // table entries
	pG, pO       int  // parameters
	mlpG, mlpO   *MLP // MLP parameterisations (parameter mode only)
	tape         Tape
	cl           *ClassLoss
	theta        []float64 // final (U, W)
	gFinal       []float64 // ∂ℓ/∂θ at the final weights, (U, W), for multiplicative rules
	jv, hjv, a   []float64
	g            Grad
	loss, acc    float64
	dGraph, dOut []float64 // the exact table gradient at the point
	tv, th       []float64 // a table direction and its table Hessian product
}

// NewRuleHessian trains net on batch with rules (from the rules' start
// weights, in the order Train uses), as RuleGrader.Gradient does, and
// returns the Hessian of the batch loss at the final weights with respect
// to the rule tables. Rules may be additive or multiplicative (a
// multiplicative entry needs 1 + ηR ≠ 0); an MLP rule's table is used as
// it stands (NewRuleParamHessian differentiates through the MLP). net is
// used by the operator from now on.
func NewRuleHessian(net *Network, rules Rules, batch *dataset.Set, loss Loss) (*RuleHessian, error) {
	return newRuleHessian(net, rules, batch, loss, false)
}

// NewRuleParamHessian is NewRuleHessian with respect to the parameters
// the meta-learner learns: an MLP rule's weights (W1, B1, W2, B2) and a
// table rule's entries, graph rule first (plasticity.Meta's layout).
func NewRuleParamHessian(net *Network, rules Rules, batch *dataset.Set, loss Loss) (*RuleHessian, error) {
	return newRuleHessian(net, rules, batch, loss, true)
}

func newRuleHessian(net *Network, rules Rules, batch *dataset.Set, loss Loss, params bool) (*RuleHessian, error) {
	if loss == "" {
		loss = CrossEntropy
	}
	if rules.Output == nil && rules.Graph == nil {
		return nil, errors.New("plasticity: rule Hessian: no rule")
	}
	eta := net.cfg.Eta
	for _, r := range []*Rule{rules.Graph, rules.Output} {
		if r == nil || !r.Mult() {
			continue
		}
		if err := r.Validate(); err != nil {
			return nil, err
		}
		for k, v := range r.Table {
			if 1+eta*v == 0 {
				return nil, fmt.Errorf("plasticity: rule Hessian: multiplicative %s rule entry %d has 1 + ηR = 0", r.Kind, k)
			}
		}
	}
	h := &RuleHessian{net: net}
	// Private copies of the rules: the operator is defined at these rules.
	// Training uses the tables (an MLP's evaluation).
	split := func(r *Rule) (*Rule, *MLP) {
		if r == nil {
			return nil, nil
		}
		c := r.Clone()
		if c.MLP != nil {
			c.Eval()
		}
		m := c.MLP
		c.MLP = nil
		if !params {
			m = nil
		}
		return c, m
	}
	var mG *MLP
	h.rules.Graph, mG = split(rules.Graph)
	h.rules.Output, h.mlpO = split(rules.Output)
	h.graph = h.rules.Graph != nil && len(net.W) > 0
	if h.graph {
		h.mlpG = mG
		h.nG, h.pG = len(h.rules.Graph.Table), len(h.rules.Graph.Table)
		if h.mlpG != nil {
			h.pG = h.mlpG.NumParams()
		}
		h.dGraph = make([]float64, h.nG)
	}
	if h.rules.Output != nil {
		h.nO, h.pO = len(h.rules.Output.Table), len(h.rules.Output.Table)
		if h.mlpO != nil {
			h.pO = h.mlpO.NumParams()
		}
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
	nU := len(net.U)
	if h.mult(GraphRule) || h.mult(OutputRule) {
		// RuleGrader's ∂ℓ/∂θ at the final weights; a part it did not
		// compute (no rule of that kind) is never read.
		h.gFinal = make([]float64, len(h.theta))
		if h.rules.Output != nil {
			copy(h.gFinal[:nU], rg.g.U)
		}
		if h.graph {
			copy(h.gFinal[nU:], rg.g.W)
		}
	}
	h.jv = make([]float64, len(h.theta))
	h.hjv = make([]float64, len(h.theta))
	h.a = make([]float64, len(h.theta))
	h.g = Grad{U: h.hjv[:nU], W: h.hjv[nU:]}
	h.tv = make([]float64, h.nG+h.nO)
	h.th = make([]float64, h.nG+h.nO)
	return h, nil
}

// mult reports whether the rule of kind k is present (and used) and
// multiplicative.
func (h *RuleHessian) mult(k Kind) bool {
	if k == GraphRule {
		return h.graph && h.rules.Graph.Mult()
	}
	return h.rules.Output != nil && h.rules.Output.Mult()
}

// Len returns the number of parameters.
func (h *RuleHessian) Len() int { return h.pG + h.pO }

// GraphEntries returns the number of leading parameters that belong to
// the graph rule (0 without one).
func (h *RuleHessian) GraphEntries() int { return h.pG }

// Loss returns the batch loss and accuracy at the point.
func (h *RuleHessian) Loss() (loss, accuracy float64) { return h.loss, h.acc }

// Gradient copies the exact gradient at the point (RuleGrader's, chained
// through MLP rules in parameter mode) to dst, graph parameters first.
func (h *RuleHessian) Gradient(dst []float64) {
	if len(dst) != h.Len() {
		panic("plasticity: RuleHessian.Gradient: length mismatch")
	}
	clear(dst)
	chain(dst[:h.pG], h.dGraph, h.mlpG, GraphRule, h.rules.Graph)
	chain(dst[h.pG:], h.dOut, h.mlpO, OutputRule, h.rules.Output)
}

// chain adds the table gradient dTab to dst, through m if not nil.
func chain(dst, dTab []float64, m *MLP, k Kind, r *Rule) {
	if len(dst) == 0 {
		return
	}
	if m == nil {
		floats.Add(dst, dTab)
		return
	}
	m.Backward(dst, dTab, k, r.Rounds)
}

// Updates returns the number of rule applications of the training run.
func (h *RuleHessian) Updates() int { return h.tape.Len() }

// HessVec sets dst to ∇²L v.
func (h *RuleHessian) HessVec(dst, v []float64) {
	if len(v) != h.Len() || len(dst) != h.Len() {
		panic("plasticity: RuleHessian.HessVec: length mismatch")
	}
	// The table direction J_M v (v itself for tables).
	vG, vO := v[:h.pG], v[h.pG:]
	tG, tO := h.tv[:h.nG], h.tv[h.nG:]
	if h.mlpG != nil {
		h.mlpG.jacVec(tG, vG, GraphRule, h.rules.Graph.Rounds)
	} else {
		copy(tG, vG)
	}
	if h.mlpO != nil {
		h.mlpO.jacVec(tO, vO, OutputRule, h.rules.Output.Rounds)
	} else {
		copy(tO, vO)
	}
	h.tableHessVec(h.th, h.tv)
	clear(dst)
	dG, dO := dst[:h.pG], dst[h.pG:]
	chain(dG, h.th[:h.nG], h.mlpG, GraphRule, h.rules.Graph)
	chain(dO, h.th[h.nG:], h.mlpO, OutputRule, h.rules.Output)
	if h.mlpG != nil {
		h.mlpG.hessVecTerm(dG, h.dGraph, vG, GraphRule, h.rules.Graph.Rounds)
	}
	if h.mlpO != nil {
		h.mlpO.hessVecTerm(dO, h.dOut, vO, OutputRule, h.rules.Output.Rounds)
	}
}

// tableHessVec sets dst to ∇²_R L v for a direction v of the tables.
func (h *RuleHessian) tableHessVec(dst, v []float64) {
	net := h.net
	h.jacVec(h.jv, v)
	h.cl.HessVec(h.hjv, h.theta, h.jv)
	// Multiplicative blocks: Jv = θ ⊙ a was formed by jacVec; add g ⊙ a.
	for _, b := range h.multBlocks() {
		for i := b[0]; i < b[1]; i++ {
			h.hjv[i] += h.gFinal[i] * h.a[i]
		}
	}
	clear(dst)
	var dG, dO []float64
	if h.graph {
		dG = dst[:h.nG]
	}
	if h.rules.Output != nil {
		dO = dst[h.nG:]
	}
	// RuleGrad reads the final weights from net (ClassLoss keeps them).
	net.RuleGrad(dG, dO, h.rules, &h.tape, &h.g)
	eta := net.cfg.Eta
	sub := func(d, vv, grad []float64, r *Rule) {
		for k := range d {
			d[k] -= eta * vv[k] / (1 + eta*r.Table[k]) * grad[k]
		}
	}
	if h.mult(GraphRule) {
		sub(dG, v[:h.nG], h.dGraph, h.rules.Graph)
	}
	if h.mult(OutputRule) {
		sub(dO, v[h.nG:], h.dOut, h.rules.Output)
	}
}

// multBlocks returns the index ranges of (U, W) moved by multiplicative rules.
func (h *RuleHessian) multBlocks() [][2]int {
	nU := len(h.net.U)
	var b [][2]int
	if h.mult(OutputRule) {
		b = append(b, [2]int{0, nU})
	}
	if h.mult(GraphRule) {
		b = append(b, [2]int{nU, len(h.theta)})
	}
	return b
}

// jacVec sets dst = J v, the change of the final (U, W) when the tables
// change by v: for every recorded update, each edge j→i receives
// s_G[s_j][s_i], U[y][i] receives s_O[s_i][0] and U[ŷ][i] s_O[s_i][1]
// (every row c ≠ y with AllEdges), where s = η v for an additive rule and
// η v/(1 + ηR) for a multiplicative one; the sums are a, and J v = a for
// additive blocks and θ ⊙ a for multiplicative ones (a is kept in h.a).
func (h *RuleHessian) jacVec(dst, v []float64) {
	net := h.net
	n, m := net.n, net.m
	eta := net.cfg.Eta
	clear(dst)
	du, dw := dst[:len(net.U)], dst[len(net.U):]
	scaled := func(vv []float64, r *Rule) []float64 {
		s := make([]float64, len(vv))
		for k, x := range vv {
			if r.Mult() {
				s[k] = eta * x / (1 + eta*r.Table[k])
			} else {
				s[k] = eta * x
			}
		}
		return s
	}
	if h.graph {
		S := h.rules.Graph.Cols()
		vg := scaled(v[:h.nG], h.rules.Graph)
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
	}
	if h.rules.Output != nil {
		vo := scaled(v[h.nG:], h.rules.Output)
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
	}
	for _, b := range h.multBlocks() {
		for i := b[0]; i < b[1]; i++ {
			h.a[i] = dst[i]
			dst[i] *= h.theta[i]
		}
	}
}
