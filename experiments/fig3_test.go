package experiments

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evolve-toolkit/evolve/plasticity"
)

func TestFig3Quick(t *testing.T) {
	skipWithoutMNIST(t)
	t.Parallel()
	rep, out := runQuick(t, "fig3")
	for _, f := range []string{"accuracy.csv", "summary.csv", "rules.csv", "fig3.png", "fig3.svg"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	cells := 0
	for _, r := range rep.Rows {
		if strings.HasPrefix(r.Quantity, "rules from ") {
			cells++
		}
	}
	// 2 sources × 4 models × up to 6 data sets (fashion may be missing).
	if cells != 48 && cells != 40 {
		t.Errorf("%d accuracy cells, want 48 (or 40 without Fashion-MNIST)", cells)
	}
}

// TestFig3Output checks the transfer of an output rule across T.
func TestFig3Output(t *testing.T) {
	t.Parallel()
	r1 := plasticity.NewRule(plasticity.OutputRule, 1)
	copy(r1.Table, []float64{-1, 2, 3, -4})
	r3 := fig3Output(r1, 3)
	for s := 0; s < 8; s++ {
		// The last round's bit selects the T = 1 row.
		if r3.At(s, 0) != r1.At(s&1, 0) || r3.At(s, 1) != r1.At(s&1, 1) {
			t.Errorf("T=1→3: pattern %03b: got %v %v", s, r3.At(s, 0), r3.At(s, 1))
		}
	}
	for s := range 8 {
		r3.Table[2*s], r3.Table[2*s+1] = float64(10*s), float64(-10*s)
	}
	back := fig3Output(r3, 1)
	// Silent → 000, fired → 111.
	if want := []float64{0, 0, 70, -70}; !fig3Equal(back.Table, want) {
		t.Errorf("T=3→1: got %v, want %v", back.Table, want)
	}
	if r := fig3Output(r1, 1); !fig3Equal(r.Table, r1.Table) || r == r1 {
		t.Error("same T: want an equal copy")
	}
}

func fig3Equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
