package experiments

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/evolve-toolkit/evolve/internal/output"
)

func TestTheorem1Quick(t *testing.T) {
	t.Parallel()
	rep, out := runQuick(t, "theorem1")
	for _, f := range []string{"starts.csv", "summary.csv", "theorem1.png", "theorem1.svg"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	// 2 schemes × 4 rows (random, corners, differences, correlation).
	if len(rep.Rows) != 8 {
		t.Errorf("%d rows, want 8", len(rep.Rows))
	}
	rows, err := output.ReadCSV(filepath.Join(out, "starts.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// Header, then 2 schemes × (2 random starts + 16 corners).
	if len(rows) != 1+2*(2+16) {
		t.Errorf("starts.csv: %d rows, want %d", len(rows), 1+2*18)
	}
}
