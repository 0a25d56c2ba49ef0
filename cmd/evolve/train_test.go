package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run runs the CLI in-process and returns stdout, stderr and the error.
func run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errw bytes.Buffer
	app := newApp(&out, &errw)
	err := app.Run(append([]string{"evolve"}, args...))
	return out.String(), errw.String(), err
}

func TestTrainHalfspaceWritesOutputs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stdout, _, err := run(t, "train", "--dataset", "halfspace", "--train-size", "1000", "--test-size", "500",
		"--nodes", "50", "--epochs", "1", "--curve-every", "250", "--curve-size", "200", "--out", dir, "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "test acc") {
		t.Errorf("no accuracy in output:\n%s", stdout)
	}
	var meta map[string]any
	b, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	acc, ok := meta["test_accuracy"].(float64)
	if !ok || acc < 0.6 || acc > 1 {
		t.Errorf("meta test_accuracy = %v", meta["test_accuracy"])
	}
	f, err := os.Open(filepath.Join(dir, "curve.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// 1000 examples, a point every 250: 4 points plus the header.
	if len(rows) != 5 || rows[0][0] != "seen" || rows[4][0] != "1000" {
		t.Errorf("curve.csv = %v", rows)
	}
	// The rule written can be read back and used again.
	if _, _, err := run(t, "train", "--dataset", "halfspace", "--train-size", "200", "--test-size", "100", "--nodes", "20",
		"--output-rule", filepath.Join(dir, "output.rule.json"), "--quiet", "--curve-every", "0", "--out", filepath.Join(dir, "again")); err != nil {
		t.Errorf("training with the written rule: %v", err)
	}
}

func TestTrainConfigFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.toml")
	os.WriteFile(good, []byte("dataset = \"halfspace\"\ntrain_size = 300\ntest_size = 100\ncurve_every = 0\n[network]\nnodes = 30\nepochs = 1\n"), 0o644)
	stdout, _, err := run(t, "train", "--config", good, "--nodes", "40", "--quiet", "--out", filepath.Join(dir, "a"))
	if err != nil {
		t.Fatal(err)
	}
	// The flag overrides the file: 40 nodes, cap 20.
	if !strings.Contains(stdout, "|V|=40 k=20") {
		t.Errorf("flags did not override the config:\n%s", stdout)
	}
	// A file that sets only nodes gets the default cap |V|/2.
	stdout, _, err = run(t, "train", "--config", good, "--quiet", "--out", filepath.Join(dir, "b"))
	if err != nil || !strings.Contains(stdout, "|V|=30 k=15") {
		t.Errorf("cap does not follow the file's nodes: %v\n%s", err, stdout)
	}
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("dataset = \"halfspace\"\nnodez = 3\n"), 0o644)
	if _, _, err := run(t, "train", "--config", bad); err == nil || !strings.Contains(err.Error(), "nodez") {
		t.Errorf("unknown key: error %v", err)
	}
}

func TestTrainBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rule := filepath.Join(dir, "r.json")
	os.WriteFile(rule, []byte(`{"format":"evolve-rule/1","kind":"output","rounds":1,"table":[[1,2]]}`), 0o644)
	badEval := filepath.Join(dir, "eval.toml")
	os.WriteFile(badEval, []byte("eval = \"float16\"\n"), 0o644)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"train", "--dataset", "cifar"}, "unknown data set"},
		{[]string{"train", "--dataset", "halfspace", "--cap", "5000", "--nodes", "100"}, "cap"},
		{[]string{"train", "--dataset", "halfspace", "--output-rule", rule}, "2 table rows, got 1"},
		{[]string{"train", "--dataset", "halfspace", "--output-rule", filepath.Join(dir, "missing.json")}, "no such file"},
		{[]string{"train", "--dataset", "mnist", "--data-dir", dir}, dir},
		{[]string{"train", "--dataset", "halfspace", "--eval", "float16"}, `--eval "float16"`},
		{[]string{"train", "--dataset", "halfspace", "--eval", ""}, `--eval ""`},
		{[]string{"train", "--dataset", "halfspace", "--config", badEval}, `train: eval "float16"`},
	}
	for _, tc := range tests {
		_, _, err := run(t, append(tc.args, "--quiet")...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.args, err, tc.want)
		}
	}
}

// TestTrainEvalFast: --eval fast, or eval = "fast" in a config file, is
// recorded in meta.json (evaluation, and eval in the config) and, on a 300-node T = 3 network
// on halfspace, gives the accuracies and the learning curve of --eval
// exact (the default, recorded too).
func TestTrainEvalFast(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	metas := map[string]map[string]any{}
	cfgFile := filepath.Join(dir, "fast.toml")
	if err := os.WriteFile(cfgFile, []byte("eval = \"fast\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, ev := range []string{"exact", "fast", "fastcfg"} {
		args := []string{"train", "--dataset", "halfspace", "--train-size", "500", "--test-size", "500", "--nodes", "300",
			"--rounds", "3", "--epochs", "1", "--curve-every", "100", "--curve-size", "200", "--quiet", "--out", filepath.Join(dir, ev)}
		want := ev
		switch ev {
		case "fast":
			args = append(args, "--eval", "fast")
		case "fastcfg":
			args, want = append(args, "--config", cfgFile), "fast"
		}
		if _, _, err := run(t, args...); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, ev, "meta.json"))
		if err != nil {
			t.Fatal(err)
		}
		var meta map[string]any
		if err := json.Unmarshal(b, &meta); err != nil {
			t.Fatal(err)
		}
		if meta["evaluation"] != want {
			t.Errorf("%s: meta.json evaluation = %v, want %s", ev, meta["evaluation"], want)
		}
		if cfg, _ := meta["config"].(map[string]any); cfg == nil || cfg["eval"] != want {
			t.Errorf("%s: meta.json config records eval = %v, want %s", ev, cfg["eval"], want)
		}
		metas[ev] = meta
	}
	for _, key := range []string{"train_accuracy", "test_accuracy"} {
		if metas["fast"][key] != metas["exact"][key] || metas["fastcfg"][key] != metas["exact"][key] {
			t.Errorf("%s: fast %v (config file %v), exact %v", key, metas["fast"][key], metas["fastcfg"][key], metas["exact"][key])
		}
	}
	exact, err := os.ReadFile(filepath.Join(dir, "exact", "curve.csv"))
	if err != nil {
		t.Fatal(err)
	}
	fast, err := os.ReadFile(filepath.Join(dir, "fast", "curve.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// 500 examples, a point every 100: 5 points plus the header.
	if !bytes.Equal(exact, fast) || bytes.Count(exact, []byte("\n")) != 6 {
		t.Errorf("curve.csv with --eval exact:\n%s\nwith --eval fast:\n%s", exact, fast)
	}
}
