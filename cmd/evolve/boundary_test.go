package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExplicitZeroRejected: a value the user gave that the defaults would
// replace (zero means "default" inside the library) is an error naming
// it, for flags and config files; before, --nodes 0 trained 1000 nodes.
func TestExplicitZeroRejected(t *testing.T) {
	dir := t.TempDir()
	trainZero := writeFile(t, filepath.Join(dir, "train.toml"), "dataset = \"halfspace\"\n[network]\nnodes = 0\n")
	runZero := writeFile(t, filepath.Join(dir, "run.toml"), "generations = 0\n")
	gdEpochs := writeFile(t, filepath.Join(dir, "gd.toml"), "dataset = \"halfspace\"\n[gd]\nepochs = 3\n")
	mistakes := writeFile(t, filepath.Join(dir, "scheme.toml"), "[landscape.network]\nscheme = \"mistakes\"\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"train", "--dataset", "halfspace", "--nodes", "0"}, "--nodes 0"},
		{[]string{"train", "--dataset", "halfspace", "--eta", "0"}, "--eta 0"},
		{[]string{"train", "--dataset", "halfspace", "--rounds", "0"}, "--rounds 0"},
		{[]string{"train", "--dataset", "halfspace", "-p", "0"}, "--p 0"},
		{[]string{"train", "--dataset", "halfspace", "--epochs", "0"}, "--epochs 0"},
		{[]string{"train", "--train-size", "0"}, "--train-size 0"},
		{[]string{"train", "--config", trainZero}, "network.nodes = 0"},
		{[]string{"run", "--generations", "0"}, "--generations 0"},
		{[]string{"run", "--population", "0"}, "--population 0"},
		{[]string{"run", "--loci", "0"}, "--loci 0"},
		{[]string{"run", "--batch", "0"}, "--batch 0"},
		{[]string{"run", "--cap", "0"}, "--cap 0"},
		{[]string{"run", "--gd-rate", "0"}, "--gd-rate 0"},
		{[]string{"run", "--config", runZero}, "generations = 0"},
		{[]string{"config", "dump", "--eta", "0"}, "--eta 0"},
		{[]string{"run", "--config", mistakes}, `network.scheme "mistakes"`},
		{[]string{"baseline", "--config", gdEpochs}, "gd.epochs = 3"},
		{[]string{"baseline", "--dataset", "halfspace", "--batch", "0"}, "--batch 0"},
		{[]string{"meta", "--batch", "0"}, "--batch 0"},
		{[]string{"meta", "--steps", "3", "--lr", "0"}, "--lr 0"},
		{[]string{"optimal-rule", "--dataset", "halfspace", "--scheme", "mistakes"}, `--scheme "mistakes"`},
		{[]string{"experiment", "run", "theorem1", "--quick", "--seeds", "0"}, "--seeds 0"},
	} {
		_, _, err := run(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want one naming %q", tc.args, err, tc.want)
		}
	}
}

// TestSweepGridZeroRejected: a grid value the defaults would replace is an
// error at parse time; before, "network.nodes" = [0, 100] wrote a row
// labelled nodes = 0 that held the 1000-node result.
func TestSweepGridZeroRejected(t *testing.T) {
	path := writeSweep(t, "command = \"train\"\n[base]\ndataset = \"halfspace\"\n[grid]\n\"network.nodes\" = [0, 100]\n")
	_, _, err := run(t, "sweep", "--dry-run", path)
	if err == nil || !strings.Contains(err.Error(), "network.nodes = 0") {
		t.Fatalf("err = %v, want one naming network.nodes = 0", err)
	}
	path = writeSweep(t, "command = \"run\"\n[base]\n[grid]\n\"genetics.population\" = [0, 10]\n")
	if _, _, err := run(t, "sweep", "--dry-run", path); err == nil || !strings.Contains(err.Error(), "genetics.population = 0") {
		t.Fatalf("err = %v, want one naming genetics.population = 0", err)
	}
}

// TestRecordedConfigIsEffective: config dump and meta.json show the values
// the run used (the network's cap, rounds, η, the output-rule landscape's
// scheme all with all edges, the automatic gd rate), not zeros.
func TestRecordedConfigIsEffective(t *testing.T) {
	stdout, _, err := run(t, "config", "dump", "--nodes", "40")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"nodes = 40", "cap = 20", "rounds = 1", "eta = 0.01", "p = 0.5", `scheme = "all"`, "all_edges = true", "epochs = 1"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("config dump lacks %q:\n%s", want, stdout)
		}
	}
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "quick.toml"), quickRun)
	out := filepath.Join(dir, "out")
	if _, _, err := run(t, "run", "--config", cfg, "--out", out, "-q"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "meta.json"))
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Config struct {
			Landscape struct {
				Network struct {
					Cap    int
					Rounds int
					Eta    float64
					Scheme string
				}
			}
			Runs struct {
				GDRate float64 `json:"gd_rate"`
			}
		}
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	n := meta.Config.Landscape.Network
	// quickRun: nodes = 30, so cap = 15; θ = 0.02, ε = 0.05, 4 loci at x = ½:
	// gd rate = θ · 4ε²·Σ x(1−x) = 0.02 · 4 · 0.0025 · 4 · 0.25 = 2e-4.
	if n.Cap != 15 || n.Rounds != 1 || n.Eta != 0.01 || n.Scheme != "all" {
		t.Errorf("meta.json network = %+v, want cap 15, rounds 1, eta 0.01, scheme all", n)
	}
	if g := meta.Config.Runs.GDRate; g < 1.999e-4 || g > 2.001e-4 {
		t.Errorf("meta.json gd_rate = %v, want the automatic 2e-4", g)
	}
}

