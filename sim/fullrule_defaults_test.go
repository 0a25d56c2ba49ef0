package sim

import (
	"math"
	"testing"

	"github.com/evolve-toolkit/evolve/fitness"
)

// TestFullRuleDefaults: on the full-rule landscape absent genetics
// settings take the values the README derives (coefficient range
// ±nε = ±1, Lande step θnε² = 0.03 per coefficient at x = ½, exp
// fitness, 2 Monte Carlo samples); given values are kept; other
// landscapes keep the general defaults.
func TestFullRuleDefaults(t *testing.T) {
	g := Config{Landscape: fitness.Spec{Kind: "full-rule"}}.Defaults().Genetics
	if step := g.Theta * float64(g.Loci) * g.Eps * g.Eps; math.Abs(step-0.03) > 1e-12 || float64(g.Loci)*g.Eps != 1 {
		t.Errorf("full-rule: θnε² = %v, nε = %v; want 0.03 and 1", step, float64(g.Loci)*g.Eps)
	}
	if g.Fitness != "exp" || g.Samples != 2 {
		t.Errorf("full-rule: fitness %q, samples %d; want exp, 2", g.Fitness, g.Samples)
	}
	given := Config{Landscape: fitness.Spec{Kind: "full-rule"}, Genetics: Genetics{Loci: 6, Theta: 0.1, Fitness: "linear", Samples: 8}}.Defaults().Genetics
	if given.Loci != 6 || given.Theta != 0.1 || given.Fitness != "linear" || given.Samples != 8 {
		t.Errorf("full-rule: given values changed: %+v", given)
	}
	if o := (Config{}).Defaults().Genetics; o.Loci != 6 || o.Theta != 0.02 || o.Fitness != "linear" || o.Samples != 1024 {
		t.Errorf("output-rule defaults changed: %+v", o)
	}
}
