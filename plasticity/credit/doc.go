// Package credit is a ReLU recurrent network over sequences trained by
// temporal credit-assignment rules, with the exact Hessian–vector product
// of its loss (SPEC §11; Liu, Ghosh, Richards, Shea-Brown and Lajoie 2022,
// "Beyond accuracy: generalization properties of bio-plausible temporal
// credit assignment rules", NeurIPS; code Helena-Yuhan-Liu/BiolHessRNN).
//
// # Network
//
// Over a sequence x_1..x_S (row-wise sequential MNIST: S = 28 rows of 28
// pixels), z_0 = 0 and
//
//	v_t = W_in x_t + W_rec z_{t−1},  z_t = φ(v_t),  y = W_out z_S + b,
//
// with φ = ReLU (or tanh, for smooth tests) and diag(W_rec) = 0. The loss
// of a batch of B examples is
//
//	L = (1/B) Σ CE(softmax(y), label) + (λ/2)(‖W_in‖² + ‖W_rec‖² + ‖W_out‖²),
//
// λ = 0.01. Init W_in ~ N(0, 2/n_in), W_rec ~ N(0, 2/N), W_out ~ N(0, 1/N),
// b = 0. Parameters are one flat vector θ = (W_in, W_rec, W_out, b), all
// row-major; the diagonal of W_rec is held at zero (its gradient and
// Hessian rows are zero; RecBlock and WeightBlock leave it out).
//
// # Rules
//
// With δ_y = (softmax(y) − onehot)/B and the learning signal L^S = F δ_y,
// where F = W_outᵀ for the exact and symmetric rules and a fixed random
// feedback matrix B (N(0, 1/N)) otherwise, every rule updates W_out and b
// by their exact gradient and W_in, W_rec by
//
//	bptt:        δz_S = L^S, δv_t = φ′(v_t) ⊙ δz_t, δz_{t−1} = W_recᵀ δv_t,
//	             ĝ_rec = Σ_t δv_t z_{t−1}ᵀ, ĝ_in = Σ_t δv_t x_tᵀ;
//	tbptt(k):    the same sum over t = S−k+1..S only;
//	truncated:   tbptt(1) = symmetric e-prop with zero leak: ĝ_rec,ij =
//	             L_i^S e_ij^S, e_ij^S = φ′(v_i^S) z_j^{S−1};
//	eprop-random: truncated with F = B;
//	rflo:        e^t = (1 − 1/τ) e^{t−1} + (1/τ) φ′(v^t) z^{t−1}ᵀ, ĝ_rec = L^S ⊙ e^S
//	             (and likewise for W_in with x_t), F = B;
//
// each plus the weight-decay term λW. For a readout at the last step only,
// symmetric e-prop's learning signal is non-zero at t = S alone, hence
// truncated = tbptt(1) (SPEC §11).
//
// # Hessian–vector product
//
// HessVec is Pearlmutter's R-operator (Pearlmutter 1994, "Fast exact
// multiplication by the Hessian"): R{f} = ∂f(θ + r u)/∂r at r = 0, applied
// forward (Rv_t = RW_in x_t + RW_rec z_{t−1} + W_rec Rz_{t−1}, Rz_t =
// φ′(v_t)Rv_t, Ry = RW_out z_S + W_out Rz_S + Rb, Rp = p ⊙ (Ry − pᵀRy)) and
// then through the backward pass (Rδv_t = φ″(v_t) Rv_t δz_t + φ′(v_t) Rδz_t,
// Rδz_{t−1} = RW_recᵀ δv_t + W_recᵀ Rδv_t, Rg_rec = Σ_t Rδv_t z_{t−1}ᵀ +
// δv_t Rz_{t−1}ᵀ, …) plus λu on the weights. For ReLU, φ″ = 0 away from
// kinks: this is the Hessian of the piecewise-quadratic-in-each-region loss,
// exact where finite differences of the gradient are not.
//
// # Computation
//
// Every pass runs over a chunk of up to 256 sequences at once, as matrix
// products (per step V_t = X_t W_inᵀ + Z_{t−1} W_recᵀ, one row per
// sequence; the backward and R-passes are products of the same shapes,
// δZ_{t−1} = δV_t W_rec, ĝ_rec += δV_tᵀ Z_{t−1}, …) through internal/gemm,
// a packed, cache-blocked matrix product with an AVX2/FMA kernel (about 5×
// gonum's pure-Go one) and a Go fallback that computes the same fused sums
// in the same order. The per-example form of the equations above is kept
// in the tests as an independent reference. Results do not depend on the
// number of cores, nor on whether the processor has AVX2. A
// Net holds the buffers of its passes and is not safe for concurrent use.
package credit
