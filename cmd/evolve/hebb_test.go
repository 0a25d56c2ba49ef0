package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/evolve-toolkit/evolve/internal/output"
	"github.com/evolve-toolkit/evolve/plasticity/hebb"
)

func readHebbParams(t *testing.T, path string) *hebb.Net {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	net, _, err := hebb.ReadParams(bytes.NewReader(b), int64(len(b)), path)
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// TestHebbTrainEvaluate: a short reduced-task training writes every
// output; the learned network beats chance (0.25: half the bits are
// given, the other half guessed); evaluate on params.npz reproduces the
// final test numbers of meta.json exactly (same seed, same episodes); a
// second run into the folder is refused without --force.
func TestHebbTrainEvaluate(t *testing.T) {
	dir := t.TempDir()
	stdout, _, err := run(t, "hebb", "train", "--episodes", "1500", "--eval-episodes", "200", "--out", dir, "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "sign error") {
		t.Errorf("stdout:\n%s", stdout)
	}
	for _, f := range []string{"config.toml", "params.npz", "loss.csv", "loss.png", "loss.svg", "meta.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	rows, err := output.ReadCSV(filepath.Join(dir, "loss.csv"))
	if err != nil || len(rows) != 1501 || !slices.Equal(rows[0], []string{"episodes", "loss", "sign_error"}) || rows[1500][0] != "1500" {
		t.Errorf("loss.csv: %d rows, header %v, %v", len(rows), rows[0], err)
	}
	var meta struct {
		TestLoss float64 `json:"test_loss"`
		TestErr  float64 `json:"test_sign_error"`
		Eta      float64 `json:"eta"`
	}
	b, _ := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	if !(meta.TestErr < 0.15) {
		t.Errorf("sign error %v after 1500 episodes: not below 0.15 (chance 0.25)", meta.TestErr)
	}
	evalDir := t.TempDir()
	if _, _, err := run(t, "hebb", "evaluate", "--out", evalDir, dir); err != nil {
		t.Fatal(err)
	}
	var ev struct {
		Loss      float64 `json:"loss"`
		SignError float64 `json:"sign_error"`
	}
	b, _ = os.ReadFile(filepath.Join(evalDir, "evaluate.json"))
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Loss != meta.TestLoss || ev.SignError != meta.TestErr {
		t.Errorf("evaluate: loss %v, sign error %v; training reported %v, %v", ev.Loss, ev.SignError, meta.TestLoss, meta.TestErr)
	}
	if net := readHebbParams(t, filepath.Join(dir, "params.npz")); net.Eta() != meta.Eta {
		t.Errorf("params.npz η %v, meta.json %v", net.Eta(), meta.Eta)
	}
	if _, _, err := run(t, "hebb", "train", "--episodes", "10", "--out", dir, "--quiet"); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("second run into a finished folder: %v", err)
	}
}

// TestHebbInterruptResume: SIGTERM after 40 episodes exits with 143 and
// a checkpoint; --resume finishes, and the parameters equal those of an
// uninterrupted run bit for bit.
func TestHebbInterruptResume(t *testing.T) {
	args := []string{"hebb", "train", "--episodes", "100", "--batch", "2", "--eval-episodes", "5", "--rule", "oja", "--quiet"}
	whole := t.TempDir()
	if _, _, err := run(t, append(args, "--out", whole)...); err != nil {
		t.Fatal(err)
	}
	cut := t.TempDir()
	hebbTestSignal = func(done int) os.Signal {
		if done == 40 {
			return syscall.SIGTERM
		}
		return nil
	}
	_, _, err := run(t, append(args, "--out", cut)...)
	hebbTestSignal = nil
	var ec cli.ExitCoder
	if !errors.As(err, &ec) || ec.ExitCode() != 143 {
		t.Fatalf("interrupted run: %v, want exit code 143", err)
	}
	if _, err := os.Stat(filepath.Join(cut, "checkpoint.bin")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, "hebb", "train", "--resume", cut, "--episodes", "5"); err == nil {
		t.Error("--resume with --episodes accepted")
	}
	if _, _, err := run(t, "hebb", "train", "--resume", cut, "--quiet"); err != nil {
		t.Fatal(err)
	}
	a, b := readHebbParams(t, filepath.Join(whole, "params.npz")), readHebbParams(t, filepath.Join(cut, "params.npz"))
	if !slices.Equal(a.Theta, b.Theta) {
		t.Error("resumed parameters differ from the uninterrupted run's")
	}
	la, _ := os.ReadFile(filepath.Join(whole, "loss.csv"))
	lb, _ := os.ReadFile(filepath.Join(cut, "loss.csv"))
	if !bytes.Equal(la, lb) {
		t.Error("resumed loss.csv differs")
	}
	if _, err := os.Stat(filepath.Join(cut, "checkpoint.bin")); err == nil {
		t.Error("checkpoint.bin left behind after the run finished")
	}
}

// TestHebbConfigErrors: user values are honoured or rejected by name.
func TestHebbConfigErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--task", "mazes"}, "unknown task"},
		{[]string{"--rule", "bcm"}, "unknown trace rule"},
		{[]string{"--alpha", "row"}, "unknown alpha mode"},
		{[]string{"--lr", "0"}, "lr 0"},
		{[]string{"--episodes", "0"}, "episodes 0"},
		{[]string{"--eta", "0"}, "eta 0"},
		{[]string{"--bits", "7"}, "P = 7"},
		{[]string{"--task", "images", "--dataset", "halfspace"}, "mnist or fashion"},
		{[]string{"--rule", "neuromodulated", "--clip", "0"}, "always clipped"},
		{[]string{"stray"}, "unexpected argument"},
	} {
		_, _, err := run(t, append([]string{"hebb", "train", "--out", t.TempDir(), "--quiet"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.args, err, c.want)
		}
	}
	// The config dump shows effective values: a file's explicit gap = 0
	// stays 0, the task's defaults fill the rest, flags win over the file.
	cfgFile := filepath.Join(t.TempDir(), "h.toml")
	os.WriteFile(cfgFile, []byte("task = \"patterns-full\"\nepisodes = 7\n[patterns]\ngap = 0\n"), 0o644)
	out, _, err := run(t, "hebb", "config", "--config", cfgFile, "--lr", "0.01")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"episodes = 7", "gap = 0", "p = 1000", "lr = 0.01", "neurons = 1001"} {
		if !strings.Contains(out, want) {
			t.Errorf("config dump lacks %q:\n%s", want, out)
		}
	}
	// An absent clip takes the neuromodulated default 1; an explicit 0 is rejected.
	os.WriteFile(cfgFile, []byte("[network]\nrule = \"neuromodulated\"\n"), 0o644)
	if out, _, err := run(t, "hebb", "config", "--config", cfgFile); err != nil || !strings.Contains(out, "clip = 1.0") {
		t.Errorf("neuromodulated without clip: %v\n%s", err, out)
	}
	os.WriteFile(cfgFile, []byte("[network]\nrule = \"neuromodulated\"\nclip = 0.0\n"), 0o644)
	if _, _, err := run(t, "hebb", "config", "--config", cfgFile); err == nil || !strings.Contains(err.Error(), "always clipped") {
		t.Errorf("neuromodulated with clip 0: %v", err)
	}
	os.WriteFile(cfgFile, []byte("episodes = 7\nbogus = 1\n"), 0o644)
	if _, _, err := run(t, "hebb", "config", "--config", cfgFile); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("unknown key: %v", err)
	}
}

