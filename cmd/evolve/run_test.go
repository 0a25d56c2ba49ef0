package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// quickRun is a small comparison that finishes in about a second.
const quickRun = `generations = 12
seed = 5
[landscape]
batch = 100
[landscape.network]
nodes = 30
[genetics]
loci = 4
population = 200
[runs]
evolution = ["exact", "wright-fisher"]
checkpoint_every = 4
`

func writeFile(t *testing.T, path, text string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunWritesEverything(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "quick.toml"), quickRun)
	out := filepath.Join(dir, "out")
	stdout, _, err := run(t, "run", "--config", cfg, "--out", out, "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"exact", "wright-fisher", "natural", "lande", "L(Ȳ)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	for _, f := range []string{"config.toml", "trajectory.csv", "meta.json", "checkpoint.bin", "loss.png", "loss.svg", "coefficients.png", "coefficients.svg", "frequencies.png", "frequencies.svg"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	csv, _ := os.ReadFile(filepath.Join(out, "trajectory.csv"))
	// 13 generations × 6 runs + header.
	if n := strings.Count(string(csv), "\n"); n != 13*6+1 {
		t.Errorf("trajectory.csv has %d lines, want %d", n, 13*6+1)
	}
}

// TestRunCSVIndependentOfGOMAXPROCS: byte-identical trajectories on one
// and two threads.
func TestRunCSVIndependentOfGOMAXPROCS(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "quick.toml"), quickRun)
	var csvs [][]byte
	for _, procs := range []int{1, 2} {
		prev := runtime.GOMAXPROCS(procs)
		out := filepath.Join(dir, "out", string(rune('0'+procs)))
		_, _, err := run(t, "run", "--config", cfg, "--out", out, "--quiet")
		runtime.GOMAXPROCS(prev)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(out, "trajectory.csv"))
		if err != nil {
			t.Fatal(err)
		}
		csvs = append(csvs, b)
	}
	if !bytes.Equal(csvs[0], csvs[1]) {
		t.Fatal("trajectory.csv differs between GOMAXPROCS=1 and GOMAXPROCS=2")
	}
}

func TestConfigDumpAndErrors(t *testing.T) {
	dir := t.TempDir()
	stdout, _, err := run(t, "config", "dump", "--theta", "0.03")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "theta = 0.03") || !strings.Contains(stdout, "generations = 150") {
		t.Errorf("config dump:\n%s", stdout)
	}
	// The dump reads back as a config.
	dump := writeFile(t, filepath.Join(dir, "dump.toml"), stdout)
	if _, _, err := run(t, "config", "dump", "--config", dump); err != nil {
		t.Errorf("dumped config does not read back: %v", err)
	}
	bad := writeFile(t, filepath.Join(dir, "bad.toml"), "[genetics]\nthetta = 1\n")
	if _, _, err := run(t, "run", "--config", bad, "--quiet"); err == nil || !strings.Contains(err.Error(), "thetta") {
		t.Errorf("unknown key: %v", err)
	}
	if _, _, err := run(t, "run", "--fitness", "cubic", "--quiet", "--out", filepath.Join(dir, "x")); err == nil || !strings.Contains(err.Error(), "fitness") {
		t.Errorf("bad fitness: %v", err)
	}
}

// TestRunKilledAndResumed builds the command, kills a run with SIGKILL
// after its first checkpoint, resumes it, and compares the trajectory with
// an uninterrupted run byte for byte.
func TestRunKilledAndResumed(t *testing.T) {
	// Slow enough to be killed mid-way: a large population, 40 generations.
	killAndResume(t, strings.NewReplacer("generations = 12", "generations = 40", "population = 200", "population = 4000").Replace(quickRun))
}

// fullRuleRun is a small stochastic full-rule comparison (T = 3, graph
// and output rules, two Wright–Fisher replicates, the Monte Carlo exact
// map and adam, test accuracy every 3 generations), checkpointed every 2
// generations (issue 10: resume after kill -9 still identical).
const fullRuleRun = `generations = 16
seed = 3
[landscape]
kind = "full-rule"
dataset = "relu1"
batch = 30
stochastic = true
train_size = 300
test_size = 300
graph = true
[landscape.network]
nodes = 30
rounds = 3
[genetics]
loci = 10
fitness = "exp"
theta = 0.6
population = 400
method = "monte-carlo"
samples = 1
replicates = 2
[runs]
evolution = ["wright-fisher", "exact"]
gradient = ["adam"]
eval_every = 3
checkpoint_every = 2
`

func TestRunFullRuleKilledAndResumed(t *testing.T) { killAndResume(t, fullRuleRun) }

