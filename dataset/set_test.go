package dataset

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// small returns a set of n rows of dimension 2 with row i = (i, −i) and
// label i mod 3.
func small(n int) *Set {
	s := &Set{Name: "small", Dim: 2, Labels: 3, X: make([]float64, 2*n), Y: make([]int, n)}
	for i := range n {
		s.X[2*i], s.X[2*i+1] = float64(i), -float64(i)
		s.Y[i] = i % 3
	}
	return s
}

func TestSetBasics(t *testing.T) {
	t.Parallel()
	s := small(5)
	if s.Len() != 5 {
		t.Errorf("Len = %d, want 5", s.Len())
	}
	r := s.Row(3, nil)
	if !slices.Equal(r, []float64{3, -3}) || cap(r) != 2 {
		t.Errorf("Row(3) = %v (cap %d), want [3 -3] with cap 2", r, cap(r))
	}
	r[0] = 30 // a copy
	if s.X[6] != 3 {
		t.Error("Row is a view of X, want a copy")
	}
	buf := make([]float64, 4)
	if r := s.Row(2, buf); &r[0] != &buf[0] || !slices.Equal(r, []float64{2, -2}) {
		t.Errorf("Row(2, buf) = %v, want [2 -2] in buf", r)
	}
	if c := s.Counts(); !slices.Equal(c, []int{2, 2, 1}) {
		t.Errorf("Counts = %v, want [2 2 1]", c)
	}
	d := s.Dense()
	if r, c := d.Dims(); r != 5 || c != 2 || d.At(4, 1) != -4 {
		t.Errorf("Dense: %d×%d, At(4, 1) = %v", r, c, d.At(4, 1))
	}
	if e := (&Set{Dim: 2, Labels: 2}).Dense(); !e.IsEmpty() {
		t.Error("Dense of an empty set is not empty")
	}
	var _ mat.Matrix = d
}

// TestByteSet checks a byte set against the float set of the same
// inputs written out by hand as b/255: Row, At, Floats, Float, Dense and
// Subset read the same float64 values bit for bit, and Subset copies the
// bytes.
func TestByteSet(t *testing.T) {
	t.Parallel()
	pix := []uint8{0, 1, 254, 255, 17, 128}
	bs := &Set{Name: "bytes", Dim: 3, Labels: 2, Pix: pix, Y: []int{0, 1}}
	want := []float64{0, 1.0 / 255, 254.0 / 255, 1, 17.0 / 255, 128.0 / 255}
	if !bs.Bytes() || bs.Validate() != nil {
		t.Fatalf("Bytes %v, Validate %v", bs.Bytes(), bs.Validate())
	}
	buf := make([]float64, 3)
	for i := range 2 {
		if r := bs.Row(i, buf); !slices.Equal(r, want[3*i:3*i+3]) {
			t.Errorf("Row(%d) = %v, want %v", i, r, want[3*i:3*i+3])
		}
		for j := range 3 {
			if v := bs.At(i, j); v != want[3*i+j] {
				t.Errorf("At(%d, %d) = %v, want %v", i, j, v, want[3*i+j])
			}
		}
		if !slices.Equal(bs.RowBytes(i), pix[3*i:3*i+3]) {
			t.Errorf("RowBytes(%d) = %v", i, bs.RowBytes(i))
		}
	}
	if !slices.Equal(bs.Floats(), want) {
		t.Errorf("Floats = %v, want %v", bs.Floats(), want)
	}
	f := bs.Float()
	if f.Bytes() || !slices.Equal(f.X, want) || f.Validate() != nil {
		t.Errorf("Float: bytes %v, X %v, %v", f.Bytes(), f.X, f.Validate())
	}
	if d := bs.Dense(); d.At(1, 2) != 128.0/255 {
		t.Errorf("Dense At(1, 2) = %v", d.At(1, 2))
	}
	sub := bs.Subset([]int{1, 1})
	if !sub.Bytes() || !slices.Equal(sub.Pix, []uint8{255, 17, 128, 255, 17, 128}) {
		t.Errorf("Subset Pix = %v", sub.Pix)
	}
	sub.Pix[0] = 9
	if pix[3] != 255 {
		t.Error("Subset shares Pix with the set")
	}
	if small(2).RowBytes(0) != nil || small(2).Bytes() {
		t.Error("a float set reports bytes")
	}
}

// TestRowAllocs: Row into a long enough buffer does not allocate, for a
// float set and a byte set (not parallel: AllocsPerRun).
func TestRowAllocs(t *testing.T) {
	buf := make([]float64, 3)
	for _, s := range []*Set{small(3), {Dim: 3, Labels: 1, Pix: make([]uint8, 6), Y: []int{0, 0}}} {
		if a := testing.AllocsPerRun(10, func() { s.Row(1, buf) }); a != 0 {
			t.Errorf("bytes %v: Row into a buffer allocates %v times", s.Bytes(), a)
		}
	}
}

func TestSubset(t *testing.T) {
	t.Parallel()
	s := small(5)
	sub := s.Subset([]int{4, 1, 1})
	if sub.Len() != 3 || sub.Dim != 2 || sub.Labels != 3 || sub.Name != "small" {
		t.Fatalf("Subset: %+v", sub)
	}
	if !slices.Equal(sub.X, []float64{4, -4, 1, -1, 1, -1}) || !slices.Equal(sub.Y, []int{1, 1, 1}) {
		t.Errorf("Subset rows %v labels %v", sub.X, sub.Y)
	}
	sub.X[0] = 99
	if s.X[8] == 99 {
		t.Error("Subset shares X with the set")
	}
	if e := s.Subset(nil); e.Len() != 0 || e.Validate() != nil {
		t.Errorf("empty Subset: len %d, %v", e.Len(), e.Validate())
	}
}

