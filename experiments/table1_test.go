package experiments

import (
	"os"
	"path/filepath"
	"testing"
)

func TestTable1Quick(t *testing.T) {
	t.Parallel()
	rep, out := runQuick(t, "table1")
	for _, f := range []string{"rules.csv", "summary.csv", "table1.png", "table1.svg"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	if len(rep.Rows) != 18 {
		t.Errorf("%d rows, want 18 (2 updates × (2 scales × 4 + 1))", len(rep.Rows))
	}
	for _, r := range rep.Rows {
		if r.Ours.N != rep.Seeds {
			t.Errorf("%s: n = %d, want %d seeds", r.Quantity, r.Ours.N, rep.Seeds)
		}
	}
}
