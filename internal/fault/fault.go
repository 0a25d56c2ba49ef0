// Package fault holds switches that plant known faults in the engine, so
// that tests can prove "evolve check" catches them without editing code.
// Every zero value means no fault; only tests set them, and never in
// parallel with other tests that run the engine.
package fault

var (
	// ExactTheta2, if not 0, adds ExactTheta2·θ²·x(1−x) to the exact
	// increment Δ_E (genetics.VariantExact): an O(θ²) error in the exact map.
	ExactTheta2 float64
	// CondDiffScale, if not 0, multiplies the conditional differences
	// E[·|g_i=+ε] − E[·|g_i=−ε] of the exact engine by 1 + CondDiffScale.
	CondDiffScale float64
	// PaperAsNatural makes genetics.VariantNatural return the paper's
	// recursion −θ(2−2x)∇ₓL(Ȳ): the paper relabelled as the theorem.
	PaperAsNatural bool
	// ForceClonal makes every genetics.Population clonal, whatever its
	// config asks for.
	ForceClonal bool
)
