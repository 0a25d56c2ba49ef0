package experiments

import (
	"fmt"
	"path/filepath"

	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/sim"
)

// WriteCheckCSV writes the tables of a numerical check to dir: check.csv
// (one row per error measurement) and slopes.csv (fitted slopes and
// verdicts). "evolve check" and the appendix-c experiment both use it.
func WriteCheckCSV(dir string, res *sim.CheckResult) error {
	var rows [][]string
	for _, p := range res.Points {
		rows = append(rows, []string{p.Test, p.Landscape, p.Variant, output.F(p.Theta), output.F(p.Error), output.F(p.Relative)})
	}
	if err := output.WriteCSV(filepath.Join(dir, "check.csv"), []string{"test", "landscape", "variant", "theta_or_n", "error", "relative"}, rows); err != nil {
		return err
	}
	rows = nil
	for _, s := range res.Slopes {
		rows = append(rows, []string{s.Test, s.Landscape, s.Variant, output.F(s.Slope), output.F(s.Expected), fmt.Sprint(s.Pass), s.Note})
	}
	return output.WriteCSV(filepath.Join(dir, "slopes.csv"), []string{"test", "landscape", "variant", "slope", "expected", "pass", "note"}, rows)
}
