package dataset

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/evolve-toolkit/evolve/internal/seed"
)

var syntheticNames = []string{"halfspace", "relu1", "relu2", "rnn"}

func TestSyntheticShape(t *testing.T) {
	t.Parallel()
	for _, name := range syntheticNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sp, err := Load(name, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := sp.Validate(); err != nil {
				t.Fatal(err)
			}
			// SPEC §7: 10,000 + 10,000 points of dimension 10, 2 labels.
			for _, s := range []*Set{sp.Train, sp.Test} {
				if s.Len() != 10000 || s.Dim != 10 || s.Labels != 2 {
					t.Errorf("%s: %d points of dimension %d, %d labels", s.Name, s.Len(), s.Dim, s.Labels)
				}
			}
			if sp.Train.Name != name+"/train" || sp.Test.Name != name+"/test" {
				t.Errorf("names %q, %q", sp.Train.Name, sp.Test.Name)
			}
			// x ~ N(0, I): the mean of the 10⁵ coordinates is within 5
			// standard errors (1/√10⁵) of 0, their variance within 5
			// standard errors (√(2/10⁵)) of 1.
			var sum, sq float64
			for _, v := range sp.Train.X {
				sum += v
				sq += v * v
			}
			n := float64(len(sp.Train.X))
			if mean, v := sum/n, sq/n-(sum/n)*(sum/n); math.Abs(mean) > 5/math.Sqrt(n) || math.Abs(v-1) > 5*math.Sqrt(2/n) {
				t.Errorf("inputs have mean %v and variance %v, want 0 and 1", mean, v)
			}
			if slices.Equal(sp.Train.X[:10], sp.Test.X[:10]) {
				t.Error("training and test points are the same")
			}
		})
	}
}

// TestSyntheticBalance checks that no teacher is degenerate: for a few
// seeds both labels have at least 10 % of the points. The centred
// teachers put the threshold at the median of SyntheticCalib independent
// points, so their share of label 1 is ½ within 5 standard errors,
// √(¼/n + ¼/SyntheticCalib).
func TestSyntheticBalance(t *testing.T) {
	t.Parallel()
	const n = 10000
	for _, name := range syntheticNames {
		for _, s := range []uint64{1, 2, 3} {
			sp, err := Load(name, &Options{Seed: s, TrainSize: n, TestSize: 1})
			if err != nil {
				t.Fatal(err)
			}
			c := sp.Train.Counts()
			share := float64(c[1]) / n
			if min(share, 1-share) < 0.1 {
				t.Errorf("%s seed %d: label counts %v", name, s, c)
			}
			if syn := synthetics[name]; syn.calibrate {
				if se := math.Sqrt(0.25/n + 0.25/SyntheticCalib); math.Abs(share-0.5) > 5*se {
					t.Errorf("%s seed %d: share of label 1 %v, want 0.5 ± %v", name, s, share, 5*se)
				}
			}
		}
	}
}

func TestSyntheticSeeds(t *testing.T) {
	t.Parallel()
	load := func(name string, opt Options) *Split {
		sp, err := Load(name, &opt)
		if err != nil {
			t.Fatal(err)
		}
		return sp
	}
	equal := func(a, b *Set) bool { return slices.Equal(a.X, b.X) && slices.Equal(a.Y, b.Y) }
	for _, name := range syntheticNames {
		opt := Options{Seed: 5, TrainSize: 500, TestSize: 300}
		a, b := load(name, opt), load(name, opt)
		if !equal(a.Train, b.Train) || !equal(a.Test, b.Test) {
			t.Errorf("%s: the same seed gives different sets", name)
		}
		opt.Seed = 6
		if c := load(name, opt); equal(a.Train, c.Train) {
			t.Errorf("%s: seeds 5 and 6 give the same set", name)
		}
		// Sizes: a smaller set is a prefix of a larger one, and the test
		// set does not depend on the training size.
		big := load(name, Options{Seed: 5, TrainSize: 800, TestSize: 300})
		if !equal(a.Train, big.Train.Subset(seq(500))) || !equal(a.Test, big.Test) {
			t.Errorf("%s: TrainSize 500 is not a prefix of TrainSize 800", name)
		}
	}
	// relu1 and relu2 have different teachers: on the same points their
	// labels differ (the two random teachers disagree on a good share).
	r1, r2 := teacherOf(t, "relu1", 5), teacherOf(t, "relu2", 5)
	x := gaussianPoints(1000, SyntheticDim, rand.New(rand.NewPCG(1, 1)))
	diff := 0
	for i := range 1000 {
		if (r1.score(x[10*i:10*i+10]) > 0) != (r2.score(x[10*i:10*i+10]) > 0) {
			diff++
		}
	}
	if diff < 100 {
		t.Errorf("relu1 and relu2 disagree on %d of 1000 points", diff)
	}
}

