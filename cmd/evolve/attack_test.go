package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// fakeMNIST writes a small MNIST-format data set (28×28 images, 10
// labels) to a new folder: label c lights up rows 2c+4 and 2c+5 over
// faint noise, so a network learns it in one epoch.
func fakeMNIST(t *testing.T, nTrain, nTest int) string {
	t.Helper()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 1))
	write := func(name string, magic uint32, dims []uint32, data []byte) {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		binary.Write(zw, binary.BigEndian, magic)
		for _, d := range dims {
			binary.Write(zw, binary.BigEndian, d)
		}
		zw.Write(data)
		zw.Close()
		if err := os.WriteFile(filepath.Join(dir, name+".gz"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, part := range []struct {
		prefix string
		n      int
	}{{"train", nTrain}, {"t10k", nTest}} {
		pix := make([]byte, part.n*784)
		lab := make([]byte, part.n)
		for i := range lab {
			c := rng.IntN(10)
			lab[i] = byte(c)
			img := pix[i*784 : (i+1)*784]
			for j := range img {
				img[j] = byte(rng.IntN(40))
			}
			for r := 2*c + 4; r <= 2*c+5; r++ {
				for col := 4; col < 24; col++ {
					img[r*28+col] = byte(200 + rng.IntN(56))
				}
			}
		}
		write(part.prefix+"-images-idx3-ubyte", 0x00000803, []uint32{uint32(part.n), 28, 28}, pix)
		write(part.prefix+"-labels-idx1-ubyte", 0x00000801, []uint32{uint32(part.n)}, lab)
	}
	return dir
}

// TestAttackTrainedNetwork trains a network with evolve train --out,
// which writes network.npz, attacks it twice (two names, to get two
// curves) and checks the outputs.
func TestAttackTrainedNetwork(t *testing.T) {
	t.Parallel()
	data := fakeMNIST(t, 300, 60)
	trained := filepath.Join(t.TempDir(), "t1")
	if _, _, err := run(t, "train", "--dataset", "mnist", "--data-dir", data, "--train-size", "300", "--nodes", "40",
		"--epochs", "1", "--curve-every", "0", "--out", trained, "--quiet"); err != nil {
		t.Fatal(err)
	}
	netFile := filepath.Join(trained, "network.npz")
	out := t.TempDir()
	stdout, _, err := run(t, "attack", "--names", "a,b", "--data-dir", data, "--images", "6",
		"--eps", "0,1,3", "--steps", "5", "--examples", "2", "--out", out, "--quiet", netFile, netFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "ε") || !strings.Contains(stdout, "mnist test set, 6 images") {
		t.Errorf("stdout:\n%s", stdout)
	}
	f, err := os.Open(filepath.Join(out, "robustness.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	// Header plus 2 networks × 3 radii; both copies of the network agree.
	if len(rows) != 7 || rows[0][2] != "robust_accuracy" {
		t.Fatalf("robustness.csv = %v", rows)
	}
	for i := 1; i <= 3; i++ {
		if rows[i][0] != "a" || rows[i+3][0] != "b" || rows[i][2] != rows[i+3][2] {
			t.Errorf("robustness.csv rows %v and %v", rows[i], rows[i+3])
		}
	}
	var meta struct {
		Networks []struct {
			Clean      float64   `json:"clean_accuracy"`
			Robust     []float64 `json:"robust_accuracy"`
			Provenance struct {
				Method string `json:"method"`
			} `json:"provenance"`
		} `json:"networks"`
	}
	b, err := os.ReadFile(filepath.Join(out, "meta.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	if n := meta.Networks[0]; n.Provenance.Method != "rules" || n.Robust[0] != n.Clean || n.Clean < 0.5 {
		t.Errorf("meta.json networks[0] = %+v", n)
	}
	for _, name := range []string{"robustness.png", "examples.png"} {
		f, err := os.Open(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		// examples.png: 2 networks × 2 images, 3 tiles (original, ε = 1, ε = 3) of 28·3 + 4 pixels.
		if name == "examples.png" && (cfg.Width != 6+3*(88+6) || cfg.Height != 6+4*(88+6)+6) {
			t.Errorf("examples.png is %d×%d", cfg.Width, cfg.Height)
		}
	}
	if b, err := os.ReadFile(filepath.Join(out, "robustness.svg")); err != nil || !bytes.Contains(b, []byte("<svg")) {
		t.Errorf("robustness.svg: %v", err)
	}

	// Several attacks: each one's counts in methods.csv, and the combined
	// robust accuracy is at most each attack's at every radius.
	out2 := t.TempDir()
	stdout, _, err = run(t, "attack", "--data-dir", data, "--images", "6", "--eps", "0,1,3", "--examples", "0",
		"--attacks", "ce/S=5,double-softmax/unit/S=5,margin/unit/S=5/R=1", "--out", out2, "--quiet", netFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "attacks ce/raw/S=5, double-softmax/unit/S=5, margin/unit/S=5/R=1") {
		t.Errorf("stdout:\n%s", stdout)
	}
	rob, err := readCSVFile(filepath.Join(out2, "robustness.csv"))
	if err != nil {
		t.Fatal(err)
	}
	meth, err := readCSVFile(filepath.Join(out2, "methods.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// Header plus 3 attacks × 3 radii.
	if len(meth) != 10 || len(rob) != 4 {
		t.Fatalf("methods.csv has %d rows, robustness.csv %d", len(meth), len(rob))
	}
	for _, r := range meth[1:] {
		e := map[string]int{"0": 1, "1": 2, "3": 3}[r[2]]
		if r[3] < rob[e][2] { // same format (ftoa of k/6), so string order is numeric order in [0, 1]
			t.Errorf("attack %s at ε = %s: %s below the combined %s", r[1], r[2], r[3], rob[e][2])
		}
	}
}

// TestAttackDistances checks --distances and the gradient-free attack
// from the command line: distances.csv has one row per attack and image,
// the distances are non-negative, and 0 exactly for the images
// misclassified without attack (the robust accuracy at ε = 0).
func TestAttackDistances(t *testing.T) {
	t.Parallel()
	data := fakeMNIST(t, 300, 60)
	trained := filepath.Join(t.TempDir(), "t1")
	if _, _, err := run(t, "train", "--dataset", "mnist", "--data-dir", data, "--train-size", "300", "--nodes", "40",
		"--epochs", "1", "--curve-every", "0", "--out", trained, "--quiet"); err != nil {
		t.Fatal(err)
	}
	netFile := filepath.Join(trained, "network.npz")
	out := t.TempDir()
	stdout, _, err := run(t, "attack", "--data-dir", data, "--images", "5", "--eps", "0,2,8", "--examples", "0",
		"--attacks", "margin/unit/S=10,hsj/S=5", "--distances", "margin/unit/S=10,hsj/S=5", "--max-eps", "8", "--tol", "0.1",
		"--out", out, "--quiet", netFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "minimal adversarial distance") || !strings.Contains(stdout, "hsj/S=5") {
		t.Errorf("stdout:\n%s", stdout)
	}
	rows, err := readCSVFile(filepath.Join(out, "distances.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+2*5 || rows[0][4] != "distance" {
		t.Fatalf("distances.csv = %v", rows)
	}
	rob, err := readCSVFile(filepath.Join(out, "robustness.csv"))
	if err != nil {
		t.Fatal(err)
	}
	zeros := 0
	for _, r := range rows[1:6] {
		if r[4] == "0" {
			zeros++
		}
	}
	if want := fmt.Sprint(float64(5-zeros) / 5); rob[1][2] != want {
		t.Errorf("robust accuracy at ε = 0 is %s, but %d of 5 distances are 0", rob[1][2], zeros)
	}
	for _, r := range rows[1:] {
		if d, err := strconv.ParseFloat(r[4], 64); err != nil || d < 0 {
			t.Errorf("distances.csv row %v", r)
		}
	}
}

func readCSVFile(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return csv.NewReader(f).ReadAll()
}

// TestAttackHelp checks that --help names every loss and says which are
// prone to masking.
func TestAttackHelp(t *testing.T) {
	t.Parallel()
	stdout, _, err := run(t, "attack", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ce ", "double-softmax", "margin", "hsj", "PRONE TO GRADIENT MASKING", "cannot be masked", "CANNOT BE", "--attacks", "--distances"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("evolve attack --help does not mention %q", want)
		}
	}
}

// TestAttackErrors checks the errors for missing, damaged and mismatched
// network files and bad flags.
func TestAttackErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	damaged := filepath.Join(dir, "damaged.npz")
	os.WriteFile(damaged, []byte("PK not really a zip"), 0o644)
	halfspace := filepath.Join(dir, "hs")
	if _, _, err := run(t, "train", "--dataset", "halfspace", "--train-size", "100", "--test-size", "50", "--nodes", "10",
		"--curve-every", "0", "--out", halfspace, "--quiet"); err != nil {
		t.Fatal(err)
	}
	hsNet := filepath.Join(halfspace, "network.npz")
	data := fakeMNIST(t, 20, 10)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "give one or more network files"},
		{[]string{filepath.Join(dir, "missing.npz")}, "missing.npz"},
		{[]string{damaged}, "damaged.npz: not an .npz"},
		{[]string{"--dataset", "mnist", "--data-dir", data, hsNet}, "10 inputs"},
		{[]string{"--names", "a,b", hsNet}, "2 names for 1 networks"},
		{[]string{"--eps", "1,x", hsNet}, `"x" is not a number`},
		{[]string{"--eps", "-1", hsNet}, "eps[0] must be non-negative"},
		{[]string{hsNet}, "outside [0, 1]"}, // halfspace points are Gaussian
		{[]string{"--loss", "hinge", hsNet}, `got "hinge"`},
		{[]string{"--attacks", "margin/S=0", hsNet}, "steps must be positive"},
		{[]string{"--attacks", "margin/fast", hsNet}, `"fast"`},
		{[]string{"--restarts", "-2", hsNet}, "restarts must be non-negative"},
		// An explicit 0 is never the default.
		{[]string{"--images", "0", hsNet}, "--images (images in --config) must be positive, got 0"},
		{[]string{"--steps", "0", hsNet}, "--steps (steps in --config) must be positive, got 0"},
		{[]string{"--step-factor", "0", hsNet}, "--step-factor"},
		{[]string{"--eps", "", hsNet}, "--eps (eps in --config): no radius given"},
		{[]string{"--tol", "0", hsNet}, "--tol"},
		{[]string{"--distances", "strong", "--max-eps", "0", hsNet}, "--max-eps"},
		{[]string{"--distances", "hsj/S=0", hsNet}, "--distances"},
		{[]string{"-n", "5", hsNet}, "flag provided but not defined: -n"},
		// ... also inside an [[attack.attacks]] entry of --config (was 50 steps).
		{[]string{"--config", writeFile(t, filepath.Join(dir, "zero.toml"), "[[attack.attacks]]\nloss = \"margin\"\nsteps = 0\n"), hsNet}, "steps = 0 is not a valid value"},
		{[]string{"--config", writeFile(t, filepath.Join(dir, "zero2.toml"), "[[distances.attacks]]\nstep_factor = 0\n"), hsNet}, "step_factor = 0 is not a valid value"},
	} {
		_, _, err := run(t, append([]string{"attack", "--quiet", "--out", filepath.Join(dir, "out")}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("attack %v: error %v, want %q", tc.args, err, tc.want)
		}
		if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
			t.Errorf("attack %v: the failed attack left its --out folder", tc.args)
		}
	}
}
