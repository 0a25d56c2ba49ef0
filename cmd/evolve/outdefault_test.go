package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDefaultOutFolders: without --out, train, meta, baseline,
// optimal-rule, attack and curvature write their results to a new folder
// runs/COMMAND-YYYYMMDD-HHMMSS-xxxxxx and say so on stderr, as run, check
// and experiment do. Before, they printed their numbers and wrote nothing:
// a trained network or a learned rule was lost. Not parallel: it changes
// the working directory.
func TestDefaultOutFolders(t *testing.T) {
	dir := t.TempDir()
	mnist := fakeMNIST(t, 40, 12)
	t.Chdir(dir)
	small := []string{"--train-size", "200", "--test-size", "100", "--nodes", "20", "--quiet"}
	for _, tc := range []struct {
		args  []string
		files []string // written besides meta.json
	}{
		{append([]string{"train", "--dataset", "halfspace", "--curve-every", "0"}, small...), []string{networkFile, "output.rule.json"}},
		{append([]string{"meta", "--dataset", "halfspace", "--steps", "2", "--batch", "20"}, small...), []string{networkFile, "output.rule.json", "loss.csv"}},
		{append([]string{"baseline", "--dataset", "halfspace", "--curve-every", "0"}, small...), []string{networkFile, "loss.csv"}},
		{[]string{"optimal-rule", "--dataset", "halfspace", "--train-size", "200", "--test-size", "100", "--nodes", "20"}, []string{"output.rule.json"}},
	} {
		name := tc.args[0]
		_, stderr, err := run(t, tc.args...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := onlyFolder(t, filepath.Join(dir, "runs"), name+"-")
		if !strings.Contains(stderr, filepath.Join("runs", got)) {
			t.Errorf("%s: stderr does not name the folder %s:\n%s", name, got, stderr)
		}
		for _, f := range append(tc.files, "meta.json") {
			if fi, err := os.Stat(filepath.Join(dir, "runs", got, f)); err != nil || fi.Size() == 0 {
				t.Errorf("%s: %s: %v", name, f, err)
			}
		}
	}

	// attack, on a network trained on the fake MNIST.
	netDir := filepath.Join(dir, "net")
	if _, _, err := run(t, "train", "--dataset", "mnist", "--data-dir", mnist, "--train-size", "40", "--nodes", "20",
		"--curve-every", "0", "--out", netDir, "--quiet"); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := run(t, "attack", "--data-dir", mnist, "--images", "3", "--eps", "0,1", "--steps", "2", "--examples", "0",
		"--quiet", filepath.Join(netDir, networkFile))
	if err != nil {
		t.Fatal(err)
	}
	got := onlyFolder(t, filepath.Join(dir, "runs"), "attack-")
	if !strings.Contains(stderr, filepath.Join("runs", got)) {
		t.Errorf("attack: stderr does not name the folder %s:\n%s", got, stderr)
	}
	for _, f := range []string{"robustness.csv", "meta.json"} {
		if _, err := os.Stat(filepath.Join(dir, "runs", got, f)); err != nil {
			t.Errorf("attack: %v", err)
		}
	}

	// curvature, on the same network.
	_, stderr, err = run(t, "curvature", "--data-dir", mnist, "--examples", "16", "--lanczos", "4", "--probes", "2", "--quiet",
		filepath.Join(netDir, networkFile))
	if err != nil {
		t.Fatal(err)
	}
	got = onlyFolder(t, filepath.Join(dir, "runs"), "curvature-")
	if !strings.Contains(stderr, filepath.Join("runs", got)) {
		t.Errorf("curvature: stderr does not name the folder %s:\n%s", got, stderr)
	}
	for _, f := range []string{"curvature.csv", "meta.json"} {
		if _, err := os.Stat(filepath.Join(dir, "runs", got, f)); err != nil {
			t.Errorf("curvature: %v", err)
		}
	}
}

// TestDefaultOutFailureLeavesNothing: a command that fails after making
// its default folder removes it, and runs/ too when it made runs/ and
// nothing else is in it.
func TestDefaultOutFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	// The rule file is read after the folder is made: a failure then.
	os.WriteFile("bad.rule.json", []byte(`{"format": "evolve-rule/1"`), 0o644)
	for _, args := range [][]string{
		{"train", "--dataset", "halfspace", "--train-size", "100", "--test-size", "50", "--nodes", "10", "--output-rule", "bad.rule.json", "--quiet"},
		{"train", "--dataset", "halfspace", "--train-size", "100", "--test-size", "50", "--nodes", "10", "--graph-rule", "missing.rule.json", "--quiet"},
	} {
		if _, _, err := run(t, args...); err == nil {
			t.Fatalf("%v: no error", args)
		}
		if _, err := os.Stat("runs"); !errors.Is(err, os.ErrNotExist) {
			entries, _ := os.ReadDir("runs")
			t.Fatalf("%v: the failed command left runs/ (%v, %d entries)", args, err, len(entries))
		}
	}
	// A runs/ that held something before is kept, the failed folder not.
	os.MkdirAll(filepath.Join("runs", "older"), 0o755)
	if _, _, err := run(t, "train", "--dataset", "halfspace", "--train-size", "100", "--test-size", "50", "--nodes", "10",
		"--output-rule", "bad.rule.json", "--quiet"); err == nil {
		t.Fatal("bad rule file accepted")
	}
	entries, err := os.ReadDir("runs")
	if err != nil || len(entries) != 1 || entries[0].Name() != "older" {
		t.Fatalf("runs/ after a failure beside an older result: %v, %v", entries, err)
	}
}

