package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/evolve-toolkit/evolve/experiments"
	"github.com/evolve-toolkit/evolve/internal/output"
)

// sweepFile is a 2 × 2-point train sweep on halfspace that runs in a fraction of a second.
const sweepFile = `command = "train"
[base]
dataset = "halfspace"
train_size = 400
test_size = 200
[base.network]
nodes = 30
epochs = 1
[grid]
"network.eta" = [0.01, 0.1]
seeds = [1, 2]
`

func writeSweep(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "grid.toml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSweepShardsAndMerge runs the sweep as 3 shards, with the flags after
// the file name as a job script writes them, merges them and compares
// with the sweep run whole.
func TestSweepShardsAndMerge(t *testing.T) {
	t.Parallel()
	grid := writeSweep(t, sweepFile)
	split, whole := t.TempDir(), t.TempDir()
	for _, sh := range []string{"0/3", "1/3", "2/3"} {
		if _, stderr, err := run(t, "sweep", grid, "--shard", sh, "--out", split, "-q"); err != nil {
			t.Fatalf("shard %s: %v\n%s", sh, err, stderr)
		}
	}
	if _, _, err := run(t, "sweep", "--out", whole, "-q", grid); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"shard-0-of-3.csv", "shard-2-of-3.meta.json"} {
		if _, err := os.Stat(filepath.Join(split, f)); err != nil {
			t.Error(err)
		}
	}
	merged := filepath.Join(t.TempDir(), "all.csv")
	stdout, _, err := run(t, "merge", split, "--out", merged)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "merged 4 points from 3 shard files") || !strings.Contains(stdout, "test_accuracy_mean") {
		t.Errorf("merge output:\n%s", stdout)
	}
	if _, _, err := run(t, "merge", whole); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(merged)
	b, _ := os.ReadFile(filepath.Join(whole, "results.csv"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("merged shards differ from the whole sweep:\n%s\nwant\n%s", a, b)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(merged), "all-summary.csv")); err != nil {
		t.Error(err)
	}

	// A missing shard is named.
	os.Remove(filepath.Join(split, "shard-1-of-3.csv"))
	if _, _, err := run(t, "merge", split); err == nil || !strings.Contains(err.Error(), "shard-1-of-3.csv") || !strings.Contains(err.Error(), "points missing: 1") {
		t.Errorf("missing shard: %v", err)
	}
}

// TestSweepPointEqualsTrain: a sweep point gives the numbers of evolve
// train with the same config and seed.
func TestSweepPointEqualsTrain(t *testing.T) {
	t.Parallel()
	grid := writeSweep(t, sweepFile)
	out := t.TempDir()
	if _, _, err := run(t, "sweep", grid, "--shard", "3/4", "--out", out, "-q"); err != nil {
		t.Fatal(err)
	}
	rows, err := output.ReadCSV(filepath.Join(out, "shard-3-of-4.csv"))
	if err != nil || len(rows) != 2 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	// Point 3: eta 0.1, seed 2.
	cfg := filepath.Join(t.TempDir(), "train.toml")
	os.WriteFile(cfg, []byte("dataset = \"halfspace\"\ntrain_size = 400\ntest_size = 200\n[network]\nnodes = 30\ncap = 15\nepochs = 1\neta = 0.1\nseed = 2\n"), 0o644)
	tdir := t.TempDir()
	if _, _, err := run(t, "train", "--config", cfg, "--out", tdir, "--curve-every", "0", "-q"); err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Train float64 `json:"train_accuracy"`
		Test  float64 `json:"test_accuracy"`
	}
	b, _ := os.ReadFile(filepath.Join(tdir, "meta.json"))
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	want := []string{"3", "0.1", "2", output.F(meta.Train), output.F(meta.Test)}
	if got := rows[1][:5]; !reflect.DeepEqual(got, want) {
		t.Errorf("sweep point 3: %v, evolve train: %v", got, want)
	}
}

// TestSweepTrainConfigMatchesTrain: a train sweep's effective config at
// its defaults equals the effective defaults of "evolve train" (as
// "evolve train --print-config" prints them).
func TestSweepTrainConfigMatchesTrain(t *testing.T) {
	t.Parallel()
	s, err := experiments.ParseSweep("t.toml", []byte(`command = "train"`), ".")
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Config(0)
	if err != nil {
		t.Fatal(err)
	}
	keys := func(v any) map[string]any {
		b, err := encodeTOML(v)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := toml.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	printed, _, err := run(t, "train", "--print-config")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	if err := toml.Unmarshal([]byte(printed), &want); err != nil {
		t.Fatal(err)
	}
	if g, w := keys(got), want; !reflect.DeepEqual(g, w) {
		t.Errorf("sweep train config\n%v\nevolve train config\n%v", g, w)
	}
}

// TestSweepExample: the example sweep of the README parses (60 points).
func TestSweepExample(t *testing.T) {
	t.Parallel()
	stdout, _, err := run(t, "sweep", filepath.Join("..", "..", "examples", "sweep.toml"), "--shard", "9/10", "--dry-run")
	if err != nil || !strings.Contains(stdout, "60 points (3 × 2 × 2 × 5 seeds)") || !strings.Contains(stdout, "shard 9/10: 6 of 60 points") {
		t.Errorf("examples/sweep.toml: %v\n%s", err, stdout)
	}
}

func TestSweepErrors(t *testing.T) {
	t.Parallel()
	grid := writeSweep(t, sweepFile)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sweep", grid, "--shard", "4/4", "-n"}, "numbered from 0 to 3"},
		{[]string{"sweep", grid, "--shard", "1"}, "want i/n"},
		{[]string{"sweep", grid, "--shard", "1/0"}, "at least 1"},
		{[]string{"sweep"}, "give one sweep file"},
		{[]string{"sweep", writeSweep(t, "command = \"train\"\n[grid]\n\"network.nodez\" = [1]")}, "network.nodez"},
		{[]string{"merge"}, "give the sweep's output folder"},
		{[]string{"merge", t.TempDir()}, "no shard"},
	} {
		_, _, err := run(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
	stdout, _, err := run(t, "sweep", grid, "--shard", "1/3", "--dry-run")
	if err != nil || !strings.Contains(stdout, "4 points (2 × 2 seeds)") || !strings.Contains(stdout, "shard 1/3: 1 of 4 points") {
		t.Errorf("dry run: %v\n%s", err, stdout)
	}
}
