package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRunCheckpointPolicy: without checkpoint_every the effective config
// holds the timed default (checkpoint_seconds = 30.0, no checkpoint_every);
// a flag for one policy replaces the config file's other; an explicit 0,
// both at once, or a negative number of seconds is an error naming the
// key.
func TestRunCheckpointPolicy(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	byGens := writeFile(t, filepath.Join(dir, "gens.toml"), quickRun) // checkpoint_every = 4
	timed := writeFile(t, filepath.Join(dir, "timed.toml"), strings.Replace(quickRun, "checkpoint_every = 4", "", 1))
	both := writeFile(t, filepath.Join(dir, "both.toml"), quickRun+"checkpoint_seconds = 5.0\n")
	for _, tc := range []struct {
		args      []string
		want, not []string // lines the printed config has and has not
		err       string   // if not empty, the error must name it
	}{
		{args: []string{"--config", timed}, want: []string{"checkpoint_seconds = 30.0"}, not: []string{"checkpoint_every"}},
		{args: []string{"--config", byGens}, want: []string{"checkpoint_every = 4"}, not: []string{"checkpoint_seconds"}},
		{args: []string{"--config", byGens, "--checkpoint-seconds", "7"}, want: []string{"checkpoint_seconds = 7.0"}, not: []string{"checkpoint_every"}},
		{args: []string{"--config", timed, "--checkpoint-every", "9"}, want: []string{"checkpoint_every = 9"}, not: []string{"checkpoint_seconds"}},
		{args: []string{"--config", timed, "--checkpoint-every", "-1"}, want: []string{"checkpoint_every = -1"}, not: []string{"checkpoint_seconds"}},
		{args: []string{"--config", timed, "--checkpoint-every", "0"}, err: "checkpoint-every"},
		{args: []string{"--config", timed, "--checkpoint-seconds", "0"}, err: "checkpoint-seconds"},
		{args: []string{"--config", timed, "--checkpoint-seconds", "-2"}, err: "checkpoint_seconds"},
		{args: []string{"--config", timed, "--checkpoint-seconds", "3", "--checkpoint-every", "5"}, err: "not both"},
		{args: []string{"--config", both}, err: "not both"},
		{args: []string{"--config", writeFile(t, filepath.Join(dir, "zero.toml"), strings.Replace(quickRun, "checkpoint_every = 4", "checkpoint_every = 0", 1))}, err: "checkpoint_every"},
	} {
		stdout, _, err := run(t, append([]string{"run", "--print-config"}, tc.args...)...)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: error %v, want one naming %s", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tc.args, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(stdout, w) {
				t.Errorf("%v: effective config lacks %q:\n%s", tc.args, w, stdout)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(stdout, n) {
				t.Errorf("%v: effective config has %q:\n%s", tc.args, n, stdout)
			}
		}
	}
}

// TestRunTimedCheckpointKilledAndResumed: under the timed policy with an
// interval shorter than a generation (a checkpoint after almost every
// generation, at times that vary from run to run), a run killed with
// SIGKILL after its first checkpoint and resumed writes the trajectory of
// the uninterrupted run byte for byte.
func TestRunTimedCheckpointKilledAndResumed(t *testing.T) {
	killAndResume(t, strings.NewReplacer("generations = 12", "generations = 40", "population = 200", "population = 4000",
		"checkpoint_every = 4", "checkpoint_seconds = 0.001").Replace(quickRun))
}

// TestRunDefaultPolicySignal: with the default policy (no checkpoint
// before 30 s) SIGTERM still checkpoints and exits 143, and the resumed
// run equals the uninterrupted one, whose meta.json states the policy and
// whose folder keeps the checkpoint of its last generation.
func TestRunDefaultPolicySignal(t *testing.T) {
	bin := evolveBinary(t)
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "slow.toml"), strings.NewReplacer("generations = 12", "generations = 40", "population = 200", "population = 4000",
		"checkpoint_every = 4", "").Replace(quickRun))
	whole := filepath.Join(dir, "whole")
	if out, err := exec.Command(bin, "run", "--config", cfg, "--out", whole, "--quiet").CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	want, _ := os.ReadFile(filepath.Join(whole, "trajectory.csv"))
	var meta struct{ Checkpoints string }
	if b, err := os.ReadFile(filepath.Join(whole, "meta.json")); err != nil || json.Unmarshal(b, &meta) != nil || !strings.Contains(meta.Checkpoints, "30 s") {
		t.Errorf("meta.json checkpoints = %q (%v), want the timed policy with 30 s", meta.Checkpoints, err)
	}
	if _, err := os.Stat(filepath.Join(whole, "checkpoint.bin")); err != nil {
		t.Errorf("no checkpoint after the last generation: %v", err)
	}
	out := filepath.Join(dir, "stopped")
	cmd := exec.Command(bin, "run", "--config", cfg, "--out", out, "--quiet")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// config.toml is written before the first generation.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(out, "config.toml")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the run did not start")
		}
	}
	time.Sleep(300 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	if _, statErr := os.Stat(filepath.Join(out, "meta.json")); statErr == nil {
		t.Log("the run finished before the signal arrived")
	} else if got := cmd.ProcessState.ExitCode(); got != 143 || !strings.Contains(stderr.String(), "--resume") {
		t.Fatalf("SIGTERM: exit %d (%v), want 143 and a resume hint; stderr:\n%s", got, err, stderr.String())
	}
	if b, err := exec.Command(bin, "run", "--resume", out, "--quiet").CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, b)
	}
	got, _ := os.ReadFile(filepath.Join(out, "trajectory.csv"))
	if len(want) == 0 || !bytes.Equal(got, want) {
		t.Fatal("after SIGTERM and resume the trajectory differs from the uninterrupted run's")
	}
}

// TestRunDefaultRecordEvery: without record_every the effective config
// records every generation up to 500 generations and about 500 beyond:
// K = ⌈generations/500⌉, worked out by hand (150 → 1, 500 → 1, 501 → 2,
// 5000 → 10, 20,001 → 41); a given value is kept.
func TestRunDefaultRecordEvery(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "record_every = 1\n"},
		{[]string{"-g", "500"}, "record_every = 1\n"},
		{[]string{"-g", "501"}, "record_every = 2\n"},
		{[]string{"-g", "5000"}, "record_every = 10\n"},
		{[]string{"-g", "20001"}, "record_every = 41\n"},
		{[]string{"-g", "5000", "--record-every", "1"}, "record_every = 1\n"},
	} {
		stdout, _, err := run(t, append([]string{"run", "--print-config", "--landscape", "quadratic"}, tc.args...)...)
		if err != nil || !strings.Contains(stdout, tc.want) {
			t.Errorf("%v: err %v, effective config lacks %q:\n%s", tc.args, err, tc.want, stdout)
		}
	}
}