// TestStrayArgumentsAndFlagOrder: a stray word is an error (before, it
// dropped every later flag and exited 0), and flags after positional
// arguments work whatever their form (before, "-q FILE --shard" failed
// with "Cannot use two forms of the same flag").
func TestStrayArgumentsAndFlagOrder(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"train", "--dataset", "halfspace", "--nodes", "20", "stray", "--out", filepath.Join(dir, "tp")},
		{"run", "-g", "2", "stray"},
		{"experiment", "list", "stray"},
	} {
		_, _, err := run(t, args...)
		if err == nil || !strings.Contains(err.Error(), `unexpected argument "stray"`) {
			t.Errorf("%v: err = %v, want an unexpected-argument error", args, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "tp")); err == nil {
		t.Error("the stray-argument train wrote its output")
	}
	path := writeSweep(t, "command = \"train\"\n[base]\ndataset = \"halfspace\"\ntrain_size = 50\ntest_size = 50\n[base.network]\nnodes = 20\n[grid]\nseeds = 2\n")
	out := filepath.Join(dir, "sw")
	if _, _, err := run(t, "sweep", "-q", path, "--shard", "0/2", "--out", out); err != nil {
		t.Fatalf("sweep -q FILE --shard: %v", err)
	}
	if _, _, err := run(t, "sweep", path, "-q", "--shard=1/2", "--out", out); err != nil {
		t.Fatalf("sweep FILE -q --shard=: %v", err)
	}
	// A finished shard rerun is left as it was (its times included).
	meta := filepath.Join(out, "shard-0-of-2.meta.json")
	before, _ := os.ReadFile(meta)
	if _, _, err := run(t, "sweep", path, "--shard", "0/2", "--out", out, "-q"); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(meta); len(before) == 0 || !bytes.Equal(before, after) {
		t.Error("rerunning a finished shard rewrote its meta.json")
	}
	stdout, _, err := run(t, "merge", "-q", out, "--out", filepath.Join(out, "all.csv"))
	if err != nil {
		t.Fatalf("merge -q DIR --out: %v", err)
	}
	if !strings.Contains(stdout, "merged 2 points") || strings.Contains(stdout, "mean") {
		t.Errorf("merge output (quiet, 2 points):\n%s", stdout)
	}
	if _, err := os.Stat(filepath.Join(out, "all.csv")); err != nil {
		t.Error(err)
	}
}

// TestRuleKindMismatch: an output rule file given as the graph rule (and
// the reverse) is an error naming the file and the kinds; before, train
// panicked with a stack trace. An unknown rule name lists the built-ins.
func TestRuleKindMismatch(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "tr")
	if _, _, err := run(t, "train", "--dataset", "halfspace", "--nodes", "20", "-q", "--out", out); err != nil {
		t.Fatal(err)
	}
	outRule := filepath.Join(out, "output.rule.json")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"train", "--dataset", "halfspace", "--nodes", "20", "-q", "--graph-rule", outRule}, `kind "output"`},
		{[]string{"meta", "--nodes", "20", "--steps", "1", "-q", "--graph-start", outRule}, `kind "output"`},
		{[]string{"train", "--dataset", "halfspace", "-q", "--output-rule", "hebb"}, "perceptron, mw, none"},
	} {
		_, _, err := run(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want one containing %q", tc.args, err, tc.want)
		}
	}
	sweep := writeSweep(t, "command = \"train\"\n[base]\ndataset = \"halfspace\"\ngraph_rule = \""+outRule+"\"\n")
	if _, _, err := run(t, "sweep", "--dry-run", sweep); err == nil || !strings.Contains(err.Error(), `kind "output"`) {
		t.Errorf("sweep with an output rule as graph_rule: err = %v", err)
	}
}

// TestPrintConfigRoundTrip: every command with a config prints its
// effective config with --print-config, and that output read back with
// --config prints the same config (it is a valid config file holding
// the values that run).
func TestPrintConfigRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for _, cmd := range []string{"run", "train", "meta", "baseline", "optimal-rule"} {
		first, _, err := run(t, cmd, "--print-config", "--nodes", "30", "--dataset", "halfspace")
		if err != nil {
			t.Fatalf("%s --print-config: %v", cmd, err)
		}
		if !strings.Contains(first, "nodes = 30") || !strings.Contains(first, "cap = 15") {
			t.Errorf("%s --print-config lacks nodes = 30, cap = 15:\n%s", cmd, first)
		}
		path := writeFile(t, filepath.Join(dir, cmd+".toml"), first)
		again, _, err := run(t, cmd, "--print-config", "--config", path)
		if err != nil || again != first {
			t.Errorf("%s: the printed config read back gives %v\n%s\nwant\n%s", cmd, err, again, first)
		}
	}
}

// TestExperimentQuickRecordsEffective: experiment --quick records the
// configuration it ran (theorem1's quick size: 1000 training examples,
// |V| = 50, see runTheorem1), not the full-size one it started from;
// a second run into the finished folder is an error unless --force.
func TestExperimentQuickRecordsEffective(t *testing.T) {
	out := filepath.Join(t.TempDir(), "t1")
	if _, _, err := run(t, "experiment", "run", "-q", "theorem1", "--quick", "--out", out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "config.toml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"train_size = 1000", "nodes = 50", "cap = 25"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("config.toml lacks %q:\n%s", want, b)
		}
	}
	if _, _, err := run(t, "experiment", "run", "-q", "theorem1", "--quick", "--out", out); err == nil || !strings.Contains(err.Error(), "finished result") {
		t.Errorf("second run into a finished folder: err = %v", err)
	}
	if _, _, err := run(t, "experiment", "run", "-q", "fig2", "--quick", "--out", out, "--force"); err != nil {
		t.Errorf("--force: %v", err)
	}
}
