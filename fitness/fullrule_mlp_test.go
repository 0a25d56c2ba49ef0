package fitness

import (
	"math"
	"testing"

	"github.com/evolve-toolkit/evolve/plasticity"
	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats/scalar"
)

// TestFullRuleMLPGraph: with an MLP graph rule (graph_hidden) the
// coefficients are the MLP's parameters then the output table. The loss
// equals the table landscape's at the tables the MLP computes (Tables),
// and the gradient, chained through the MLP, equals central differences
// of the loss in the MLP's parameters (the loss is smooth in them while
// the patterns stay; a small step keeps them at this point).
func TestFullRuleMLPGraph(t *testing.T) {
	t.Parallel()
	b := batch(t, "halfspace", 60)
	cfg := plasticity.Config{Nodes: 30, Cap: 15, Rounds: 2, Seed: 4, Scheme: plasticity.All}
	const H = 5
	f, err := NewFullRule(cfg, b, &FullRuleSettings{Graph: true, GraphHidden: H, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	tab, err := NewFullRule(cfg, b, &FullRuleSettings{Graph: true})
	if err != nil {
		t.Fatal(err)
	}
	// H·(2T + 2) + 1 MLP parameters (W1 H×2T, B1, W2, B2), 2^(T+1) output entries.
	if got, want := f.Dim(), H*(2*2+2)+1+8; got != want || f.GraphEntries() != H*6+1 {
		t.Fatalf("Dim %d (graph %d), want %d", got, f.GraphEntries(), want)
	}
	y := f.Start()
	// Start: the meta-learner's MLP (non-zero weights), zero output table.
	if y[0] == 0 || y[f.GraphEntries()] != 0 {
		t.Fatalf("start %v", y)
	}
	for i := f.GraphEntries(); i < len(y); i++ {
		y[i] = 0.1 * float64(i%3-1)
	}
	for i := 0; i < f.GraphEntries(); i++ {
		y[i] *= 20 // a graph rule large enough to matter
	}
	tables := f.Tables(y)
	if len(tables) != tab.Dim() {
		t.Fatalf("Tables has %d entries, want %d", len(tables), tab.Dim())
	}
	if l, lt := f.Loss(y), tab.Loss(tables); l != lt || math.IsInf(l, 0) {
		t.Errorf("MLP landscape loss %v, table landscape at its tables %v", l, lt)
	}
	got := make([]float64, f.Dim())
	l := f.Gradient(got, y)
	if l != f.Loss(y) {
		t.Errorf("Gradient's loss %v, Loss %v", l, f.Loss(y))
	}
	want := fd.Gradient(nil, f.Loss, y, &fd.Settings{Formula: fd.Central, Step: 1e-6})
	norm := 0.0
	for _, v := range want {
		norm = math.Max(norm, math.Abs(v))
	}
	if norm == 0 {
		t.Fatal("zero gradient: the test point says nothing")
	}
	for i := range got {
		if !scalar.EqualWithinAbs(got[i], want[i], 1e-5*norm) {
			t.Errorf("∂L/∂y[%d] = %v, central difference %v", i, got[i], want[i])
		}
	}
	if _, err := NewFullRule(cfg, b, &FullRuleSettings{GraphHidden: H}); err == nil {
		t.Error("graph_hidden without a graph rule: no error")
	}
}
