package experiments

import (
	"github.com/BurntSushi/toml"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evolve-toolkit/evolve/internal/output"
)

// runQuick runs an experiment at its quick size and checks the common
// outputs: results.md with a table, meta.json, and every CSV parses.
func runQuick(t *testing.T, name string) (*Report, string) {
	t.Helper()
	e, err := Get(name)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	rep, err := Run(e, nil, &Env{Out: out, Quick: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) == 0 {
		t.Errorf("%s: empty report", name)
	}
	md, err := os.ReadFile(filepath.Join(out, "results.md"))
	if err != nil || !strings.Contains(string(md), "| quantity | ours | paper |") {
		t.Errorf("%s: results.md: %v\n%s", name, err, md)
	}
	csvs, _ := filepath.Glob(filepath.Join(out, "*.csv"))
	if len(csvs) == 0 {
		t.Errorf("%s: no CSV written", name)
	}
	for _, f := range csvs {
		rows, err := output.ReadCSV(f)
		if err != nil || len(rows) < 2 {
			t.Errorf("%s: %s: %d rows, %v", name, filepath.Base(f), len(rows), err)
		}
	}
	for _, f := range []string{"meta.json", "config.toml"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	return rep, out
}

// TestEveryExperimentHasConfig: every registered experiment has an
// embedded default config that parses as TOML.
func TestEveryExperimentHasConfig(t *testing.T) {
	for _, e := range All() {
		b, err := DefaultConfig(e.Name)
		if err != nil {
			t.Errorf("%s: %v", e.Name, err)
			continue
		}
		var m map[string]any
		if err := toml.Unmarshal(b, &m); err != nil {
			t.Errorf("%s: %v", e.Name, err)
		}
	}
	if _, err := Get("fig99"); err == nil {
		t.Error("unknown experiment accepted")
	}
}

func TestAppendixCQuick(t *testing.T) {
	t.Parallel()
	rep, out := runQuick(t, "appendix-c")
	for _, f := range []string{"comparison.png", "slopes.csv", "trajectory-seed1.csv"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	found := false
	for _, r := range rep.Rows {
		if strings.HasPrefix(r.Quantity, "T1 slope, natural,") {
			found = true
			if r.Ours.Mean < 1.85 || r.Ours.Mean > 2.15 {
				t.Errorf("%s = %v, want 2", r.Quantity, r.Ours.Mean)
			}
		}
	}
	if !found {
		t.Error("no T1 natural slope in the report")
	}
}

// TestCellCheckpoint: finished cells are reused by a rerun with the same
// configuration and output folder; cells of another configuration (or
// experiment) in the folder are an error, not silently dropped.
func TestCellCheckpoint(t *testing.T) {
	out := t.TempDir()
	calls := 0
	compute := func() ([]float64, error) { calls++; return []float64{1.5, math.NaN()}, nil }
	env := &Env{Out: out}
	if err := env.loadCells("x", "h1"); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Cell("seed 1", compute); err != nil {
		t.Fatal(err)
	}
	again := &Env{Out: out}
	if err := again.loadCells("x", "h1"); err != nil {
		t.Fatal(err)
	}
	v, err := again.Cell("seed 1", compute)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 || v[0] != 1.5 || !math.IsNaN(v[1]) {
		t.Errorf("rerun: %d computations, values %v", calls, v)
	}
	other := &Env{Out: out}
	if err := other.loadCells("x", "h2"); err == nil || !strings.Contains(err.Error(), "another configuration") {
		t.Errorf("cells of a changed configuration: err = %v", err)
	}
	if err := other.loadCells("y", "h3"); err == nil || !strings.Contains(err.Error(), "experiment x") {
		t.Errorf("cells of another experiment: err = %v", err)
	}
}