func TestSampleIndex(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ size, n int }{
		{10, 0}, {10, 1}, {10, 9}, {10, 10}, {10, 15}, {0, 3}, {1000, 100},
	} {
		idx := SampleIndex(tc.size, tc.n, rand.NewPCG(1, 2))
		want := min(tc.n, tc.size)
		if len(idx) != want {
			t.Errorf("SampleIndex(%d, %d): %d indices, want %d", tc.size, tc.n, len(idx), want)
		}
		for k, i := range idx {
			if i < 0 || i >= tc.size || (k > 0 && idx[k-1] >= i) {
				t.Fatalf("SampleIndex(%d, %d) = %v: not increasing in range", tc.size, tc.n, idx)
			}
		}
		if !slices.Equal(idx, SampleIndex(tc.size, tc.n, rand.NewPCG(1, 2))) {
			t.Errorf("SampleIndex(%d, %d) not reproducible", tc.size, tc.n)
		}
	}
}

// TestSampleUniform checks that each index is chosen with probability
// n/size: over R draws the count of index i is Binomial(R, n/size).
func TestSampleUniform(t *testing.T) {
	t.Parallel()
	const size, n, reps = 20, 5, 4000
	counts := make([]int, size)
	src := rand.NewPCG(7, 7)
	for range reps {
		for _, i := range SampleIndex(size, n, src) {
			counts[i]++
		}
	}
	p := float64(n) / size
	mean, sd := reps*p, math.Sqrt(reps*p*(1-p))
	for i, c := range counts {
		if math.Abs(float64(c)-mean) > 5*sd { // 5 standard errors
			t.Errorf("index %d chosen %d times, want %v ± %v", i, c, mean, sd)
		}
	}
}

func TestSample(t *testing.T) {
	t.Parallel()
	s := small(50)
	a := s.Sample(10, rand.NewPCG(3, 4))
	b := s.Subset(SampleIndex(50, 10, rand.NewPCG(3, 4)))
	if a.Len() != 10 || !slices.Equal(a.X, b.X) || !slices.Equal(a.Y, b.Y) {
		t.Errorf("Sample differs from Subset(SampleIndex)")
	}
	all := s.Sample(80, rand.NewPCG(3, 4))
	if !slices.Equal(all.X, s.X) || !slices.Equal(all.Y, s.Y) {
		t.Error("Sample(n > Len) is not the whole set in order")
	}
	all.X[0] = 1
	if s.X[0] == 1 {
		t.Error("Sample(n > Len) shares X with the set")
	}
}

func TestPanics(t *testing.T) {
	t.Parallel()
	s := small(3)
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"nil source", func() { s.Sample(1, nil) }, "dataset: nil rand.Source"},
		{"negative n", func() { s.Sample(-1, rand.NewPCG(1, 1)) }, "dataset: negative sample size -1"},
		{"index", func() { s.Subset([]int{0, 3}) }, "dataset: Subset index 3 out of range [0, 3)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != tc.want {
					t.Errorf("panic %v, want %q", r, tc.want)
				}
			}()
			tc.f()
		})
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		modify func(s *Set)
		want   string // "" means valid
	}{
		{"valid", func(*Set) {}, ""},
		{"empty", func(s *Set) { s.X, s.Y = nil, nil }, ""},
		{"dim", func(s *Set) { s.Dim = 0 }, "dimension 0"},
		{"labels", func(s *Set) { s.Labels = -1 }, "-1 labels"},
		{"lengths", func(s *Set) { s.X = s.X[:5] }, "5 input values for 4 labels of dimension 2, want 8"},
		{"label high", func(s *Set) { s.Y[2] = 3 }, "example 2: label 3 out of range [0, 3)"},
		{"label negative", func(s *Set) { s.Y[0] = -1 }, "example 0: label -1 out of range"},
		{"nan", func(s *Set) { s.X[3] = math.NaN() }, "example 1: input 1 is NaN"},
		{"inf", func(s *Set) { s.X[4] = math.Inf(-1) }, "example 2: input 0 is -Inf"},
		{"bytes", func(s *Set) { s.X, s.Pix = nil, make([]uint8, 8) }, ""},
		{"bytes short", func(s *Set) { s.X, s.Pix = nil, make([]uint8, 7) }, "7 input values for 4 labels"},
		{"both", func(s *Set) { s.Pix = make([]uint8, 8) }, "both as floats (X) and as bytes (Pix)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := small(4)
			tc.modify(s)
			err := s.Validate()
			if tc.want == "" {
				if err != nil {
					t.Errorf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), "dataset: small: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate: %v, want %q", err, tc.want)
			}
		})
	}
}

func TestSplitValidate(t *testing.T) {
	t.Parallel()
	odd := small(2)
	odd.Labels = 4
	for _, tc := range []struct {
		name string
		sp   Split
		want string
	}{
		{"valid", Split{small(3), small(2)}, ""},
		{"nil", Split{small(3), nil}, "without a training or test set"},
		{"labels", Split{small(3), odd}, "has dimension 2 and 3 labels"},
	} {
		err := tc.sp.Validate()
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: Validate: %v, want %q", tc.name, err, tc.want)
		}
	}
}
