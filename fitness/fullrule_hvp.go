package fitness

import (
	"math"

	"github.com/evolve-toolkit/evolve/internal/seed"
	"github.com/evolve-toolkit/evolve/plasticity"
)

// Hessian returns the Hessian of L at the coefficients y as an operator
// (Len, HessVec; a curvature.Operator): the exact Hessian of the batch
// loss with respect to the rule entries with patterns, predictions and the
// mistake gate of the training run at y held fixed (plasticity.RuleHessian:
// ∇²L = Jᵀ ∇²ℓ J, J the linear map from rule entries to final weights).
// Its parameters are laid out as Y (graph entries first); with an MLP
// graph rule they are the entries of the tables at y (Tables), not the
// MLP's parameters. Building it
// trains once; each product then costs about two rule gradients. The
// operator owns a private network of the landscape and is not safe for
// concurrent use; the landscape stays safe for concurrent use.
func (f *FullRule) Hessian(y []float64) (*plasticity.RuleHessian, error) {
	if len(y) != f.Dim() {
		panic("fitness: FullRule.Hessian: y has wrong length")
	}
	net, err := plasticity.New(f.cfg, seed.PCG(f.cfg.Seed, seed.Network, 0))
	if err != nil {
		return nil, err
	}
	r := f.Rules(y)
	if r.Graph != nil {
		r.Graph.MLP = nil // the table the MLP computes
	}
	return plasticity.NewRuleHessian(net, r, f.batch, f.loss)
}

// HessVec sets dst to ∇²L(y) v. It trains a network at y on every call;
// for many products at one point use Hessian. A run that fails (diverges)
// sets dst to NaN.
func (f *FullRule) HessVec(dst, y, v []float64) {
	if len(dst) != f.Dim() || len(v) != f.Dim() {
		panic("fitness: FullRule.HessVec: length mismatch")
	}
	if f.hidden > 0 {
		panic("fitness: FullRule.HessVec: not available for an MLP graph rule (Hessian gives the table-space operator)")
	}
	h, err := f.Hessian(y)
	if err != nil {
		for i := range dst {
			dst[i] = math.NaN()
		}
		return
	}
	h.HessVec(dst, v)
}
