package experiments

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evolve-toolkit/evolve/internal/output"
)

func TestTable2Quick(t *testing.T) {
	t.Parallel()
	rep, _ := runQuick(t, "table2")
	acc, rob := 0, 0
	for _, r := range rep.Rows {
		switch {
		case strings.HasPrefix(r.Quantity, "test accuracy"):
			acc++
			// Ten labels: chance is 0.1. The quick T = 3 rules (4 meta
			// steps) are not trained enough to judge.
			if !strings.HasSuffix(r.Quantity, "T=3") && (r.Ours.Mean < 0.3 || r.Ours.Mean > 1) {
				t.Errorf("%s = %v", r.Quantity, r.Ours.Mean)
			}
		case strings.HasPrefix(r.Quantity, "robust accuracy"):
			rob++
			if r.Ours.Mean < 0 || r.Ours.Mean > 1 {
				t.Errorf("%s = %v", r.Quantity, r.Ours.Mean)
			}
		}
	}
	// Quick: one data set, five models, ε = 2 and 4.
	if acc != 5 || rob != 10 {
		t.Errorf("%d accuracy rows and %d robustness rows, want 5 and 10", acc, rob)
	}
}

func TestFig5Quick(t *testing.T) {
	t.Parallel()
	_, out := runQuick(t, "fig5")
	rows, err := output.ReadCSV(filepath.Join(out, "robustness.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// Five models × three radii (quick grid 0, 2, 4), plus the header.
	if len(rows) != 16 {
		t.Errorf("robustness.csv has %d rows, want 16", len(rows))
	}
	for _, r := range rows[1:] {
		// At ε = 0 robust accuracy is the clean accuracy: not 0 for the
		// gd-full network even at the quick size.
		if r[0] == "gd-full" && r[1] == "0" && r[2] == "0" {
			t.Errorf("%s: robust accuracy 0 at ε = 0", r[0])
		}
	}
	if _, err := os.Stat(filepath.Join(out, "fig5.png")); err != nil {
		t.Error(err)
	}
}
