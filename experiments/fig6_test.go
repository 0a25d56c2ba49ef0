package experiments

import "testing"

func TestFig6Quick(t *testing.T) {
	t.Parallel()
	rep, _ := runQuick(t, "fig6")
	if len(rep.Rows) != 3 {
		t.Fatalf("%d rows, want one per scheme", len(rep.Rows))
	}
	for _, r := range rep.Rows {
		// Ten labels: chance is 0.1; even the quick size learns far more.
		if r.Ours.Mean < 0.3 || r.Ours.Mean > 1 {
			t.Errorf("%s = %v", r.Quantity, r.Ours.Mean)
		}
	}
}
