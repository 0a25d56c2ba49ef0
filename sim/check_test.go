package sim

import (
	"testing"
	"time"
)

func TestCheckQuick(t *testing.T) {
	t.Parallel()
	st := time.Now()
	res, err := Check(CheckConfig{OneStep: 8, Horizon: 3, Fit: 3, EpsScaling: true}, nil)
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

// TestCheckT3: with ε ∝ θ the relative one-step error of the natural
// gradient falls as θ (SPEC §8, T3) and the paper's stays O(1).
func TestCheckT3(t *testing.T) {
	t.Parallel()
	res, err := Check(CheckConfig{OneStep: 7, Horizon: 1, Fit: 4, EpsScaling: true, Landscapes: CheckConfig{}.Defaults().Landscapes[:1]}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"natural": 1, "natural-mean": 1, "paper": 0, "null": 0}
	seen := 0
	for _, s := range res.Slopes {
		if s.Test != "T3" {
			continue
		}
		seen++
		if d := s.Slope - want[s.Variant]; d > 0.05 || d < -0.05 {
			t.Errorf("T3 %s slope %.3f, want %v", s.Variant, s.Slope, want[s.Variant])
		}
	}
	if seen != 4 {
		t.Errorf("%d T3 slopes, want 4", seen)
	}
}
