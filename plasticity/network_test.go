package plasticity

import (
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/evolve-toolkit/evolve/dataset"
	"gonum.org/v1/gonum/floats/scalar"
)

// edge is a hand-built graph edge pre→post with weight w.
type edge struct {
	pre, post int
	w         float64
}

// handNet builds a network with the given input weights (at[j][i]: input j
// to node i; 0 means no edge), graph edges and output weights.
func handNet(cfg Config, at [][]float64, edges []edge, u [][]float64) *Network {
	cfg.Inputs = len(at)
	cfg.Nodes = len(at[0])
	cfg.Labels = len(u)
	cfg = cfg.Defaults()
	n := cfg.Nodes
	net := &Network{cfg: cfg, n: n, d: cfg.Inputs, m: cfg.Labels, k: cfg.Cap, T: cfg.Rounds}
	for _, row := range at {
		net.AT = append(net.AT, row...)
	}
	sorted := slices.Clone(edges)
	slices.SortFunc(sorted, func(a, b edge) int {
		if a.pre != b.pre {
			return a.pre - b.pre
		}
		return a.post - b.post
	})
	net.ColPtr = make([]int32, n+1)
	for _, e := range sorted {
		net.Post = append(net.Post, int32(e.post))
		net.W = append(net.W, e.w)
		net.ColPtr[e.pre+1]++
	}
	for j := 0; j < n; j++ {
		net.ColPtr[j+1] += net.ColPtr[j]
	}
	for _, row := range u {
		net.U = append(net.U, row...)
	}
	net.ws = newWorkspace(n, cfg.Labels, cfg.Rounds)
	return net
}

// weight returns the weight of edge pre→post.
func (net *Network) weight(pre, post int) float64 {
	for e := net.ColPtr[pre]; e < net.ColPtr[pre+1]; e++ {
		if int(net.Post[e]) == post {
			return net.W[e]
		}
	}
	panic("no such edge")
}

// The tiny network worked by hand in the comments of TestForwardByHand:
// 4 nodes, 2 inputs, k = 2, T = 2.
func tinyNet(rec Recurrence, m int) *Network {
	at := [][]float64{
		{1, 0, 2, 0.5},  // input 0 → nodes 0..3
		{0, 1, -1, 0.5}, // input 1 → nodes 0..3
	}
	edges := []edge{{1, 0, 1}, {3, 2, 2}, {1, 3, -1}, {0, 1, 5}, {3, 1, 1}}
	u := [][]float64{{1, 0, 0, 0}, {0, 1, 0, 0}}
	for len(u) < m {
		u = append(u, []float64{0, 0, 0, 0})
	}
	return handNet(Config{Cap: 2, Rounds: 2, Eta: 0.5, Recurrence: rec}, at, edges, u)
}

func TestForwardByHand(t *testing.T) {
	t.Parallel()
	x := []float64{1, 2}
	// a = (M∘A)x = [1, 2, 0, 1.5]; round 1 keeps nodes 1 (2) and 3 (1.5).
	// Paper round 2: u = a + W h¹ = [1+1·2, 2+5·0+1·1.5, 0+2·1.5, 1.5−1·2]
	//   = [3, 3.5, 3, −0.5] → ReLU → [3, 3.5, 3, 0]; the cap keeps node 1
	//   (3.5) and, of the tie at 3, node 0 (lower index).
	// Patterns (round 1 = high bit): node0 01, node1 11, node2 00, node3 10.
	// Reference round 2: u = W(h¹ + a), h¹ + a = [1, 4, 0, 3]:
	//   [1·4, 5·1+1·3, 2·3, −1·4] = [4, 8, 6, −4] → keeps nodes 1, 2.
	//   Patterns: node0 00, node1 11, node2 01, node3 10.
	tests := []struct {
		rec     Recurrence
		a       []float64
		h1, h2  []float64
		pattern []int
		z       []float64
		pred    int
	}{
		{Paper, []float64{1, 2, 0, 1.5}, []float64{0, 2, 0, 1.5}, []float64{3, 3.5, 0, 0}, []int{1, 3, 0, 2}, []float64{3, 3.5}, 1},
		{Reference, []float64{1, 2, 0, 1.5}, []float64{0, 2, 0, 1.5}, []float64{0, 8, 6, 0}, []int{0, 3, 1, 2}, []float64{0, 8}, 1},
	}
	for _, tc := range tests {
		net := tinyNet(tc.rec, 2)
		pred := net.Forward(x)
		ws := net.Workspace()
		if !slices.Equal(ws.A, tc.a) || !slices.Equal(ws.H[1], tc.h1) || !slices.Equal(ws.H[2], tc.h2) {
			t.Errorf("%s: a=%v h1=%v h2=%v, want %v %v %v", tc.rec, ws.A, ws.H[1], ws.H[2], tc.a, tc.h1, tc.h2)
		}
		if !slices.Equal(ws.Pattern, tc.pattern) {
			t.Errorf("%s: patterns %v, want %v", tc.rec, ws.Pattern, tc.pattern)
		}
		if !slices.Equal(ws.Z, tc.z) || pred != tc.pred {
			t.Errorf("%s: z=%v pred=%d, want %v %d", tc.rec, ws.Z, pred, tc.z, tc.pred)
		}
	}
}

