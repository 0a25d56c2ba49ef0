// Package fitness defines fitness landscapes: a loss L(Y) of a vector of
// P rule coefficients with its exact gradient, shared by the evolution
// and gradient runs of package sim so that both climb the same surface.
//
// Analytic landscapes (Quadratic, LinearCE) have closed-form losses and
// gradients and serve as controls. The plasticity landscapes (OutputRule,
// FullRule) train a fixed network on fixed data in a fixed example order
// (common random numbers) with the rule given by Y and return the loss
// of SPEC §3 on the batch, so L(Y) is a deterministic function: smooth and
// convex for the output rule in All mode (Theorem 2), piecewise smooth in
// general with the almost-everywhere gradient of SPEC §3.
package fitness

// Landscape is a loss of P coefficients with its (almost-everywhere) exact
// gradient. Loss and Gradient must be safe for concurrent use and
// deterministic.
type Landscape interface {
	// Dim returns P, the number of coefficients.
	Dim() int
	// Loss returns L(y); len(y) must be Dim().
	Loss(y []float64) float64
	// Gradient writes ∇L(y) to dst and returns L(y).
	Gradient(dst, y []float64) float64
}
