package plasticity

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestInputOnesAndMask: with InputOnes every input weight is 1 where the
// mask has an edge; the mask density is p (binomial standard error).
func TestInputOnesAndMask(t *testing.T) {
	t.Parallel()
	for _, ones := range []bool{false, true} {
		net, err := New(Config{Inputs: 50, Labels: 2, Nodes: 200, P: 0.3, InputOnes: ones}, rand.NewPCG(2, 2))
		if err != nil {
			t.Fatal(err)
		}
		edges := 0
		for _, w := range net.AT {
			if w != 0 {
				edges++
				if ones && w != 1 {
					t.Fatalf("InputOnes: weight %v", w)
				}
			}
		}
		n := float64(len(net.AT))
		se := math.Sqrt(0.3 * 0.7 / n)
		if got := float64(edges) / n; math.Abs(got-0.3) > 4*se {
			t.Errorf("ones=%v: mask density %.4f, want 0.3 ± %.4f", ones, got, 4*se)
		}
	}
}

// TestGraphMask: no self loops, density p, and no graph at T = 1.
func TestGraphMask(t *testing.T) {
	t.Parallel()
	net, err := New(Config{Inputs: 5, Labels: 2, Nodes: 150, Rounds: 2, P: 0.4}, rand.NewPCG(3, 3))
	if err != nil {
		t.Fatal(err)
	}
	for j := 0; j < net.n; j++ {
		for e := net.ColPtr[j]; e < net.ColPtr[j+1]; e++ {
			if int(net.Post[e]) == j {
				t.Fatalf("self loop at node %d", j)
			}
		}
	}
	pairs := float64(150 * 149)
	se := math.Sqrt(0.4 * 0.6 / pairs)
	if got := float64(net.Edges()) / pairs; math.Abs(got-0.4) > 4*se {
		t.Errorf("graph density %.4f, want 0.4 ± %.4f", got, 4*se)
	}
	flat, _ := New(Config{Inputs: 5, Labels: 2, Nodes: 50, Rounds: 1}, rand.NewPCG(3, 3))
	if flat.Edges() != 0 {
		t.Errorf("T = 1 network has %d graph edges", flat.Edges())
	}
}

// TestStartWeights: additive rules start from 0, multiplicative from 1.
func TestStartWeights(t *testing.T) {
	t.Parallel()
	net, _ := New(Config{Inputs: 5, Labels: 3, Nodes: 20, Rounds: 2}, rand.NewPCG(4, 4))
	g := NewRule(GraphRule, 2)
	g.Update = Multiplicative
	net.Reset(g, Perceptron(2))
	for _, w := range net.W {
		if w != 1 {
			t.Fatalf("multiplicative graph rule: start weight %v", w)
		}
	}
	for _, u := range net.U {
		if u != 0 {
			t.Fatalf("additive output rule: start weight %v", u)
		}
	}
	net.Reset(nil, MultiplicativeWeights(2))
	if net.W[0] != 0 || net.U[0] != 1 {
		t.Errorf("start weights W=%v U=%v", net.W[0], net.U[0])
	}
}

// TestMLPRuleTrainsLikeItsTable: an MLP rule and the table it evaluates
// to train identical networks (the MLP is evaluated into a table first).
func TestMLPRuleTrainsLikeItsTable(t *testing.T) {
	t.Parallel()
	sp := halfspace(t, 300)
	cfg := Config{Inputs: 10, Labels: 2, Nodes: 40, Cap: 20, Rounds: 2, Seed: 9}
	mg := &Rule{Kind: GraphRule, Rounds: 2, Update: Additive, MLP: NewMLP(GraphRule, 2, 6, rand.NewPCG(1, 9))}
	mo := &Rule{Kind: OutputRule, Rounds: 2, Update: Additive, MLP: NewMLP(OutputRule, 2, 6, rand.NewPCG(2, 9))}
	mg.Eval()
	mo.Eval()
	tg, to := mg.Clone(), mo.Clone()
	tg.MLP, to.MLP = nil, nil
	a, _ := New(cfg, rand.NewPCG(1, 1))
	b, _ := New(cfg, rand.NewPCG(1, 1))
	if _, err := Train(a, Rules{Graph: mg, Output: mo}, sp.Train, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Train(b, Rules{Graph: tg, Output: to}, sp.Train, nil); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.W, b.W) || !slices.Equal(a.U, b.U) {
		t.Error("the MLP rule and its table trained different networks")
	}
}
