package genetics

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/stat"
)

// TestCheckSlopes runs the one-step part (T1) of SPEC §8's numerical check
// on a small genome: e₁(θ) = max_i |Δ_E − Δ_G| for θ_j = θ₀2⁻ʲ, and the
// least-squares slope of log e₁ on log θ over the 5 smallest θ must be
// within 0.05 of the value SPEC §8 predicts.
func TestCheckSlopes(t *testing.T) {
	t.Parallel()
	enc := &Encoding{P: 2, N: 8, Eps: 0.05}
	x := randomX(enc.Loci(), 0.15, 0.85, 31) // interior start, as in SPEC §8
	quad := quadLoss([]float64{0.4, -0.3})
	cubic := testLoss(2)
	type want struct {
		v     Variant
		slope float64
	}
	for _, tc := range []struct {
		name  string
		loss  LossFunc
		kind  FitnessKind
		wants []want
	}{
		{"quadratic/linear", quad, Linear, []want{{VariantNatural, 2}, {VariantNaturalMean, 1}, {VariantMeanField, 2}, {VariantPaper, 1}, {VariantNull, 1}}},
		{"quadratic/exp", quad, Exp, []want{{VariantNatural, 2}, {VariantNaturalMean, 1}, {VariantMeanField, 2}, {VariantPaper, 1}, {VariantNull, 1}}},
		{"cubic/linear", cubic, Linear, []want{{VariantNatural, 2}, {VariantNaturalMean, 1}, {VariantMeanField, 1}, {VariantPaper, 1}, {VariantNull, 1}}},
	} {
		// θ₀ with θ₀·max L ≤ ½: |Y_p| ≤ 0.4 here, so L ≤ 2·(0.8)² + small terms < 2.
		const theta0 = 0.25
		d, err := NewDynamics(enc, tc.loss, Fitness{Kind: tc.kind, Theta: theta0}, nil)
		if err != nil {
			t.Fatal(err)
		}
		m := len(x)
		exact, other := make([]float64, m), make([]float64, m)
		for _, w := range tc.wants {
			var logT, logE []float64
			for j := 0; j <= 10; j++ {
				theta := theta0 * math.Exp2(-float64(j))
				d.SetFitness(Fitness{Kind: tc.kind, Theta: theta})
				if _, err := d.Increment(exact, x, VariantExact); err != nil {
					t.Fatal(err)
				}
				if _, err := d.Increment(other, x, w.v); err != nil {
					t.Fatal(err)
				}
				e := 0.0
				for i := range exact {
					e = math.Max(e, math.Abs(exact[i]-other[i]))
				}
				logT = append(logT, math.Log(theta))
				logE = append(logE, math.Log(e))
			}
			n := len(logT)
			_, slope := stat.LinearRegression(logT[n-5:], logE[n-5:], nil, false)
			if math.Abs(slope-w.slope) > 0.05 {
				t.Errorf("%s: %v: slope %.3f, want %v", tc.name, w.v, slope, w.slope)
			}
		}
	}
}
