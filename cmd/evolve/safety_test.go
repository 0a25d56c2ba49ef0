package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// evolveBinary builds the command once per test binary.
func evolveBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "evolve-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "evolve")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			binErr = errors.New(string(out))
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// TestRunNeverOverwritesFinished: --out over a finished run is an error
// unless --force; before, the second run replaced the first silently.
func TestRunNeverOverwritesFinished(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "quick.toml"), quickRun)
	out := filepath.Join(dir, "out")
	if _, _, err := run(t, "run", "--config", cfg, "--out", out, "-q"); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(out, "meta.json"))
	_, _, err := run(t, "run", "--config", cfg, "--out", out, "-q", "--seed", "9")
	if err == nil || !strings.Contains(err.Error(), "finished result") {
		t.Fatalf("second run into a finished --out: err = %v, want a finished-result error", err)
	}
	after, _ := os.ReadFile(filepath.Join(out, "meta.json"))
	if !bytes.Equal(before, after) {
		t.Fatal("the refused run changed meta.json")
	}
	if _, _, err := run(t, "run", "--config", cfg, "--out", out, "-q", "--seed", "9", "--force"); err != nil {
		t.Fatalf("--force: %v", err)
	}
	// --resume of a finished run leaves it alone (its timings included).
	after, _ = os.ReadFile(filepath.Join(out, "meta.json"))
	stdout, _, err := run(t, "run", "--resume", out, "-q")
	if err != nil || !strings.Contains(stdout, "finished") {
		t.Fatalf("resume of a finished run: %v\n%s", err, stdout)
	}
	again, _ := os.ReadFile(filepath.Join(out, "meta.json"))
	if !bytes.Equal(after, again) {
		t.Fatal("resuming a finished run rewrote meta.json")
	}
	// --resume DIR --out OTHER would ignore --out: an error.
	if _, _, err := run(t, "run", "--resume", out, "--out", filepath.Join(dir, "other")); err == nil || !strings.Contains(err.Error(), "--out") {
		t.Fatalf("--resume with another --out: err = %v", err)
	}
}

// TestRunFailureLeavesNoFolder: a run that fails before any result (an
// unknown data set) removes the folder it made.
func TestRunFailureLeavesNoFolder(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if _, _, err := run(t, "run", "--dataset", "no-such-set", "--out", out, "-q"); err == nil {
		t.Fatal("unknown data set accepted")
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the failed run left %s (%v)", out, err)
	}
}

// TestDefaultFoldersUnique: two runs started in the same second without
// --out get folders of their own (before, both wrote runs/YYYYMMDD-HHMMSS).
func TestDefaultFoldersUnique(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "quick.toml"), strings.Replace(quickRun, "generations = 12", "generations = 2", 1))
	t.Chdir(dir)
	for range 2 {
		if _, _, err := run(t, "run", "--config", cfg, "-q"); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(filepath.Join(dir, "runs"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("two runs made %d folders under runs/, want 2", len(entries))
	}
	a, b := uniqueName("x-"), uniqueName("x-")
	if a == b || !strings.HasPrefix(a, "x-") {
		t.Errorf("uniqueName gave %q and %q", a, b)
	}
}

// TestRunSignalCheckpointsAndResumes: SIGTERM (how Slurm and Kubernetes
// stop jobs) and SIGINT checkpoint and exit with 143 and 130; the resumed
// run equals an uninterrupted one byte for byte. Before, SIGTERM killed the
// run without a checkpoint.
func TestRunSignalCheckpointsAndResumes(t *testing.T) {
	bin := evolveBinary(t)
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "slow.toml"), strings.NewReplacer("generations = 12", "generations = 40", "population = 200", "population = 4000", "checkpoint_every = 4", "checkpoint_every = 2").Replace(quickRun))
	whole := filepath.Join(dir, "whole")
	if out, err := exec.Command(bin, "run", "--config", cfg, "--out", whole, "--quiet").CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	want, _ := os.ReadFile(filepath.Join(whole, "trajectory.csv"))
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGTERM, 143}, {syscall.SIGINT, 130}} {
		out := filepath.Join(dir, tc.sig.String())
		stopWithSignal(t, exec.Command(bin, "run", "--config", cfg, "--out", out, "--quiet"), out, tc.sig, tc.code)
		if b, err := exec.Command(bin, "run", "--resume", out, "--quiet").CombinedOutput(); err != nil {
			t.Fatalf("resume after %v: %v\n%s", tc.sig, err, b)
		}
		got, _ := os.ReadFile(filepath.Join(out, "trajectory.csv"))
		if len(want) == 0 || !bytes.Equal(got, want) {
			t.Fatalf("after %v and resume the trajectory differs from the uninterrupted run's", tc.sig)
		}
	}
}

