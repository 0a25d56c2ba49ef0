package experiments

import (
	"strings"
	"testing"
)

func TestTheorem3Quick(t *testing.T) {
	t.Parallel()
	rep, _ := runQuick(t, "theorem3")
	for _, r := range rep.Rows {
		// Rules with b ≥ a must converge (Theorem 3) within the bound n/γ² = 80.
		if strings.Contains(r.Paper, "converges") {
			if !strings.HasPrefix(r.Note, "converged in 2/2") {
				t.Errorf("%s: %s", r.Quantity, r.Note)
			}
			if r.Ours.Mean > 80 {
				t.Errorf("%s: %v mistakes exceed n/γ² = 80", r.Quantity, r.Ours.Mean)
			}
		}
	}
}
