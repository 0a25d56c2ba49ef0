// Package curvature estimates the Hessian spectrum of a loss from exact
// Hessian–vector products: the extreme eigenvalues (and eigenvectors) by
// Lanczos iteration with full re-orthogonalisation, and the trace by
// Hutchinson's estimator with its standard error.
//
// A loss is seen only through the small interfaces Loss (gradient and
// Hessian–vector product at any point) and Operator (the Hessian at a fixed
// point, v ↦ Hv). At turns a Loss into the Operator at a point and Block
// restricts an Operator to a block of parameters, H_BB = Pᵀ H P for the
// coordinate selector P.
//
// # Lanczos
//
// From a random unit vector q_1, Lanczos builds an orthonormal basis
// Q_m = [q_1 … q_m] of the Krylov space span{q_1, Hq_1, …, H^{m−1}q_1} in
// which QᵀHQ = T_m is tridiagonal:
//
//	w = H q_j − β_{j−1} q_{j−1},  α_j = q_jᵀ w,  w ← w − α_j q_j,
//	w ← w − Q_j (Q_jᵀ w)  (full re-orthogonalisation, done twice),
//	β_j = ‖w‖,  q_{j+1} = w/β_j.
//
// The eigenvalues θ of T_m (Ritz values) approximate the extreme
// eigenvalues of H from inside; the Ritz vector is Q_m y and the residual
// ‖H Q_m y − θ Q_m y‖ = β_m |y_m|. Both ends converge at once, unlike power
// iteration, which returns |λ| of whichever end dominates. Full
// re-orthogonalisation keeps Q orthonormal in floating point, so no ghost
// copies of converged eigenvalues appear (Paige 1971; Golub and Van Loan,
// Matrix Computations, 4th ed., §10.1–10.3). With m = n and no breakdown,
// T_n is similar to H and every eigenvalue is recovered.
//
// # Hutchinson
//
// For Rademacher vectors z (entries ±1 with probability ½), E[zᵀHz] =
// tr H (Hutchinson 1990). The estimate is the sample mean of zᵀHz over s
// probes and its standard error the sample standard deviation over √s;
// Var(zᵀHz) = 2 Σ_{i≠j} H_ij², the smallest among i.i.d. probes with
// identity covariance.
//
// # Stability
//
// Gradient descent x ← x − η∇L on a quadratic with Hessian H converges iff
// every eigenvalue of H lies in (0, 2/η): the error along eigenvector i is
// multiplied by (1 − ηλ_i) at each step. The edge-of-stability observation
// (Cohen et al. 2021) is that full-batch GD on a non-convex loss settles
// with λ_top near 2/η; StabilityThreshold returns 2/η.
//
// Randomness: every estimator takes a rand.Source argument; the package
// never uses the global generator and never changes the loss's state.
package curvature