// seq returns 0, 1, …, n−1.
func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// teacherOf rebuilds the teacher of a synthetic set from its stream.
func teacherOf(t testing.TB, name string, s uint64) teacher {
	t.Helper()
	syn := synthetics[name]
	return syn.teacher(&Options{Seed: s}, seed.New(s, seed.Data, stream(syn.id, roleTeacher)))
}

// TestSyntheticLabels rebuilds each teacher and its threshold from the
// documented streams and checks every label of a loaded set.
func TestSyntheticLabels(t *testing.T) {
	t.Parallel()
	for _, name := range syntheticNames {
		const s = 11
		sp, err := Load(name, &Options{Seed: s, TrainSize: 300, TestSize: 1})
		if err != nil {
			t.Fatal(err)
		}
		syn := synthetics[name]
		tt := teacherOf(t, name, s)
		var thr float64
		if syn.calibrate {
			x := gaussianPoints(SyntheticCalib, SyntheticDim, seed.New(s, seed.Data, stream(syn.id, roleCalib)))
			sc := make([]float64, SyntheticCalib)
			for i := range sc {
				sc[i] = tt.score(x[i*SyntheticDim : (i+1)*SyntheticDim])
			}
			slices.Sort(sc)
			thr = (sc[SyntheticCalib/2-1] + sc[SyntheticCalib/2]) / 2
		}
		for i := range sp.Train.Len() {
			want := 0
			if tt.score(sp.Train.Row(i, nil)) > thr {
				want = 1
			}
			if sp.Train.Y[i] != want {
				t.Fatalf("%s: point %d has label %d, want %d", name, i, sp.Train.Y[i], want)
			}
		}
	}
}

func TestHalfspace(t *testing.T) {
	t.Parallel()
	for _, uniform := range []bool{false, true} {
		sp, err := Load("halfspace", &Options{Seed: 3, Uniform: uniform, TrainSize: 200, TestSize: 1})
		if err != nil {
			t.Fatal(err)
		}
		w := newHalfspace(SyntheticDim, uniform, seed.New(3, seed.Data, stream(idHalfspace, roleTeacher))).w
		for i, wi := range w {
			if uniform && (wi < -1 || wi > 1) {
				t.Errorf("uniform w[%d] = %v outside [-1, 1]", i, wi)
			}
		}
		for i := range sp.Train.Len() {
			var s float64
			for j, v := range sp.Train.Row(i, nil) {
				s += w[j] * v
			}
			if want := s > 0; (sp.Train.Y[i] == 1) != want {
				t.Fatalf("uniform %v: point %d: label %d, w·x = %v", uniform, i, sp.Train.Y[i], s)
			}
		}
	}
	a, _ := Load("halfspace", &Options{Seed: 3, TrainSize: 200, TestSize: 1})
	b, _ := Load("halfspace", &Options{Seed: 3, TrainSize: 200, TestSize: 1, Uniform: true})
	if slices.Equal(a.Train.Y, b.Train.Y) {
		t.Error("Uniform does not change the teacher")
	}
}

func TestCapK(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v    []float64
		k    int
		want []float64
	}{
		{[]float64{3, 1, 2}, 2, []float64{3, 0, 2}},
		{[]float64{3, 1, 2}, 3, []float64{3, 1, 2}},
		{[]float64{3, 1, 2}, 5, []float64{3, 1, 2}},
		{[]float64{3, 1, 2}, 0, []float64{0, 0, 0}},
		{[]float64{1, 2, 1, 1}, 2, []float64{1, 2, 0, 0}}, // tie: lower index
		{[]float64{1, 1, 1, 1}, 3, []float64{1, 1, 1, 0}},
		{[]float64{0, 5, 0, 4}, 3, []float64{0, 5, 0, 4}}, // zeros selected, nothing changes
		{[]float64{0, 0, 0}, 1, []float64{0, 0, 0}},
		{[]float64{2, 0, 2, 3, 2}, 3, []float64{2, 0, 2, 3, 0}},
	} {
		dst := make([]float64, len(tc.v))
		capK(dst, tc.v, tc.k, make([]float64, len(tc.v)))
		if !slices.Equal(dst, tc.want) {
			t.Errorf("capK(%v, %d) = %v, want %v", tc.v, tc.k, dst, tc.want)
		}
	}
}

// naiveCap returns v with all but its k largest entries zeroed, selecting
// by a stable sort of the indices (value descending, index ascending).
func naiveCap(v []float64, k int) []float64 {
	idx := seq(len(v))
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(v[b], v[a]) })
	out := make([]float64, len(v))
	for _, i := range idx[:k] {
		out[i] = v[i]
	}
	return out
}

