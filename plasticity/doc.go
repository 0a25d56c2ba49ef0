// Package plasticity implements the "simple RNN" of Cristian, Dabagia,
// Papadimitriou and Vempala, "Learning with Plasticity Rules:
// Generalization and Robustness", trained without backpropagation by
// plasticity rules (SPEC §1–§2).
//
// # The network
//
// Sizes: input dimension d, labels m, nodes n = |V|, edge probability p,
// cap k, rounds T ≥ 1. The input layer has a fixed mask M_A (entries 1 with
// probability p) and fixed weights A ~ N(0,1) (all ones with InputOnes); the
// graph has a mask G with G_ij = 1 (edge j→i) with probability p for i ≠ j,
// and plastic weights W on its edges; the output layer has plastic weights
// U ∈ R^{m×n}. For an input x, with a = (M_A∘A)x:
//
//	h⁰ = 0
//	hᵗ = cap_k(ReLU((G∘W)hᵗ⁻¹ + a)),  t = 1..T
//	z  = U hᵀ,  ŷ = argmax z (ties: lowest index)
//
// cap_k keeps the k largest entries (ties to the lower index) and zeroes the
// rest; exactly k nodes fire each round. With Recurrence "reference" rounds
// t ≥ 2 compute cap_k(ReLU((G∘W)(hᵗ⁻¹ + a))) as the public PyTorch
// implementation does.
//
// The firing pattern of node i is s_i = Σ_t f_iᵗ 2^(T−t): round 1 is the most
// significant bit.
//
// # Rules
//
// A graph rule is a table R[pre][post] of 2^T × 2^T entries; for every edge
// j→i it applies ΔW_ij = η R[s_j][s_i] (additive) or W_ij ← W_ij(1 + η R[s_j][s_i])
// (multiplicative). An output rule is a table R_o of 2^T × 2 entries: column 0
// updates the edge from node i to the true label y, column 1 the edge to the
// predicted label ŷ (to every wrong label with AllEdges). Rules apply on
// mistakes only (Mistakes, the default) or on every example (All). A rule is
// parameterised by its table or by a small MLP evaluated into a table before
// training.
//
// # Learning rules by gradient descent
//
// Meta learns rules (SPEC §3): each outer step resets the weights, trains
// on a batch B with the current rules and takes an Adam step (coupled
// weight decay) on the loss of B at the final weights, L = (1/|B|) Σ ℓ(z, y)
// with ℓ the cross-entropy of the logits or the MSE (1/m) Σ_c (z_c − 1[c=y])².
// The gradient is exact: Backward propagates through the final forward
// passes with the cap masks fixed, giving ∂L/∂W and ∂L/∂U, and with the
// firing patterns, predictions and mistake gate of the training run held
// fixed (recorded on a Tape, |V| bytes per update) the final weights are
// W₀ + η Σ_updates R[s_j][s_i] per edge (additive) or W₀ Π (1 + ηR[s_j][s_i])
// (multiplicative), so
//
//	∂L/∂R[a][b] = η Σ_updates Σ_{j→i: s_j=a, s_i=b} ∂L/∂W_ij            (additive)
//	∂L/∂R[a][b] = η/(1+ηR[a][b]) Σ_updates Σ_{…} W_ij ∂L/∂W_ij          (multiplicative)
//
// and likewise for the output rule; an MLP rule chains through its table.
//
// # Curvature
//
// ClassLoss is the classification loss as a function of θ = (U, W) with the
// cap masks fixed; its HessVec is Pearlmutter's R-operator through the
// forward and backward passes. RuleHessian is the Hessian of the meta-loss
// with respect to the rule tables: for additive tables the final weights
// are affine in the tables, θ = θ₀ + J R, so ∇²_R L = Jᵀ ∇²_θ ℓ J, with J v
// the training run's weight change under tables v and Jᵀ the accumulation
// of the rule gradient; no second-derivative term of J appears because J is
// linear (Pearlmutter, "Fast exact multiplication by the Hessian", Neural
// Computation 1994). Multiplicative tables make each weight a product
// θ_e = θ₀ Π_k (1 + ηR_k)^{c_ek}, which adds the term Σ_e (∂ℓ/∂θ_e) ∇²θ_e;
// NewRuleParamHessian chains through MLP rules to their weights, adding
// Σ_e (∂L/∂T_e) ∇²T_e of each tanh-network output (rulehvp.go has the
// formulas).
// OptimalOutputRule solves the normal equations of the MSE-optimal output
// rule (appendix B); GD trains the weights themselves with Adam, the
// baselines gd-output and gd-full (SPEC §5).
//
// # Performance
//
// The engine exploits the structure of the model: hᵗ is k-sparse, so the
// graph product visits only the out-edges of fired nodes (weights are
// stored by pre-synaptic node); zero input pixels are skipped; rule tables
// are pre-scaled by η so an update costs one table look-up per edge. No
// allocation happens per training example.
//
// Evaluate is exact: batched and tiled (evaluate.go), every prediction is
// Forward's, bit for bit. EvaluateWith with Precision Fast runs the same
// model in float32 (evaluate32.go): the weights are copied into float32
// blocks of 64 rows per call, each sum is formed with fused multiply-adds
// of eight lanes (with AVX2 and FMA; elsewhere Fast is exact), and the
// cap keeps the k largest float32 values with the same tie rule. Each weight and
// input is then rounded by at most 2⁻²⁴ relative and a sum of K products
// by at most γ_K·Σ|terms| (Higham, Accuracy and Stability of Numerical
// Algorithms, §3.1), so a prediction can differ from the exact one only
// where two nodes at the cap's threshold, or the two largest logits, are
// closer than that: none of 80,000 test-set predictions did on the
// networks of TestFastEvaluationMatchesExact, whose logits agree to 1e-6
// relative where the weights are moderate (1e-2 where a random graph rule
// grew large weights that cancel). Values beyond float32's range send an
// image (or the whole network) to the exact path. Results compared bit
// for bit (published numbers, checkpoints, resumes) use Evaluate.
//
// At T = 1 the fired nodes and values of an image depend only on the
// fixed input weights, so Train keeps them for its learning-curve set and
// each curve point computes only the logits (evaluate_codes.go), bit for
// bit as Forward.
package plasticity
