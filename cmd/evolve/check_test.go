package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestCheckQuick runs the short form of "evolve check" (the CI check of
// the corrected theorem) and reads its slopes back.
func TestCheckQuick(t *testing.T) {
	out := t.TempDir()
	stdout, _, err := run(t, "check", "--quick", "--finite-n", "--out", out)
	if err != nil {
		t.Fatalf("evolve check --quick: %v\n%s", err, stdout)
	}
	f, err := os.Open(filepath.Join(out, "slopes.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, r := range rows[1:] {
		test, variant := r[0], r[2]
		slope, _ := strconv.ParseFloat(r[3], 64)
		// SPEC §8: one step, natural gradient on L̃ → slope 2; fixed horizon → 1.
		if variant == "natural" && test == "T1" {
			found++
			if slope < 1.85 || slope > 2.15 {
				t.Errorf("T1 natural slope %v, want 2", slope)
			}
		}
		if variant == "natural" && test == "T2" {
			found++
			if slope < 0.85 || slope > 1.15 {
				t.Errorf("T2 natural slope %v, want 1", slope)
			}
		}
	}
	if found != 4 { // two landscapes × two tests
		t.Errorf("found %d natural slopes, want 4", found)
	}
	if !strings.Contains(stdout, "does not vanish") {
		t.Error("the paper's variant is not shown failing")
	}
	for _, f := range []string{"check.png", "check.svg", "check.csv", "meta.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
}

// TestCheckFailsLoudly: an impossible tolerance makes the command exit non-zero.
func TestCheckFailsLoudly(t *testing.T) {
	_, _, err := run(t, "check", "--quick", "--tolerance", "1e-9", "--out", t.TempDir(), "-q")
	if err == nil || !strings.Contains(err.Error(), "FAILED") {
		t.Errorf("error %v, want a failed check", err)
	}
}
