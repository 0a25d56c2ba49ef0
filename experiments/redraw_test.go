package experiments

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// redrawExperiment has two cells whose values come from compute, and a
// summary drawn from them by a function the test can change (a new
// version's drawing code).
func redrawExperiment(compute func(key string) []float64, draw func(a, b float64) float64) *Experiment {
	return &Experiment{Name: "redraw-test", Title: "t", Reproduces: "nothing", Run: func(env *Env, config []byte) (*Report, error) {
		var v [2]float64
		for i, key := range []string{"seed 1", "seed 2"} {
			c, err := env.Cell(key, func() ([]float64, error) { return compute(key), nil })
			if err != nil {
				return nil, err
			}
			v[i] = c[0]
		}
		if err := os.WriteFile(env.Path("summary.csv"), fmt.Appendf(nil, "value\n%g\n", draw(v[0], v[1])), 0o644); err != nil {
			return nil, err
		}
		return &Report{Seeds: 2, Rows: []Row{{Quantity: "summary", Ours: Stat{Mean: draw(v[0], v[1]), N: 2}}}}, nil
	}}
}

// copyFinished copies the files of a finished run, all but meta.json, as
// the CLI's --redraw does.
func copyFinished(t *testing.T, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range entries {
		if d.Name() == "meta.json" || d.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, d.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, d.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRedraw: a redraw reads the cells another version of evolve computed
// (which a plain rerun with the new version refuses), computes none,
// draws with the new code and records both versions; a cell missing from
// the run, or another configuration, is an error that says what to do.
func TestRedraw(t *testing.T) {
	calls := 0
	compute := func(key string) []float64 {
		calls++
		if key == "seed 1" {
			return []float64{3}
		}
		return []float64{5}
	}
	config := []byte("size = 1\n")
	old := t.TempDir()
	if _, err := Run(redrawExperiment(compute, func(a, b float64) float64 { return a + b }), config, &Env{Out: old, Version: "v1"}); err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Fatalf("first run: %d cells computed, want 2", calls)
	}
	var cf cellFile
	if b, err := os.ReadFile(filepath.Join(old, "cells.json")); err != nil || json.Unmarshal(b, &cf) != nil || cf.Version != "v1" {
		t.Fatalf("cells.json does not record the version that computed it: %q (%v)", cf.Version, err)
	}
	// The new version draws the product instead of the sum.
	newer := redrawExperiment(compute, func(a, b float64) float64 { return a * b })
	plain := t.TempDir()
	copyFinished(t, old, plain)
	if _, err := Run(newer, config, &Env{Out: plain, Version: "v2"}); err == nil || !strings.Contains(err.Error(), "computed by evolve v1 (this is v2)") || !strings.Contains(err.Error(), "--redraw") {
		t.Errorf("a plain rerun by another version: err = %v, want it to name v1 and v2 and point to --redraw", err)
	}
	if _, err := Run(newer, []byte("size = 2\n"), &Env{Out: plain, Version: "v2"}); err == nil || !strings.Contains(err.Error(), "another configuration") {
		t.Errorf("a rerun with another version and configuration: err = %v", err)
	}
	out := t.TempDir()
	copyFinished(t, old, out)
	rep, err := Run(newer, config, &Env{Out: out, Version: "v2", Redraw: &Redraw{From: old, Version: "v1"}})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("the redraw computed %d cells", calls-2)
	}
	if got := rep.Rows[0].Ours.Mean; got != 15 {
		t.Errorf("redrawn summary %v, want 3·5 = 15 (the new drawing code on the old cells)", got)
	}
	b, err := os.ReadFile(filepath.Join(out, "summary.csv"))
	if err != nil || string(b) != "value\n15\n" {
		t.Errorf("summary.csv = %q (%v)", b, err)
	}
	var meta map[string]any
	if b, err := os.ReadFile(filepath.Join(out, "meta.json")); err != nil || json.Unmarshal(b, &meta) != nil {
		t.Fatalf("meta.json: %v", err)
	}
	if meta["version"] != "v2" || meta["cells_version"] != "v1" || meta["redrawn_from"] != old {
		t.Errorf("meta.json: version %v, cells_version %v, redrawn_from %v", meta["version"], meta["cells_version"], meta["redrawn_from"])
	}
	if md, _ := os.ReadFile(filepath.Join(out, "results.md")); !strings.Contains(string(md), "which evolve v1 computed") {
		t.Errorf("results.md does not say the cells are v1's:\n%s", md)
	}

	// A run missing a cell: the redraw names it and computes nothing.
	cf.Cells = map[string][]*float64{"seed 1": cf.Cells["seed 1"]}
	part := t.TempDir()
	b, _ = json.Marshal(cf)
	if err := os.WriteFile(filepath.Join(part, "cells.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Run(newer, config, &Env{Out: part, Version: "v2", Redraw: &Redraw{From: old, Version: "v1"}})
	if err == nil || !strings.Contains(err.Error(), `"seed 2"`) || calls != 2 {
		t.Errorf("redraw of a run missing a cell: err = %v, %d cells computed", err, calls-2)
	}
	// Another configuration than the run's.
	other := t.TempDir()
	copyFinished(t, old, other)
	_, err = Run(newer, []byte("size = 2\n"), &Env{Out: other, Version: "v2", Redraw: &Redraw{From: old, Version: "v1"}})
	if err == nil || !strings.Contains(err.Error(), "--config") {
		t.Errorf("redraw with another configuration: err = %v", err)
	}
	// No cells at all.
	_, err = Run(newer, config, &Env{Out: t.TempDir(), Version: "v2", Redraw: &Redraw{From: old, Version: "v1"}})
	if err == nil || !strings.Contains(err.Error(), "no finished cells") {
		t.Errorf("redraw without cells: err = %v", err)
	}
}
