package plasticity

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/evolve-toolkit/evolve/dataset"
	"gonum.org/v1/gonum/floats/scalar"
)

func TestMLPTableByHand(t *testing.T) {
	t.Parallel()
	// Output rule, T = 1: inputs (pattern bit, column bit) as ±1. One hidden
	// unit: r = 2·tanh(1·b_pattern − 1·b_col + 0.5) + 0.25.
	m := &MLP{Hidden: 1, W1: []float64{1, -1}, B1: []float64{0.5}, W2: []float64{2}, B2: 0.25}
	r := &Rule{Kind: OutputRule, Rounds: 1, MLP: m}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ s, c int }{{0, 0}, {0, 1}, {1, 0}, {1, 1}} {
		bp, bc := -1.0, -1.0
		if tc.s == 1 {
			bp = 1
		}
		if tc.c == 1 {
			bc = 1
		}
		want := 2*math.Tanh(bp-bc+0.5) + 0.25
		if got := r.At(tc.s, tc.c); !scalar.EqualWithinAbs(got, want, 1e-15) {
			t.Errorf("entry [%d][%d] = %v, want %v", tc.s, tc.c, got, want)
		}
	}
	// Graph rule, T = 2: bits are pre (round 1, round 2) then post.
	var x [4]float64
	MLPBits(x[:], GraphRule, 2, 2, 1) // pre "10", post "01"
	if want := []float64{1, -1, -1, 1}; !slices.Equal(x[:], want) {
		t.Errorf("MLP bits of [10][01] = %v, want %v", x, want)
	}
}

// TestMLPBackward checks MLP.Backward against central finite differences
// of Σ_e g_e·Table_e.
func TestMLPBackward(t *testing.T) {
	t.Parallel()
	for _, kind := range []Kind{GraphRule, OutputRule} {
		for _, T := range []int{1, 3} {
			m := NewMLP(kind, T, 5, rand.NewPCG(3, uint64(T)))
			r := &Rule{Kind: kind, Rounds: T, MLP: m}
			r.Eval()
			rng := rand.New(rand.NewPCG(4, 4))
			g := make([]float64, len(r.Table))
			for i := range g {
				g[i] = rng.NormFloat64()
			}
			obj := func(p []float64) float64 {
				c := m.Clone()
				c.SetParams(p)
				tab := make([]float64, len(r.Table))
				c.Table(tab, kind, T)
				var s float64
				for i := range tab {
					s += g[i] * tab[i]
				}
				return s
			}
			grad := make([]float64, m.NumParams())
			m.Backward(grad, g, kind, T)
			p := m.Params(nil)
			const h = 1e-6 // central differences: error O(h²) ≈ 1e-12 relative
			for i := range p {
				q := slices.Clone(p)
				q[i] += h
				fp := obj(q)
				q[i] -= 2 * h
				fm := obj(q)
				fd := (fp - fm) / (2 * h)
				if !scalar.EqualWithinAbsOrRel(grad[i], fd, 1e-7, 1e-6) {
					t.Errorf("%s T=%d: ∂/∂p[%d] = %v, finite difference %v", kind, T, i, grad[i], fd)
				}
			}
		}
	}
}

func TestRuleFileRoundTrip(t *testing.T) {
	t.Parallel()
	rules := []*Rule{Perceptron(1), MultiplicativeWeights(2), graphRule10ab(3)}
	mlp := &Rule{Kind: GraphRule, Rounds: 2, Update: Additive, MLP: NewMLP(GraphRule, 2, 4, rand.NewPCG(1, 1))}
	mlp.Eval()
	rules = append(rules, mlp)
	for _, r := range rules {
		var buf bytes.Buffer
		if err := WriteRule(&buf, r, "test"); err != nil {
			t.Fatal(err)
		}
		got, err := ReadRule(&buf, "buf")
		if err != nil {
			t.Fatal(err)
		}
		if got.Kind != r.Kind || got.Rounds != r.Rounds || got.Update != r.Update || !slices.Equal(got.Table, r.Table) {
			t.Errorf("round trip of %s T=%d: got %+v, want %+v", r.Kind, r.Rounds, got, r)
		}
	}
}

func TestRuleFileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, text, want string }{
		{"not json", `{"format":`, "rule file x"},
		{"wrong format", `{"format":"other","kind":"output","rounds":1,"table":[[1,2],[3,4]]}`, "format"},
		{"unknown field", `{"format":"evolve-rule/1","kind":"output","rounds":1,"table":[[1,2],[3,4]],"colour":1}`, "unknown field"},
		{"bad kind", `{"format":"evolve-rule/1","kind":"hidden","rounds":1,"table":[[1,2],[3,4]]}`, "kind"},
		{"too few rows", `{"format":"evolve-rule/1","kind":"output","rounds":2,"table":[[1,2],[3,4]]}`, "4 table rows, got 2"},
		{"short row", `{"format":"evolve-rule/1","kind":"graph","rounds":1,"table":[[1,2],[3]]}`, "row 1 has 1 entries, want 2"},
		{"rounds", `{"format":"evolve-rule/1","kind":"graph","rounds":0,"table":[]}`, "rounds"},
		{"bad update", `{"format":"evolve-rule/1","kind":"output","rounds":1,"update":"both","table":[[1,2],[3,4]]}`, "update"},
		{"mlp shape", `{"format":"evolve-rule/1","kind":"output","rounds":1,"mlp":{"hidden":2,"w1":[1],"b1":[0,0],"w2":[1,1],"b2":0}}`, "mlp"},
	}
	for _, tc := range tests {
		_, err := ReadRule(strings.NewReader(tc.text), "x")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// FuzzReadRule: the rule parser never panics, and what it accepts is a
// valid rule that writes and reads back unchanged.
func FuzzReadRule(f *testing.F) {
	var buf bytes.Buffer
	WriteRule(&buf, Perceptron(1), "")
	f.Add(buf.String())
	buf.Reset()
	WriteRule(&buf, graphRule10ab(2), "")
	f.Add(buf.String())
	f.Add(`{"format":"evolve-rule/1","kind":"output","rounds":1,"mlp":{"hidden":1,"w1":[1,1],"b1":[0],"w2":[1],"b2":0}}`)
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ReadRule(strings.NewReader(s), "fuzz")
		if err != nil {
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("accepted an invalid rule: %v", err)
		}
		var out bytes.Buffer
		if err := WriteRule(&out, r, ""); err != nil {
			t.Fatal(err)
		}
		back, err := ReadRule(&out, "again")
		if err != nil || !slices.Equal(back.Table, r.Table) {
			t.Fatalf("rewrite changed the rule: %v", err)
		}
	})
}

func TestRuleRoundsMismatch(t *testing.T) {
	t.Parallel()
	net := tinyNet(Paper, 2) // T = 2
	data := &dataset.Set{Name: "one", Dim: 2, Labels: 2, X: []float64{1, 2}, Y: []int{0}}
	_, err := Train(net, Rules{Output: Perceptron(1)}, data, nil)
	if err == nil || !strings.Contains(err.Error(), "T=1 rounds, the network has T=2") {
		t.Errorf("error %v", err)
	}
}