// onlyFolder returns the name of the one folder in dir that starts with
// prefix, failing unless there is exactly one, named prefix + time + suffix.
func onlyFolder(t *testing.T, dir, prefix string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			found = append(found, e.Name())
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s*: %d folders in %s, want 1 (%v)", prefix, len(found), dir, found)
	}
	// prefix-YYYYMMDD-HHMMSS-xxxxxx
	if rest := strings.TrimPrefix(found[0], prefix); len(rest) != len("20060102-150405-abcdef") {
		t.Errorf("folder %s is not %sYYYYMMDD-HHMMSS-xxxxxx", found[0], prefix)
	}
	return found[0]
}

// TestRuleOriginWarning: rules learned by meta under the reference
// recurrence record it; train with them under the paper recurrence warns,
// naming both (before it trained silently, often below chance); under the
// recurrence they were learned in it does not warn. The rules train copies
// keep their origin.
func TestRuleOriginWarning(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	learned := filepath.Join(dir, "learned")
	if _, _, err := run(t, "meta", "--dataset", "halfspace", "--train-size", "200", "--test-size", "100", "--nodes", "20",
		"--rounds", "2", "--recurrence", "reference", "--graph", "table", "--steps", "2", "--batch", "20", "--quiet", "--out", learned); err != nil {
		t.Fatal(err)
	}
	graph, output := filepath.Join(learned, "graph.rule.json"), filepath.Join(learned, "output.rule.json")
	for _, f := range []string{graph, output} {
		b, _ := os.ReadFile(f)
		if !strings.Contains(string(b), `"recurrence": "reference"`) || !strings.Contains(string(b), `"command": "meta"`) {
			t.Errorf("%s does not record where it was learned:\n%s", f, b)
		}
	}
	train := []string{"train", "--dataset", "halfspace", "--train-size", "200", "--test-size", "100", "--nodes", "20", "--rounds", "2",
		"--graph-rule", graph, "--output-rule", output, "--curve-every", "0", "--quiet"}
	_, stderr, err := run(t, append(train, "--out", filepath.Join(dir, "paper"))...)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"graph rule " + graph, "output rule " + output} {
		if !strings.Contains(stderr, want+" was learned under the reference recurrence, used under the paper recurrence") {
			t.Errorf("no warning naming both recurrences for the %s:\n%s", want, stderr)
		}
	}
	if !strings.Contains(stderr, "--recurrence reference") {
		t.Errorf("the warning does not say how to match:\n%s", stderr)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "paper", "graph.rule.json"))
	if !strings.Contains(string(b), `"recurrence": "reference"`) {
		t.Errorf("train's copy of the rule lost its origin:\n%s", b)
	}
	_, stderr, err = run(t, append(train, "--recurrence", "reference", "--out", filepath.Join(dir, "reference"))...)
	if err != nil || strings.Contains(stderr, "warning") {
		t.Errorf("same recurrence: err %v, stderr:\n%s", err, stderr)
	}
	// evolve curvature's rule mode warns too.
	curv := []string{"curvature", "--graph-rule", graph, "--output-rule", output, "--dataset", "halfspace", "--examples", "30",
		"--nodes", "20", "--rounds", "2", "--lanczos", "4", "--probes", "-1", "--quiet"}
	_, stderr, err = run(t, append(curv, "--out", filepath.Join(dir, "curv-paper"))...)
	if err != nil || !strings.Contains(stderr, "curvature: warning: the graph rule "+graph+" was learned under the reference recurrence, used under the paper recurrence") {
		t.Errorf("curvature under the paper recurrence: err %v, no warning:\n%s", err, stderr)
	}
	_, stderr, err = run(t, append(curv, "--recurrence", "reference", "--out", filepath.Join(dir, "curv-ref"))...)
	if err != nil || strings.Contains(stderr, "warning") {
		t.Errorf("curvature, same recurrence: err %v, stderr:\n%s", err, stderr)
	}
}

