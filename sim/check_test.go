package sim

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/evolve-toolkit/evolve/genetics"
)

func logCheck(t *testing.T, res *CheckResult) {
	for _, s := range res.Slopes {
		t.Logf("%s %-12s %-13s slope %6.3f expected %s local %.3v %s", s.Test, s.Landscape, s.Variant, s.Slope, s.ExpectedString(), s.Local, s.Note)
	}
	for _, c := range res.Constants {
		t.Logf("%s %s %s %s: %.6g vs %.6g pass=%v", c.Test, c.Landscape, c.Variant, c.Quantity, c.Measured, c.Predicted, c.Pass)
	}
}

func TestCheckQuick(t *testing.T) {
	t.Parallel()
	for _, fit := range []string{"linear", "exp"} {
		st := time.Now()
		// The quadratic with every test, finite N included; the other
		// default landscapes run in cmd/evolve's TestCheckQuick.
		land := CheckConfig{}.Defaults().Landscapes[:1]
		res, err := Check(CheckConfig{Landscapes: land, OneStep: 8, Horizon: 4, Fit: 3, EpsScaling: true, FiniteN: true, Sizes: []int{250, 1000, 4000}, Replicates: 4, Fitness: fit}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s check took %v", fit, time.Since(st))
		logCheck(t, res)
		for _, f := range res.Failures() {
			t.Errorf("%s: %s", fit, f)
		}
	}
}

// TestPhenotypeSpace: the check's own Ȳ and G·v (written from the
// definitions) agree with genetics.Encoding's Mean and Covariance, two
// separate implementations, for disjoint and shared loci with offsets.
func TestPhenotypeSpace(t *testing.T) {
	t.Parallel()
	B := genetics.RandomSharedLoci(3, 10, 2, rand.NewPCG(1, 2))
	for _, enc := range []*genetics.Encoding{
		{P: 3, N: 4, Eps: 0.07, Offset: []float64{0.1, -0.2, 0.3}},
		{Eps: 0.05, B: B, Offset: []float64{0.5, 0, -0.1}},
	} {
		ps := newPhenotypeSpace(enc)
		rng := rand.New(rand.NewPCG(3, 4))
		x := make([]float64, enc.Loci())
		for i := range x {
			x[i] = rng.Float64()
		}
		P := enc.Coefficients()
		got, want := make([]float64, P), make([]float64, P)
		ps.mean(got, x)
		enc.Mean(want, x)
		for p := range P {
			if math.Abs(got[p]-want[p]) > 1e-14 {
				t.Errorf("Ȳ_%d = %v, genetics says %v", p, got[p], want[p])
			}
		}
		v := []float64{1, -2, 0.5}
		ps.gTimes(got, x, v)
		G := enc.Covariance(nil, x)
		for p := range P {
			w := 0.0
			for q := range P {
				w += G.At(p, q) * v[q]
			}
			if math.Abs(got[p]-w) > 1e-14 {
				t.Errorf("(Gv)_%d = %v, genetics says %v", p, got[p], w)
			}
		}
	}
}
