// Package attack implements the targeted L2 projected-gradient attack of
// Cristian, Dabagia, Papadimitriou and Vempala, "Learning with Plasticity
// Rules: Generalization and Robustness", section 4 and appendix A.3
// (SPEC §6), and the robust accuracy it defines.
//
// # The attack
//
// For a test image x ∈ [0,1]^d with label y, a radius ε and each target
// label y' ≠ y:
//
//	x⁰ = x,  xᵗ⁺¹ = Π(xᵗ − α ∇ₓ CE(f(xᵗ), y')),  t < S,
//
// with S = 50 steps and α = 2.5 ε / S by default. The step uses the raw
// gradient, not its sign. Π projects onto the ball ‖x' − x‖₂ ≤ ε and then
// clips to [0,1]^d, repeating the pair until both constraints hold within
// 1e-9 (at most 10 times; for a centre inside the box one pass suffices,
// since clipping towards the box never moves a point away from x). The
// gradient of a plasticity network is its backward pass with the cap set of
// each forward pass fixed (plasticity.Network.Backward, part PartX); the
// cap set is recomputed at every iterate.
//
// The image is broken at ε if one of the m − 1 targeted attacks ends — its
// final point xˢ — classified ≠ y. Images the network misclassifies
// already (ε = 0) count as broken at every ε. Robust accuracy is the share
// of N test images (default 100, drawn with the seed's attack stream) that
// are not broken. Two exact shortcuts keep the cost down: once a target
// breaks the image the remaining targets are skipped, and ε = 0 needs no
// steps (α = 0).
//
// Option AnyIterate counts an image as broken as soon as some iterate xᵗ is
// classified ≠ y and stops that attack there. Every iterate lies inside
// the ball and the box, so it is a valid adversarial example: the option
// gives a robust accuracy never above the SPEC's and costs less.
//
// The raw-gradient step is not invariant to the scale of the logits:
// multiplying U by c > 0 leaves every prediction unchanged but multiplies
// the first step by about c, so a network with small logits (small η, few
// updates) moves little in S steps and looks robust. Option Normalize steps
// along ∇/‖∇‖₂ instead, the usual L2 projected gradient, which does not
// depend on that scale.
//
// # Losses
//
// A gradient attack descends one of three targeted losses of the logits z
// (Config.Loss or Method.Loss):
//
//	CrossEntropy   L = −log softmax(z)_y'               ∂L/∂z = p − e_y'
//	DoubleSoftmax  L = −log softmax(softmax(z))_y'      ∂L/∂z = J_softmax(z)ᵀ (softmax(p) − e_y')
//	Margin         L = max_{c≠y'} z_c − z_y'            ∂L/∂z = e_c* − e_y'
//
// DoubleSoftmax is the loss of the public reference (SPEC §3 notes that it
// applies softmax twice). The Jacobian J = diag(p) − ppᵀ has entries of
// order e^(−gap) for logit gaps "gap", so on a confident network with large
// logits (a rule-trained network's U accumulates η·R over every update)
// the gradient underflows to 0 and the attack makes no progress: gradient
// masking, not robustness. Margin is the Carlini–Wagner logit difference
// (Carlini and Wagner, "Towards evaluating the robustness of neural
// networks", IEEE S&P 2017); its gradient does not saturate, and with
// normalised steps the attack is exactly invariant to the scale of the
// logits (Temperature divides them by τ; a test checks the invariance).
//
// # Several attacks, restarts, any iterate
//
// Config.Attacks runs several methods (loss, step rule, S, α, restarts) on
// every image and radius. A point found at radius ε' ≤ ε is adversarial at
// ε, so Result.Broken counts an image broken at ε when any method broke it
// at any radius ≤ ε: the robust accuracy is that of the strongest attack
// per image and never rises with ε. Result.Methods keeps each method's own
// counts at each radius, final points (SPEC §6) and any iterate.
// Restarts adds random starts, uniform in the ε-ball and clipped to the
// box, after the start at x; their stream is (Seed, seed.Attack, index)
// with one index per (image, radius, method), so they do not depend on
// the scheduling.
//
// # Attacks that cannot be masked
//
// A gradient attack can fail because the gradient it follows is useless
// (zero, underflowed, pointing the wrong way) rather than because no
// adversarial point exists. Two tools tell the cases apart.
//
// HopSkipJump (Loss "hsj"; Chen, Jordan and Wainwright, "HopSkipJumpAttack:
// a query-efficient decision-based attack", IEEE S&P 2020) queries only
// predicted labels. From a start classified ≠ y — the closest to x of a
// uniform random point of [0,1]^d and of two test images per label (the
// first in row order), when Robustness or MinimalDistances run it — it
// bisects towards x onto the decision boundary, then repeats: estimate
// the boundary's normal at the current point xb from n = min(100√t, 1000)
// label queries at xb + δuᵢ (uᵢ uniform on the unit sphere, δ = ‖xb − x‖/d),
// as v = Σ(φᵢ − φ̄)uᵢ with φᵢ = ±1; step from xb along v/‖v‖ by
// ‖xb − x‖/√t, halving until the point is adversarial; bisect back towards
// x to the boundary (to θ = d^(−3/2) in the segment's parameter). The
// closest point over S iterations (and 1 + R random starts) gives the
// image's distance; the image is broken at every ε at least that. Scaling
// the logits changes no query, so the attack is exactly invariant to τ.
//
// Minimal distances (MinimalDistance, MinimalDistances) bisect over ε with
// a gradient attack: ε = Max must break the image, then [lo, hi] halves
// until hi − lo ≤ Tol, lo being a radius the attack failed at and hi the
// distance of the closest adversarial point found. Every distance reported
// is that of a point verified by a forward pass, so it is an upper bound
// on the true minimal distance; on a linear classifier, where the minimal
// distance is the distance to the nearest hyperplane (w_y − w_c)·x = 0,
// the bisection comes within Tol of it and HopSkipJump within 5 % (tests).
//
// # Parallelism
//
// Robustness attacks different (image, ε) pairs on different goroutines,
// each with a private Worker (for a network: its own Workspace and Grad).
// Every pair's result depends only on the pair, so the result does not
// depend on GOMAXPROCS or on the number of workers.
package attack
