package experiments

import (
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/evolve-toolkit/evolve/internal/output"
)

// A --quick run of plasticity-curvature trains every model, writes one
// row per model and seed and the figure; its spectra are consistent:
// λ_min ≤ λ_top, and λ_top is at least the mean eigenvalue trace/p (up to
// 4 standard errors of Hutchinson's estimate), in U and in (U, W); the
// calibrated scale of U lowers the loss.
func TestPlasticityCurvatureQuick(t *testing.T) {
	t.Parallel()
	env := &Env{Out: t.TempDir(), Quick: true}
	e, err := Get("plasticity-curvature")
	if err != nil {
		t.Fatal(err)
	}
	text, err := configs.ReadFile("configs/plasticity-curvature.toml")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := e.Run(env, text)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := output.ReadCSV(env.Path("results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+5 {
		t.Fatalf("results.csv has %d rows, want 1 + 5 models", len(rows))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	f := func(r []string, k string) float64 {
		if r[col[k]] == "" {
			return math.NaN()
		}
		v, err := strconv.ParseFloat(r[col[k]], 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// Parameters: U has 10 × 60 entries; W about p·60·59 = 1770.
	for _, r := range rows[1:] {
		for _, b := range []struct {
			suffix string
			p      float64
		}{{"U", 600}, {"UW", 600 + 0.5*60*59}} {
			top, bot, tr, se := f(r, "lambda_top_"+b.suffix), f(r, "lambda_min_"+b.suffix), f(r, "trace_"+b.suffix), f(r, "trace_se_"+b.suffix)
			if math.IsNaN(top) {
				if b.suffix == "U" || r[1] == "T=3" {
					t.Errorf("%s: no λ_top in %s", r[1], b.suffix)
				}
				continue
			}
			if bot > top {
				t.Errorf("%s %s: λ_min %v > λ_top %v", r[1], b.suffix, bot, top)
			}
			if top < (tr-4*se)/b.p*0.9 {
				t.Errorf("%s %s: λ_top %v below the mean eigenvalue %v", r[1], b.suffix, top, tr/b.p)
			}
		}
	}
	// The calibrated measurement: c > 0, the loss at cU no larger than at
	// U (c = 1 is a candidate of the minimisation), and a spectrum.
	for _, r := range rows[1:] {
		c, lc, l := f(r, "calibration_scale"), f(r, "calibrated_loss"), f(r, "train_loss")
		if !(c > 0) {
			t.Errorf("%s: calibration scale %v", r[1], c)
			continue
		}
		if lc > l*(1+1e-9) {
			t.Errorf("%s: loss %v at the calibrated scale %v above %v at U", r[1], lc, c, l)
		}
		if top, bot := f(r, "lambda_top_U_calibrated"), f(r, "lambda_min_U_calibrated"); !math.IsInf(c, 1) && !(bot <= top) {
			t.Errorf("%s: calibrated λ_min %v, λ_top %v", r[1], bot, top)
		}
	}
	if _, err := os.Stat(env.Path("plasticity-curvature.png")); err != nil {
		t.Error(err)
	}
	if len(rep.Rows) == 0 {
		t.Error("empty report")
	}
}
