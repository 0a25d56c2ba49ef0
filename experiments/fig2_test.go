package experiments

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFig2Quick(t *testing.T) {
	skipWithoutMNIST(t)
	t.Parallel()
	rep, out := runQuick(t, "fig2")
	for _, f := range []string{"curves.csv", "checkpoints.csv", "final.csv", "summary.csv", "fig2.png", "fig2.svg"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	// Per method: 3 checkpoints, 3 reach levels, the final accuracy.
	if len(rep.Rows) != 2*(3+3+1) {
		t.Errorf("%d rows, want 14", len(rep.Rows))
	}
	for _, r := range rep.Rows {
		if strings.HasPrefix(r.Quantity, "final") && r.Ours.Mean < 0.3 {
			t.Errorf("%s = %v, want well above chance (10 %%)", r.Quantity, r.Ours.Mean)
		}
	}
}
