package sim

import (
	"testing"
	"time"
)

func TestCheckQuick(t *testing.T) {
	t.Parallel()
	st := time.Now()
	res, err := Check(CheckConfig{OneStep: 8, Horizon: 3, Fit: 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("check took %v", time.Since(st))
	for _, s := range res.Slopes {
		t.Logf("%s %-12s %-13s slope %6.3f expected %v local %.3v %s", s.Test, s.Landscape, s.Variant, s.Slope, s.Expected, s.Local, s.Note)
	}
	for _, c := range res.Constants {
		t.Logf("%s %s %s: %.6g vs %.6g pass=%v", c.Test, c.Landscape, c.Quantity, c.Measured, c.Predicted, c.Pass)
	}
	if !res.Pass {
		t.Error("check failed")
	}
}