// TestCheckNeverOverwrites: evolve check into a folder holding a finished
// result is an error unless --force (before, it replaced it silently).
func TestCheckNeverOverwrites(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "ck")
	os.MkdirAll(out, 0o755)
	meta := writeFile(t, filepath.Join(out, "meta.json"), `{"command": "check"}`)
	_, _, err := run(t, "check", "--quick", "--out", out, "-q")
	if err == nil || !strings.Contains(err.Error(), "finished result") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("check over a finished result: err = %v", err)
	}
	if b, _ := os.ReadFile(meta); string(b) != `{"command": "check"}` {
		t.Errorf("the refused check changed meta.json: %s", b)
	}
}

// TestAttackPrintConfig: evolve attack and evolve curvature print their
// effective config (the attacks with their defaults filled in) without
// network files, and the printed config read back with --config prints
// the same.
func TestAttackPrintConfig(t *testing.T) {
	t.Parallel()
	first, _, err := run(t, "attack", "--print-config", "--attacks", "strong,hsj/S=25", "--images", "7")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"images = 7", "seed = 1", `loss = "margin"`, "steps = 100", "steps = 25"} {
		if !strings.Contains(first, want) {
			t.Errorf("printed config lacks %q:\n%s", want, first)
		}
	}
	path := writeFile(t, filepath.Join(t.TempDir(), "attack.toml"), first)
	again, _, err := run(t, "attack", "--print-config", "--config", path)
	if err != nil || again != first {
		t.Errorf("read back: %v\n%s\nwant\n%s", err, again, first)
	}
	// curvature too.
	first, _, err = run(t, "curvature", "--print-config", "--examples", "77", "--lr", "0.5")
	if err != nil || !strings.Contains(first, "examples = 77") || !strings.Contains(first, "lr = 0.5") {
		t.Fatalf("curvature --print-config: %v\n%s", err, first)
	}
	path = writeFile(t, filepath.Join(t.TempDir(), "curvature.toml"), first)
	if again, _, err = run(t, "curvature", "--print-config", "--config", path); err != nil || again != first {
		t.Errorf("curvature read back: %v\n%s\nwant\n%s", err, again, first)
	}
}

// TestStoppedTrainLeavesNoFolder: evolve train stopped by SIGTERM before
// it wrote anything leaves no empty default folder (the folder is made
// only when the results are written).
func TestStoppedTrainLeavesNoFolder(t *testing.T) {
	bin := evolveBinary(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "train", "--dataset", "halfspace", "--train-size", "100000", "--test-size", "100",
		"--nodes", "400", "--rounds", "3", "--epochs", "5", "--curve-every", "0", "--quiet")
	cmd.Dir = dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stderr).ReadString('\n') // "train: results go to runs/…"
	if !strings.Contains(line, "results go to runs") {
		cmd.Process.Kill()
		t.Fatalf("first stderr line %q", line)
	}
	time.Sleep(200 * time.Millisecond) // inside the training (several seconds)
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	if _, err := os.Stat(filepath.Join(dir, "runs")); !errors.Is(err, os.ErrNotExist) {
		entries, _ := os.ReadDir(filepath.Join(dir, "runs"))
		t.Fatalf("the stopped train left runs/ (%d entries)", len(entries))
	}
}
