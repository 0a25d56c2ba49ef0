package experiments

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/plasticity"
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

// TestTheorem1CommonPart checks the invariance the theorem1 notes rest
// on: with two labels, updates on mistakes only and no weight decay, the
// cross-entropy gradient of an additive output rule has opposite entries
// in the two columns (Σ_c ∂L/∂z_c = 0 and {y, ŷ} = {0, 1}), and Adam then
// moves them by opposite amounts, so each row's sum R[s][y] + R[s][ŷ]
// keeps its start value.
func TestTheorem1CommonPart(t *testing.T) {
	t.Parallel()
	sp, err := plLoad(&Env{}, "halfspace", 1, 1000, 1)
	if err != nil {
		t.Fatal(err)
	}
	net, err := plNet(plasticity.Config{Nodes: 30, Seed: 1}, sp.Train)
	if err != nil {
		t.Fatal(err)
	}
	start := plasticity.NewRule(plasticity.OutputRule, 1)
	copy(start.Table, []float64{0.7, 0.4, -0.3, 0.9})
	res, err := plasticity.Meta(net, sp.Train, plasticity.Rules{Output: start},
		&plasticity.MetaSettings{MetaConfig: plasticity.MetaConfig{WeightDecay: -1, Steps: 50, Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Rules.Output.Table
	moved := math.Abs(r[0]-start.Table[0]) + math.Abs(r[2]-start.Table[2])
	if moved < 0.05 {
		t.Fatalf("rule barely moved (%v): test is vacuous", moved)
	}
	for s := 0; s < 2; s++ {
		got, want := r[2*s]+r[2*s+1], start.Table[2*s]+start.Table[2*s+1]
		// Rounding only: 50 Adam steps of size ≤ lr = 0.01.
		if math.Abs(got-want) > 1e-12 {
			t.Errorf("row %d: sum %v, start %v", s, got, want)
		}
	}
}