// TestHebbEvolutionSolvesPatterns: Wright–Fisher evolution of the two
// shared coefficients (η, α) of the hebb landscape, started on the
// anti-Hebbian side (η = 0.5, α = −0.1: loss ≈ 24, sign error ≈ 0.13,
// measured), solves the reduced pattern task: after 40 generations the
// mean coefficients have α > 0, loss below 12 and test sign error below
// 0.1 (the README configuration reaches ≈ 0.05; chance is 0.25).
func TestHebbEvolutionSolvesPatterns(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "hebb.toml")
	os.WriteFile(cfg, []byte(`generations = 40
seed = 1
[landscape]
kind = "hebb"
[landscape.hebb]
episodes = 10
[genetics]
loci = 20
eps = 0.025
offset = [0.5, -0.1]
fitness = "exp"
theta = 0.1
population = 60
[runs]
evolution = ["wright-fisher"]
gradient = []
eval_every = 40
`), 0o644)
	out := filepath.Join(dir, "run")
	if _, _, err := run(t, "run", "--config", cfg, "--out", out, "--quiet"); err != nil {
		t.Fatal(err)
	}
	rows, err := output.ReadCSV(filepath.Join(out, "trajectory.csv"))
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	first, last := rows[1], rows[len(rows)-1]
	if last[col["generation"]] != "40" || last[col["run"]] != "wright-fisher" {
		t.Fatalf("last row %v", last)
	}
	num := func(r []string, k string) float64 {
		v, err := strconv.ParseFloat(r[col[k]], 64)
		if err != nil {
			t.Fatalf("%s = %q", k, r[col[k]])
		}
		return v
	}
	t.Logf("generation 0: loss %.2f, sign error %.3f; 40: loss %.2f, sign error %.3f, Y = (%.3f, %.3f)",
		num(first, "loss"), 1-num(first, "test_accuracy"), num(last, "loss"), 1-num(last, "test_accuracy"), num(last, "y0"), num(last, "y1"))
	if num(last, "y1") <= 0 || num(last, "loss") >= 12 || 1-num(last, "test_accuracy") >= 0.1 || num(first, "loss") < 20 {
		t.Errorf("evolution did not solve the task: start loss %v, final loss %v, sign error %v, α %v",
			num(first, "loss"), num(last, "loss"), 1-num(last, "test_accuracy"), num(last, "y1"))
	}
}

// TestHebbCompare: --compare draws a finished run beside this one and
// rejects a folder that is not a run of evolve hebb train.
func TestHebbCompare(t *testing.T) {
	t.Parallel()
	d0, d1 := t.TempDir(), t.TempDir()
	if _, _, err := run(t, "hebb", "train", "--alpha", "none", "--episodes", "40", "--eval-episodes", "5", "--out", d0, "--quiet"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, "hebb", "train", "--episodes", "40", "--eval-episodes", "5", "--compare", d0, "--out", d1, "--quiet"); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(d1, "loss.png")); err != nil || st.Size() == 0 {
		t.Errorf("loss.png: %v", err)
	}
	if _, _, err := run(t, "hebb", "train", "--episodes", "4", "--compare", t.TempDir(), "--out", t.TempDir(), "--quiet"); err == nil || !strings.Contains(err.Error(), "--compare") {
		t.Errorf("--compare of an empty folder: %v", err)
	}
}
