package sim

import (
	"testing"
	"time"
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