// TestRunDamagedCheckpoint: a flipped bit in checkpoint.bin is an error
// that says so; before, the run resumed into a different trajectory.
func TestRunDamagedCheckpoint(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "quick.toml"), quickRun)
	out := filepath.Join(dir, "out")
	if _, _, err := run(t, "run", "--config", cfg, "--out", out, "-q"); err != nil {
		t.Fatal(err)
	}
	// Make it an interrupted run: no meta.json, a checkpoint with one bit flipped.
	os.Remove(filepath.Join(out, "meta.json"))
	path := filepath.Join(out, "checkpoint.bin")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x10
	writeFile(t, path, string(b))
	_, _, err = run(t, "run", "--resume", out, "-q")
	if err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("resume from a damaged checkpoint: err = %v, want a damaged-checkpoint error", err)
	}
}

// TestMetaSignalCheckpointsAndResumes: evolve meta stopped by SIGTERM
// (exit 143) or SIGINT (130) after a checkpoint, then resumed with
// --resume, writes the loss curve and the learned rules of an
// uninterrupted run byte for byte; a resume that tries to change the
// config is an error.
func TestMetaSignalCheckpointsAndResumes(t *testing.T) {
	bin := evolveBinary(t)
	dir := t.TempDir()
	args := []string{"meta", "--dataset", "relu1", "--train-size", "2000", "--test-size", "200", "--nodes", "40", "--rounds", "3",
		"--graph", "table", "--batch", "200", "--steps", "1500", "--checkpoint-every", "10", "--quiet"}
	whole := filepath.Join(dir, "whole")
	if out, err := exec.Command(bin, append(args, "--out", whole)...).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	files := []string{"loss.csv", "graph.rule.json", "output.rule.json"}
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGTERM, 143}, {syscall.SIGINT, 130}} {
		out := filepath.Join(dir, tc.sig.String())
		stopWithSignal(t, exec.Command(bin, append(args, "--out", out)...), out, tc.sig, tc.code)
		if b, err := exec.Command(bin, "meta", "--resume", out, "--steps", "10").CombinedOutput(); err == nil || !strings.Contains(string(b), "--steps cannot change it") {
			t.Errorf("resume with --steps: %v\n%s", err, b)
		}
		if b, err := exec.Command(bin, "meta", "--resume", out, "--quiet").CombinedOutput(); err != nil {
			t.Fatalf("resume after %v: %v\n%s", tc.sig, err, b)
		}
		for _, f := range files {
			want, _ := os.ReadFile(filepath.Join(whole, f))
			got, _ := os.ReadFile(filepath.Join(out, f))
			if len(want) == 0 || !bytes.Equal(got, want) {
				t.Fatalf("after %v and resume %s differs from the uninterrupted run's", tc.sig, f)
			}
		}
	}
}

// stopWithSignal starts cmd, which writes to out, sends it sig once its
// first checkpoint is there and checks that it exits with code and a
// resume hint on stderr (unless it finished before the signal arrived).
func stopWithSignal(t *testing.T, cmd *exec.Cmd, out string, sig syscall.Signal, code int) {
	t.Helper()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitForCheckpoint(t, cmd, out)
	cmd.Process.Signal(sig)
	err := cmd.Wait()
	if _, statErr := os.Stat(filepath.Join(out, "meta.json")); statErr == nil {
		t.Logf("%v: the run finished before the signal arrived", sig)
	} else if got := cmd.ProcessState.ExitCode(); got != code || !strings.Contains(stderr.String(), "--resume") {
		t.Fatalf("%v: exit %d (%v), want %d and a resume hint; stderr:\n%s", sig, got, err, code, stderr.String())
	}
}