// TestRNNForward compares the teacher's sparse forward pass with a dense
// one written from SPEC §1, on random points and on a small network with
// ties.
func TestRNNForward(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(8, 9))
	for _, sz := range []struct{ d, n, k, rounds int }{{10, 100, 50, 3}, {3, 7, 2, 4}, {4, 6, 6, 2}, {2, 5, 1, 1}} {
		net := newRNN(sz.d, sz.n, sz.k, sz.rounds, 0.5, r)
		// Dense matrices back from the transposed storage.
		a := make([]float64, sz.n*sz.d)
		w := make([]float64, sz.n*sz.n)
		for i := range sz.n {
			for j := range sz.d {
				a[i*sz.d+j] = net.at[j*sz.n+i]
			}
			for j := range sz.n {
				w[i*sz.n+j] = net.wt[j*sz.n+i]
			}
			if w[i*sz.n+i] != 0 {
				t.Fatalf("self-loop at node %d", i)
			}
		}
		for range 200 {
			x := make([]float64, sz.d)
			for j := range x {
				x[j] = r.NormFloat64()
			}
			in := make([]float64, sz.n)
			for i := range in {
				for j := range x {
					in[i] += a[i*sz.d+j] * x[j]
				}
			}
			h := make([]float64, sz.n)
			for range sz.rounds {
				pre := make([]float64, sz.n)
				for i := range pre {
					pre[i] = in[i]
					for j := range h {
						if h[j] != 0 {
							pre[i] += w[i*sz.n+j] * h[j]
						}
					}
					pre[i] = max(pre[i], 0)
				}
				h = naiveCap(pre, sz.k)
			}
			var z float64
			for i := range h {
				z += net.u[i] * h[i]
			}
			if got := net.forward(x); !slices.Equal(got, h) {
				t.Fatalf("%+v: hᵀ = %v, want %v", sz, got, h)
			}
			if got := net.score(x); !scalar.EqualWithinAbsOrRel(got, z, 1e-12, 1e-12) {
				t.Fatalf("%+v: score %v, want %v", sz, got, z)
			}
		}
	}
}

// TestRNNMasks checks the densities of the teacher's masks: a share
// p = ½ of input weights and of off-diagonal graph weights is non-zero,
// within 5 standard errors.
func TestRNNMasks(t *testing.T) {
	t.Parallel()
	net := teacherOf(t, "rnn", 2).(*rnn)
	nonzero := func(v []float64) float64 {
		c := 0
		for _, x := range v {
			if x != 0 {
				c++
			}
		}
		return float64(c)
	}
	n, d := float64(RNNNodes), float64(SyntheticDim)
	for _, m := range []struct {
		name    string
		nz, all float64
	}{{"input", nonzero(net.at), n * d}, {"graph", nonzero(net.wt), n * (n - 1)}} {
		if se := math.Sqrt(0.25 * m.all); math.Abs(m.nz-RNNEdgeP*m.all) > 5*se {
			t.Errorf("%s mask: %v of %v entries, want %v ± %v", m.name, m.nz, m.all, RNNEdgeP*m.all, 5*se)
		}
	}
}

func TestReLUScore(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	net := newReLU(4, 30, r)
	for range 100 {
		x := []float64{r.NormFloat64(), r.NormFloat64(), r.NormFloat64(), r.NormFloat64()}
		var z float64
		for i := range 30 {
			var a float64
			for j := range 4 {
				a += net.wt[j*30+i] * x[j]
			}
			z += net.v[i] * max(a, 0)
		}
		if got := net.clone().score(x); !scalar.EqualWithinAbsOrRel(got, z, 1e-12, 1e-12) {
			t.Fatalf("score %v, want %v", got, z)
		}
	}
	// Weights N(0, 1/fan-in): the variance of the 10,000 hidden weights of
	// a relu1 teacher is 1/10 within 5 standard errors (√(2/10⁴)/10).
	w := teacherOf(t, "relu1", 0).(*relu).wt
	var sq float64
	for _, v := range w {
		sq += v * v
	}
	if v := sq / float64(len(w)); math.Abs(v-0.1) > 5*0.1*math.Sqrt(2/float64(len(w))) {
		t.Errorf("hidden weights have variance %v, want 0.1", v)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opt  *Options
		want string
	}{
		{"mnist2", nil, `dataset: unknown data set "mnist2"; valid names: halfspace, relu1, relu2, rnn, mnist, fashion`},
		{"", nil, `unknown data set ""`},
		{"relu1", &Options{TrainSize: -1}, "dataset: negative training size -1"},
		{"mnist", &Options{TestSize: -2}, "dataset: negative test size -2"},
		{"mnist", &Options{Dir: "/nonexistent"}, "dataset: /nonexistent: no file train-images-idx3-ubyte[.gz]"},
	} {
		_, err := Load(tc.name, tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Load(%q): %v, want %q", tc.name, err, tc.want)
		}
	}
	if got := Names(); !slices.Equal(got, []string{"halfspace", "relu1", "relu2", "rnn", "mnist", "fashion"}) {
		t.Errorf("Names() = %v", got)
	}
	Names()[0] = "x"
	if Names()[0] != "halfspace" {
		t.Error("Names returns the package's slice")
	}
}
