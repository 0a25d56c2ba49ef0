package experiments

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestExperimentsResumeFromCells: fig2, fig3, optimal-mse and theorem1
// keep their finished cells in cells.json, so a run killed mid-way and
// rerun with the same --out redoes only the rest and writes the same
// tables. The kill is simulated by a cells.json that holds only part of
// the cells of a finished run. Before, these experiments started over.
func TestExperimentsResumeFromCells(t *testing.T) {
	if testing.Short() {
		t.Skip("runs four quick experiments twice")
	}
	for _, name := range []string{"fig2", "fig3", "optimal-mse", "theorem1"} {
		t.Run(name, func(t *testing.T) {
			e, err := Get(name)
			if err != nil {
				t.Fatal(err)
			}
			whole := t.TempDir()
			if _, err := Run(e, nil, &Env{Out: whole, Quick: true, Seeds: 2}); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(whole, "cells.json"))
			if err != nil {
				t.Fatalf("no cells.json: %v", err)
			}
			var cf cellFile
			if err := json.Unmarshal(b, &cf); err != nil {
				t.Fatal(err)
			}
			if len(cf.Cells) < 2 {
				t.Fatalf("%d cells; the test needs at least 2", len(cf.Cells))
			}
			// Keep the first half of the cells (sorted by key): the "killed" run.
			keys := make([]string, 0, len(cf.Cells))
			for k := range cf.Cells {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys[len(keys)/2:] {
				delete(cf.Cells, k)
			}
			resumed := t.TempDir()
			b, _ = json.Marshal(cf)
			if err := os.WriteFile(filepath.Join(resumed, "cells.json"), b, 0o644); err != nil {
				t.Fatal(err)
			}
			var log bytes.Buffer
			if _, err := Run(e, nil, &Env{Out: resumed, Quick: true, Seeds: 2, Log: &log}); err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(log.String(), "done in an earlier run"); n != len(keys)/2 {
				t.Errorf("%d cells reused, want %d", n, len(keys)/2)
			}
			csvs, _ := filepath.Glob(filepath.Join(whole, "*.csv"))
			if len(csvs) == 0 {
				t.Fatal("no CSV files")
			}
			for _, f := range csvs {
				a, _ := os.ReadFile(f)
				b, err := os.ReadFile(filepath.Join(resumed, filepath.Base(f)))
				if a, b = withoutSeconds(a), withoutSeconds(b); err != nil || !bytes.Equal(a, b) {
					t.Errorf("%s differs after the resume (%v)", filepath.Base(f), err)
				}
			}
		})
	}
}

// withoutSeconds drops a CSV's last column if it is "seconds" (the time a
// recomputed cell took differs between runs).
func withoutSeconds(b []byte) []byte {
	lines := strings.Split(string(b), "\n")
	if !strings.HasSuffix(lines[0], ",seconds") {
		return b
	}
	for i, l := range lines {
		if j := strings.LastIndexByte(l, ','); j >= 0 {
			lines[i] = l[:j]
		}
	}
	return []byte(strings.Join(lines, "\n"))
}

// TestLogfElapsed: every progress line starts with the time since the
// first one, in whole seconds, so a long run's log says how long each
// part took.
func TestLogfElapsed(t *testing.T) {
	var log strings.Builder
	env := &Env{Log: &log}
	env.Logf("first %d", 1)
	env.logStart = env.logStart.Add(-65 * time.Second) // as if the first line were 65 s ago
	env.Logf("second %s", "x")
	if want := "[0s] first 1\n[1m5s] second x\n"; log.String() != want {
		t.Errorf("log %q, want %q", log.String(), want)
	}
}
