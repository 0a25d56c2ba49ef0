package experiments

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFig6Quick(t *testing.T) {
	t.Parallel()
	rep, _ := runQuick(t, "fig6")
	if len(rep.Rows) != 3 {
		t.Fatalf("%d rows, want one per scheme", len(rep.Rows))
	}
	for _, r := range rep.Rows {
		// Ten labels: chance is 0.1; even the quick size learns far more.
		if r.Ours.Mean < 0.3 || r.Ours.Mean > 1 {
			t.Errorf("%s = %v", r.Quantity, r.Ours.Mean)
		}
	}
}

// TestFig6Resume: a rerun into the same folder reuses every finished cell
// and writes the same curves.
func TestFig6Resume(t *testing.T) {
	t.Parallel()
	e, _ := Get("fig6")
	out := t.TempDir()
	if _, err := Run(e, nil, &Env{Out: out, Quick: true}); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(filepath.Join(out, "curves.csv"))
	var log strings.Builder
	if _, err := Run(e, nil, &Env{Out: out, Quick: true, Log: &log}); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(filepath.Join(out, "curves.csv"))
	if !bytes.Equal(first, second) || len(first) == 0 {
		t.Error("the rerun wrote different curves")
	}
	if strings.Count(log.String(), "done in an earlier run") != 3 {
		t.Errorf("the rerun recomputed cells:\n%s", log.String())
	}
}
