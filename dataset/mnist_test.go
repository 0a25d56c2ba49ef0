package dataset

import (
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/evolve-toolkit/evolve/internal/seed"
)

// The real data sets are loaded once for all tests.
var (
	mnistOnce   = sync.OnceValues(func() (*Split, error) { return Load("mnist", nil) })
	fashionOnce = sync.OnceValues(func() (*Split, error) { return Load("fashion", nil) })
)

// Published facts of the two data sets: the class counts of the MNIST
// training and test sets (LeCun et al.; the same in every copy of the
// files), the balanced classes of Fashion-MNIST (Xiao et al. 2017), and
// the mean pixel value of each training set, 0.1307 and 0.2860 (the
// normalisation constants of the usual PyTorch examples).
var realSets = []struct {
	name                    string
	load                    func() (*Split, error)
	trainCounts, testCounts []int
	mean                    float64
}{
	{"mnist", mnistOnce,
		[]int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949},
		[]int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}, 0.1307},
	{"fashion", fashionOnce,
		[]int{6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000},
		[]int{1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, 0.2860},
}

// skipWithoutFashion skips a test when Fashion-MNIST is not installed.
func skipWithoutFashion(t testing.TB, name string) {
	if name != "fashion" {
		return
	}
	if _, err := DefaultDir("fashion"); err != nil {
		t.Skipf("Fashion-MNIST is not installed (Debian package dataset-fashion-mnist, or set %s): %v", EnvFashionDir, err)
	}
}

func TestRealSets(t *testing.T) {
	t.Parallel()
	for _, rs := range realSets {
		t.Run(rs.name, func(t *testing.T) {
			t.Parallel()
			skipWithoutFashion(t, rs.name)
			sp, err := rs.load()
			if err != nil {
				t.Fatal(err)
			}
			if err := sp.Validate(); err != nil {
				t.Fatal(err)
			}
			// 60,000 training and 10,000 test images of 28×28 pixels, 10
			// classes.
			for _, c := range []struct {
				s      *Set
				n      int
				counts []int
			}{{sp.Train, 60000, rs.trainCounts}, {sp.Test, 10000, rs.testCounts}} {
				if c.s.Len() != c.n || c.s.Dim != 784 || c.s.Labels != 10 {
					t.Errorf("%s: %d images of dimension %d, %d labels", c.s.Name, c.s.Len(), c.s.Dim, c.s.Labels)
				}
				if got := c.s.Counts(); !slices.Equal(got, c.counts) {
					t.Errorf("%s: label counts %v, want %v", c.s.Name, got, c.counts)
				}
				lo, hi := slices.Min(c.s.Pix), slices.Max(c.s.Pix)
				if !c.s.Bytes() || lo != 0 || hi != 255 {
					t.Errorf("%s: bytes %v, pixels in [%v, %v], want bytes in [0, 255]", c.s.Name, c.s.Bytes(), lo, hi)
				}
			}
			var sum float64
			for _, v := range sp.Train.Floats() {
				sum += v
			}
			if mean := sum / float64(len(sp.Train.Pix)); !scalar.EqualWithinAbs(mean, rs.mean, 1e-4) {
				t.Errorf("mean pixel %v, want %v", mean, rs.mean)
			}
		})
	}
}

// TestRealSubset checks that TrainSize and TestSize give the seeded
// subset that Sample draws from the full set.
func TestRealSubset(t *testing.T) {
	t.Parallel()
	full, err := mnistOnce()
	if err != nil {
		t.Fatal(err)
	}
	const s = 4
	sp, err := Load("mnist", &Options{Seed: s, TrainSize: 10000, TestSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		got, full *Set
		n, role   int
	}{{sp.Train, full.Train, 10000, roleTrain}, {sp.Test, full.Test, 500, roleTest}} {
		want := c.full.Sample(c.n, seed.PCG(s, seed.Sample, stream(idMNIST, c.role)))
		if c.got.Len() != c.n || !c.got.Bytes() || !slices.Equal(c.got.Pix, want.Pix) || !slices.Equal(c.got.Y, want.Y) {
			t.Errorf("%s: the subset of size %d is not Sample of the full set", c.got.Name, c.n)
		}
	}
	// A paper-sized subset has every class (each has ≥ 5421 of 60,000
	// images, so ≥ 9 % in expectation; 5 % is far out in the tail).
	for k, c := range sp.Train.Counts() {
		if c < 500 {
			t.Errorf("class %d has %d of 10000 images", k, c)
		}
	}
}

func TestMNISTDir(t *testing.T) {
	if os.Getenv(EnvMNISTDir) != "" {
		t.Skipf("%s is set", EnvMNISTDir)
	}
	dir, err := DefaultDir("mnist")
	if err != nil {
		t.Fatal(err)
	}
	want := escapePath(MNISTModule) + "@" + MNISTVersion + string(os.PathSeparator) + "data"
	if !strings.HasSuffix(dir, want) {
		t.Errorf("DefaultDir(mnist) = %q, want …%s", dir, want)
	}
}
