package experiments

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/evolve-toolkit/evolve/internal/output"
)

// TestRobustnessSettledQuick runs the quick size and checks the outputs'
// invariants: the union of the attacks ("all") is never above any single
// attack and never rises with ε (summary.csv), every distance is
// non-negative, and the figures exist.
func TestRobustnessSettledQuick(t *testing.T) {
	t.Parallel()
	rep, out := runQuick(t, "robustness-settled")
	sum, err := output.ReadCSV(filepath.Join(out, "summary.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// Quick: six models × (four attacks + the union), header.
	if len(sum) != 1+6*5 {
		t.Fatalf("summary.csv has %d rows", len(sum))
	}
	num := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("summary.csv: %q", s)
		}
		return v
	}
	for b := 1; b < len(sum); b += 5 {
		all := sum[b+4]
		if all[1] != "all (strongest per image)" {
			t.Fatalf("summary.csv row %v", all)
		}
		for e := 2; e < len(all); e++ {
			if e > 2 && num(all[e]) > num(all[e-1]) {
				t.Errorf("%s: the union rises with ε: %v", all[0], all)
			}
			for _, r := range sum[b : b+4] {
				if num(all[e]) > num(r[e]) {
					t.Errorf("%s, column %s: union %s above %s's %s", all[0], sum[0][e], all[e], r[1], r[e])
				}
			}
		}
	}
	dist, err := output.ReadCSV(filepath.Join(out, "distances.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// Six models × two searches × four images, header.
	if len(dist) != 1+6*2*4 {
		t.Errorf("distances.csv has %d rows", len(dist))
	}
	for _, r := range dist[1:] {
		if num(r[4]) < 0 {
			t.Errorf("distances.csv row %v", r)
		}
	}
	for _, f := range []string{"robustness-settled.png", "robustness-settled-distances.png", "robustness-settled-temperature.png"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	if len(rep.Rows) == 0 {
		t.Error("no rows")
	}
}
