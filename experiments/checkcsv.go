package experiments

import (
	"fmt"
	"path/filepath"

	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/sim"
)

// WriteCheckCSV writes the tables of a numerical check to dir: check.csv
// (one row per error measurement), slopes.csv (fitted slopes and
// verdicts) and constants.csv (judged constants). "evolve check" and the appendix-c experiment both use it.
func WriteCheckCSV(dir string, res *sim.CheckResult) error {
	var rows [][]string
	for _, p := range res.Points {
		rows = append(rows, []string{p.Test, p.Landscape, p.Variant, output.F(p.Theta), output.F(p.Error), output.F(p.Relative), p.Method, output.F(p.StdErr)})
	}
	if err := output.WriteCSV(filepath.Join(dir, "check.csv"), []string{"test", "landscape", "variant", "theta_or_n", "error", "relative", "method", "stderr"}, rows); err != nil {
		return err
	}
	rows = nil
	for _, s := range res.Slopes {
		rows = append(rows, []string{s.Test, s.Landscape, s.Variant, output.F(s.Slope), s.ExpectedString(), output.F(s.Tolerance), fmt.Sprint(s.Judged), fmt.Sprint(s.Pass), s.Reason, s.Note})
	}
	if err := output.WriteCSV(filepath.Join(dir, "slopes.csv"), []string{"test", "landscape", "variant", "slope", "expected", "tolerance", "judged", "pass", "reason", "note"}, rows); err != nil {
		return err
	}
	rows = nil
	for _, k := range res.Constants {
		rows = append(rows, []string{k.Test, k.Landscape, k.Variant, k.Quantity, output.F(k.Measured), output.F(k.Predicted), fmt.Sprint(k.AtLeast), fmt.Sprint(k.Pass), k.Reason})
	}
	return output.WriteCSV(filepath.Join(dir, "constants.csv"), []string{"test", "landscape", "variant", "quantity", "measured", "predicted", "at_least", "pass", "reason"}, rows)
}
