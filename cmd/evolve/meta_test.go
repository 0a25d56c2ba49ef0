package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMetaWritesOutputs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stdout, _, err := run(t, "meta", "--dataset", "relu1", "--train-size", "400", "--test-size", "200",
		"--nodes", "30", "--cap", "15", "--rounds", "2", "--graph", "mlp", "--hidden", "4", "--outer-epochs", "2",
		"--out", dir, "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"8 steps", "fresh net", "output rule [["} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	for _, name := range []string{"graph.rule.json", "output.rule.json", "loss.csv", "loss.png", "loss.svg", "meta.json"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	f, err := os.Open(filepath.Join(dir, "loss.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// 2 outer epochs of 400/100 = 4 batches: 8 steps plus the header.
	if len(rows) != 9 || rows[0][2] != "loss" || rows[8][0] != "8" || rows[8][1] != "2" {
		t.Errorf("loss.csv = %v", rows)
	}
	var meta map[string]any
	b, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	if meta["steps"] != 8.0 || meta["seed"] != 1.0 {
		t.Errorf("meta.json: steps %v, seed %v", meta["steps"], meta["seed"])
	}
	// The learned rules train a network with evolve train.
	if _, _, err := run(t, "train", "--dataset", "relu2", "--train-size", "200", "--test-size", "100",
		"--nodes", "30", "--cap", "15", "--rounds", "2", "--curve-every", "0", "--quiet", "--out", filepath.Join(dir, "retrain"),
		"--graph-rule", filepath.Join(dir, "graph.rule.json"), "--output-rule", filepath.Join(dir, "output.rule.json")); err != nil {
		t.Errorf("training with the learned rules: %v", err)
	}
	// A learned rule is a valid start: continue from it.
	if _, _, err := run(t, "meta", "--dataset", "relu1", "--train-size", "200", "--test-size", "100",
		"--nodes", "30", "--cap", "15", "--rounds", "2", "--graph", "mlp", "--steps", "2", "--quiet", "--out", filepath.Join(dir, "restart"),
		"--graph-start", filepath.Join(dir, "graph.rule.json"), "--output-start", filepath.Join(dir, "output.rule.json")); err != nil {
		t.Errorf("continuing from the learned rules: %v", err)
	}
}

func TestMetaBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"meta", "--dataset", "halfspace", "--graph", "tree"}, "graph must be"},
		{[]string{"meta", "--dataset", "halfspace", "--graph", "table", "--rounds", "1", "--train-size", "100"}, "at least 2 rounds"},
		{[]string{"meta", "--dataset", "halfspace", "--output", "none"}, "no rule to learn"},
		{[]string{"meta", "--dataset", "halfspace", "--loss", "l1"}, "loss must be"},
		{[]string{"meta", "--dataset", "halfspace", "--output-start", "missing.json"}, "no such file"},
	}
	for _, tc := range tests {
		_, _, err := run(t, append(tc.args, "--quiet")...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.args, err, tc.want)
		}
	}
}

func TestBaselineWritesOutputs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stdout, _, err := run(t, "baseline", "--dataset", "halfspace", "--train-size", "1000", "--test-size", "500",
		"--nodes", "40", "--rounds", "2", "--method", "gd-full", "--curve-every", "250", "--curve-size", "200", "--out", dir, "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "gd-full, Adam lr=0.01, batch 100") || !strings.Contains(stdout, "test acc") {
		t.Errorf("output:\n%s", stdout)
	}
	for _, name := range []string{"loss.csv", "curve.csv", "curve.png", "curve.svg", "meta.json"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, _, err := run(t, "baseline", "--dataset", "halfspace", "--method", "sgd", "--quiet"); err == nil || !strings.Contains(err.Error(), "method must be") {
		t.Errorf("bad method: error %v", err)
	}
}

func TestOptimalRuleCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stdout, _, err := run(t, "optimal-rule", "--dataset", "halfspace", "--train-size", "500", "--test-size", "200",
		"--nodes", "40", "--out", dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "rank 4 of 4") || !strings.Contains(stdout, "train MSE") {
		t.Errorf("output:\n%s", stdout)
	}
	// The rule file trains a network with evolve train in the same mode.
	if _, _, err := run(t, "train", "--dataset", "halfspace", "--train-size", "500", "--test-size", "200", "--nodes", "40",
		"--scheme", "all", "--all-edges", "--epochs", "1", "--curve-every", "0", "--quiet", "--out", filepath.Join(dir, "retrain"),
		"--output-rule", filepath.Join(dir, "output.rule.json")); err != nil {
		t.Errorf("training with the optimal rule: %v", err)
	}
}

func TestMetaConfigFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "meta.toml")
	os.WriteFile(good, []byte("dataset = \"halfspace\"\ntrain_size = 300\ntest_size = 100\n[meta]\nsteps = 3\nloss = \"mse\"\n[network]\nnodes = 30\n"), 0o644)
	stdout, _, err := run(t, "meta", "--config", good, "--lr", "0.05", "--quiet", "--out", filepath.Join(dir, "m"))
	if err != nil {
		t.Fatal(err)
	}
	// The file sets the steps and the loss, the flag the learning rate.
	if !strings.Contains(stdout, "3 steps") || !strings.Contains(stdout, "loss=mse") || !strings.Contains(stdout, "lr=0.05") || !strings.Contains(stdout, "|V|=30") {
		t.Errorf("config not applied:\n%s", stdout)
	}
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("[meta]\nstepz = 3\n"), 0o644)
	if _, _, err := run(t, "meta", "--config", bad); err == nil || !strings.Contains(err.Error(), "stepz") {
		t.Errorf("unknown key: error %v", err)
	}
}