func TestCapTieBreaking(t *testing.T) {
	t.Parallel()
	tests := []struct {
		u    []float64
		k    int
		want []int32
	}{
		{[]float64{1, 3, 3, 2, 3}, 2, []int32{1, 2}},    // three 3s: the two lowest indices
		{[]float64{1, 3, 3, 2, 3}, 3, []int32{1, 2, 4}}, // all three 3s
		{[]float64{1, 3, 3, 2, 3}, 4, []int32{1, 2, 3, 4}},
		{[]float64{0, 0, 0, 0}, 2, []int32{0, 1}}, // all zero: still exactly k fire
		{[]float64{0, 5, 0, 0}, 3, []int32{0, 1, 2}},
		{[]float64{2, 1}, 5, []int32{0, 1}}, // k ≥ n keeps all
	}
	for _, tc := range tests {
		h := make([]float64, len(tc.u))
		got := capK(nil, h, tc.u, make([]float64, len(tc.u)), tc.k)
		if !slices.Equal(got, tc.want) {
			t.Errorf("cap_%d(%v) = %v, want %v", tc.k, tc.u, got, tc.want)
		}
		for i := range h {
			in := slices.Contains(got, int32(i))
			if (in && h[i] != tc.u[i]) || (!in && h[i] != 0) {
				t.Errorf("cap_%d(%v): h = %v", tc.k, tc.u, h)
			}
		}
	}
}

// TestCapMatchesSort checks the selection against sorting by (value
// descending, index ascending) on random inputs with many ties.
func TestCapMatchesSort(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 500; trial++ {
		n := 1 + rng.IntN(60)
		k := 1 + rng.IntN(n)
		u := make([]float64, n)
		for i := range u {
			u[i] = float64(rng.IntN(5)) // values 0..4: many ties
		}
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return u[idx[a]] > u[idx[b]] })
		want := make([]int32, k)
		for i := range want {
			want[i] = int32(idx[i])
		}
		slices.Sort(want)
		got := capK(nil, make([]float64, n), u, make([]float64, n), k)
		if !slices.Equal(got, want) {
			t.Fatalf("cap_%d(%v) = %v, want %v", k, u, got, want)
		}
	}
}

func graphRule10ab(T int) *Rule {
	r := NewRule(GraphRule, T)
	for a := 0; a < r.Rows(); a++ {
		for b := 0; b < r.Cols(); b++ {
			r.Table[a*r.Cols()+b] = float64(10*a + b)
		}
	}
	return r
}

func outputRuleTest(T int) *Rule {
	r := NewRule(OutputRule, T)
	for s := 0; s < r.Rows(); s++ {
		r.Table[2*s] = float64(s + 1)
		r.Table[2*s+1] = -float64(10 + s)
	}
	return r
}

func TestGraphUpdateByHand(t *testing.T) {
	t.Parallel()
	// Paper patterns [1, 3, 0, 2]; R[a][b] = 10a + b, η = 0.5.
	tests := []struct {
		update Update
		want   map[[2]int]float64 // (pre, post) → weight
	}{
		// additive: W += 0.5·(10 s_pre + s_post)
		{Additive, map[[2]int]float64{
			{1, 0}: 1 + 0.5*31, {3, 2}: 2 + 0.5*20, {1, 3}: -1 + 0.5*32, {0, 1}: 5 + 0.5*13, {3, 1}: 1 + 0.5*23}},
		// multiplicative: W *= 1 + 0.5·(10 s_pre + s_post)
		{Multiplicative, map[[2]int]float64{
			{1, 0}: 1 * 16.5, {3, 2}: 2 * 11, {1, 3}: -1 * 17, {0, 1}: 5 * 7.5, {3, 1}: 1 * 12.5}},
	}
	for _, tc := range tests {
		net := tinyNet(Paper, 2)
		g := graphRule10ab(2)
		g.Update = tc.update
		sc, err := net.prepare(Rules{Graph: g})
		if err != nil {
			t.Fatal(err)
		}
		net.Forward([]float64{1, 2})
		net.applyGraph(sc, net.ws)
		for e, w := range tc.want {
			if got := net.weight(e[0], e[1]); !scalar.EqualWithinAbs(got, w, 1e-12) {
				t.Errorf("%s: W[%d→%d] = %v, want %v", tc.update, e[0], e[1], got, w)
			}
		}
	}
}