// killAndResume runs the config whole, then again killed with SIGKILL
// after its first checkpoint and resumed, and compares the trajectories
// byte for byte.
func killAndResume(t *testing.T, config string) {
	bin := evolveBinary(t)
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "slow.toml"), config)
	whole := filepath.Join(dir, "whole")
	if out, err := exec.Command(bin, "run", "--config", cfg, "--out", whole, "--quiet").CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	killed := filepath.Join(dir, "killed")
	cmd := exec.Command(bin, "run", "--config", cfg, "--out", killed, "--quiet")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitForCheckpoint(t, cmd, killed)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if _, err := os.Stat(filepath.Join(killed, "trajectory.csv")); err == nil {
		t.Log("the run finished before it was killed; resuming from its last checkpoint anyway")
	}
	if out, err := exec.Command(bin, "run", "--resume", killed, "--quiet").CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	a, _ := os.ReadFile(filepath.Join(whole, "trajectory.csv"))
	b, _ := os.ReadFile(filepath.Join(killed, "trajectory.csv"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatal("the resumed run's trajectory differs from the uninterrupted run's")
	}
}

// TestRunFullRule: the documented full-rule flags (T = 3, graph and
// output rules: 64 + 16 coefficients, stochastic batches) at a small size
// print a few numbers per run with the test accuracy, the rule tables as
// 8×8 and 8×2 matrices, and write the rule heat maps and accuracy figures.
func TestRunFullRule(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	stdout, _, err := run(t, "run", "--landscape", "full-rule", "--dataset", "relu1", "--rounds", "3", "--graph", "--stochastic",
		"--nodes", "30", "--batch", "30", "--train-size", "300", "--test-size", "300", "--population", "30", "-g", "4", "--eval-every", "2",
		"--loci", "10", "--theta", "0.6", "--fitness", "exp", "-R", "2", "--evolution", "wright-fisher", "--gradient", "adam",
		"--adam-weight-decay", "0.01", "--out", out, "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"test acc", "‖Ȳ − Ȳ_adam‖", "wright-fisher/1", "wright-fisher/2", "graph rule [pre][post]:", "output rule [pattern][true, predicted]:", "  111  "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "[+") {
		t.Errorf("summary prints a coefficient vector:\n%s", stdout)
	}
	for _, f := range []string{"rules.png", "rules.svg", "accuracy.png", "loss.png", "frequencies.png"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	csv, _ := os.ReadFile(filepath.Join(out, "trajectory.csv"))
	if !strings.HasPrefix(string(csv), "generation,run,kind,loss,mean_loss,mean_fitness,genetic_variance,distance,test_accuracy,evaluations,cost,y0,") {
		t.Errorf("trajectory.csv header: %.200s", csv)
	}
	// 5 generations × 3 runs + header; 80 coefficients per row.
	if n := strings.Count(string(csv), "\n"); n != 5*3+1 {
		t.Errorf("trajectory.csv has %d lines, want %d", n, 5*3+1)
	}
	if !strings.Contains(string(csv), ",y79,") {
		t.Error("trajectory.csv lacks y79 (80 coefficients)")
	}
}

// waitForCheckpoint waits (up to 2 minutes) until the command writing to
// dir has written its first checkpoint.bin, and kills it and fails if
// none appears.
func waitForCheckpoint(t *testing.T, cmd *exec.Cmd, dir string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if _, err := os.Stat(filepath.Join(dir, "checkpoint.bin")); err == nil {
			return
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no checkpoint appeared")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRunRecordEvery: --record-every 4 writes the rows of generations 0,
// 4, 8 and 12 (the last), each byte-identical to the row of a run that
// records every generation; config.toml holds the value; 0 and negative
// values are errors naming it.
func TestRunRecordEvery(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "quick.toml"), quickRun)
	rows := func(every string) []string {
		out := filepath.Join(dir, "every"+every)
		args := []string{"run", "--config", cfg, "--out", out, "--quiet"}
		if every != "" {
			args = append(args, "--record-every", every)
		}
		if _, _, err := run(t, args...); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(out, "trajectory.csv"))
		if err != nil {
			t.Fatal(err)
		}
		if every != "" {
			toml, _ := os.ReadFile(filepath.Join(out, "config.toml"))
			if !strings.Contains(string(toml), "record_every = "+every) {
				t.Errorf("config.toml lacks record_every = %s:\n%s", every, toml)
			}
		}
		return strings.Split(strings.TrimSpace(string(b)), "\n")
	}
	dense, sparse := rows(""), rows("4")
	if !strings.HasSuffix(dense[0], ",ld,ld_se") {
		t.Errorf("header %q lacks ld, ld_se", dense[0])
	}
	var want []string
	for _, r := range dense {
		g, _, _ := strings.Cut(r, ",")
		if g == "generation" || g == "0" || g == "4" || g == "8" || g == "12" {
			want = append(want, r)
		}
	}
	if len(want) != 4*6+1 || strings.Join(sparse, "\n") != strings.Join(want, "\n") {
		t.Errorf("recorded every 4th generation:\n%s\nwant the rows of generations 0, 4, 8, 12 of the full record:\n%s", strings.Join(sparse, "\n"), strings.Join(want, "\n"))
	}
	for _, bad := range []string{"0", "-3"} {
		_, _, err := run(t, "run", "--config", cfg, "--out", filepath.Join(dir, "bad"+bad), "--quiet", "--record-every", bad)
		if err == nil || !strings.Contains(strings.ReplaceAll(err.Error(), "_", "-"), "record-every") {
			t.Errorf("--record-every %s: error %v, want one naming it", bad, err)
		}
	}
}