func TestOutputUpdateByHand(t *testing.T) {
	t.Parallel()
	// Paper patterns [1, 3, 0, 2], prediction 1. R_o[s] = [s+1, −(10+s)], η = 0.5,
	// so column 0 adds [1, 2, 0.5, 1.5] and column 1 adds [−5.5, −6.5, −5, −6].
	col0 := []float64{1, 2, 0.5, 1.5}
	col1 := []float64{-5.5, -6.5, -5, -6}
	add := func(a, b []float64) []float64 {
		c := slices.Clone(a)
		for i := range c {
			c[i] += b[i]
		}
		return c
	}
	u0 := []float64{1, 0, 0, 0}
	u1 := []float64{0, 1, 0, 0}
	zero := []float64{0, 0, 0, 0}
	tests := []struct {
		name     string
		m, y     int
		allEdges bool
		want     [][]float64
	}{
		{"mistake y=0 ŷ=1", 2, 0, false, [][]float64{add(u0, col0), add(u1, col1)}},
		{"correct y=ŷ=1: both columns hit row 1", 2, 1, false, [][]float64{u0, add(add(u1, col0), col1)}},
		{"AllEdges y=0, m=3: column 1 to rows 1 and 2", 3, 0, true, [][]float64{add(u0, col0), add(u1, col1), add(zero, col1)}},
		{"AllEdges y=1=ŷ, m=3: column 1 to rows 0 and 2", 3, 1, true, [][]float64{add(u0, col1), add(u1, col0), add(zero, col1)}},
		{"m=3 y=2 ŷ=1 without AllEdges: row 0 untouched", 3, 2, false, [][]float64{u0, add(u1, col1), add(zero, col0)}},
	}
	for _, tc := range tests {
		net := tinyNet(Paper, tc.m)
		net.cfg.AllEdges = tc.allEdges
		sc, err := net.prepare(Rules{Output: outputRuleTest(2)})
		if err != nil {
			t.Fatal(err)
		}
		if pred := net.Forward([]float64{1, 2}); pred != 1 {
			t.Fatalf("%s: prediction %d, want 1", tc.name, pred)
		}
		net.applyOutput(sc, net.ws, tc.y)
		for c, want := range tc.want {
			if got := net.U[c*4 : (c+1)*4]; !slices.Equal(got, want) {
				t.Errorf("%s: U[%d] = %v, want %v", tc.name, c, got, want)
			}
		}
	}
	// Multiplicative: U[y] *= 1 + η R_o[s][0], U[ŷ] *= 1 + η R_o[s][1].
	net := tinyNet(Paper, 2)
	r := outputRuleTest(2)
	r.Update = Multiplicative
	sc, _ := net.prepare(Rules{Output: r})
	pred := net.Forward([]float64{1, 2}) // 1, from the hand computation above
	before := slices.Clone(net.U)
	net.applyOutput(sc, net.ws, 0)
	for i, s := range net.ws.Pattern {
		wantY := before[i] * (1 + 0.5*float64(s+1))
		wantP := before[pred*4+i] * (1 - 0.5*float64(10+s))
		if got := net.U[i]; !scalar.EqualWithinAbs(got, wantY, 1e-12) {
			t.Errorf("multiplicative: U[y][%d] = %v, want %v", i, got, wantY)
		}
		if got := net.U[pred*4+i]; !scalar.EqualWithinAbs(got, wantP, 1e-12) {
			t.Errorf("multiplicative: U[ŷ][%d] = %v, want %v", i, got, wantP)
		}
	}
}

// TestTrainSchemes checks the mistake gate: on one example the network
// already classifies correctly, Mistakes applies nothing and All applies
// the rules once per epoch.
func TestTrainSchemes(t *testing.T) {
	t.Parallel()
	data := &dataset.Set{Name: "one", Dim: 2, Labels: 2, X: []float64{1, 2}, Y: []int{1}}
	for _, tc := range []struct {
		scheme  Scheme
		updates int
	}{{Mistakes, 0}, {All, 3}} {
		net := tinyNet(Paper, 2)
		net.cfg.Scheme = tc.scheme
		net.cfg.Epochs = 3
		res, err := Train(net, Rules{Output: outputRuleTest(2)}, data, &TrainSettings{KeepWeights: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Updates != tc.updates || res.Seen != 3 {
			t.Errorf("%s: %d updates of %d examples, want %d of 3", tc.scheme, res.Updates, res.Seen, tc.updates)
		}
	}
}

func TestClassicRules(t *testing.T) {
	t.Parallel()
	// Paper Table 1, T = 1, pattern 0 row first.
	if got := Perceptron(1).Table; !slices.Equal(got, []float64{-1, 1, 1, -1}) {
		t.Errorf("perceptron = %v", got)
	}
	mw := MultiplicativeWeights(1)
	if !slices.Equal(mw.Table, []float64{0, 0, 1, -1}) || !mw.Mult() {
		t.Errorf("multiplicative weights = %v %s", mw.Table, mw.Update)
	}
	// T = 2: the last round (low bit) decides.
	if got := Perceptron(2).Table; !slices.Equal(got, []float64{-1, 1, 1, -1, -1, 1, 1, -1}) {
		t.Errorf("perceptron T=2 = %v", got)
	}
}
