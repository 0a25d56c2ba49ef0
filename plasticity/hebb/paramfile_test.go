package hebb

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/evolve-toolkit/evolve/internal/seed"
)

// TestParamsRoundTrip: every rule and α mode reads back bit for bit, with
// the extra JSON, and the read network gives the same loss.
func TestParamsRoundTrip(t *testing.T) {
	t.Parallel()
	for _, rule := range Rules {
		for _, alpha := range AlphaModes {
			cfg := Config{N: 5, Rule: rule, Alpha: alpha, Clip: 0.7, Eta: 0.2, InitScale: 0.3}
			net, err := NewNet(cfg, seed.PCG(1, seed.Network, 0))
			if err != nil {
				t.Fatal(err)
			}
			if net.WM != nil {
				net.Theta[net.offBM] = -0.25
			}
			var buf bytes.Buffer
			if err := WriteParams(&buf, net, json.RawMessage(`{"task":"x"}`)); err != nil {
				t.Fatal(err)
			}
			got, extra, err := ReadParams(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "p.npz")
			if err != nil {
				t.Fatalf("%s/%s: %v", rule, alpha, err)
			}
			var cb bytes.Buffer
			if err := json.Compact(&cb, extra); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Theta, net.Theta) || got.Config() != net.Config() || cb.String() != `{"task":"x"}` {
				t.Errorf("%s/%s: read %v %+v %s, wrote %v %+v", rule, alpha, got.Theta, got.Config(), extra, net.Theta, net.Config())
			}
		}
	}
}

// TestParamsErrors: a file that is not an archive, a wrong format and an
// array of the wrong shape are errors naming the file and the problem.
func TestParamsErrors(t *testing.T) {
	t.Parallel()
	archive := func(cfg string, w []byte) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, b := range map[string][]byte{"config.json": []byte(cfg), "w.npy": w, "alpha.npy": npyFloat64([]int{}, []float64{1}), "eta.npy": npyFloat64(nil, []float64{0.1})} {
			f, _ := zw.Create(name)
			f.Write(b)
		}
		zw.Close()
		return buf.Bytes()
	}
	good := `{"format":"evolve-hebb/1","config":{"neurons":2,"alpha":"shared"}}`
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"not a zip", []byte("nope"), "not a parameter file"},
		{"format", archive(`{"format":"evolve-hebb/9","config":{"neurons":2}}`, npyFloat64([]int{2, 2}, make([]float64, 4))), "format"},
		{"shape", archive(good, npyFloat64([]int{2, 3}, make([]float64, 6))), "w.npy: shape"},
		{"rule", archive(`{"format":"evolve-hebb/1","config":{"neurons":2,"rule":"x"}}`, nil), "unknown trace rule"},
	} {
		_, _, err := ReadParams(bytes.NewReader(c.b), int64(len(c.b)), "bad.npz")
		if err == nil || !strings.Contains(err.Error(), "bad.npz") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one naming bad.npz and %q", c.name, err, c.want)
		}
	}
	b := archive(good, npyFloat64([]int{2, 2}, []float64{1, 2, 3, 4}))
	net, _, err := ReadParams(bytes.NewReader(b), int64(len(b)), "good.npz")
	if err != nil || !slices.Equal(net.W, []float64{1, 2, 3, 4}) || net.Alpha[0] != 1 || net.Eta() != 0.1 {
		t.Errorf("hand-made file: %v, %v", net, err)
	}
}

// FuzzReadParams: arbitrary bytes never panic.
func FuzzReadParams(f *testing.F) {
	net, _ := NewNet(Config{N: 3, Rule: RuleNeuro, Alpha: AlphaPost}, seed.PCG(1, seed.Network, 0))
	var buf bytes.Buffer
	if err := WriteParams(&buf, net, nil); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ReadParams(bytes.NewReader(b), int64(len(b)), "fuzz")
	})
}

// FuzzParseNPY: arbitrary .npy bytes never panic, and what parses has as
// many values as its shape says.
func FuzzParseNPY(f *testing.F) {
	f.Add(npyFloat64([]int{2, 3}, make([]float64, 6)))
	f.Add(npyFloat64(nil, []float64{1}))
	f.Fuzz(func(t *testing.T, b []byte) {
		sh, v, err := parseNPYFloat64(b)
		if err != nil {
			return
		}
		n := 1
		for _, d := range sh {
			n *= d
		}
		if n != len(v) {
			t.Fatalf("shape %v, %d values", sh, len(v))
		}
	})
}

// TestTrainerResume: training 6 steps, saving, and resuming a fresh
// trainer for 6 more equals 12 uninterrupted steps bit for bit.
func TestTrainerResume(t *testing.T) {
	t.Parallel()
	task := ReducedPatterns()
	make := func() *Trainer {
		net, _ := NewNet(Config{N: task.Neurons()}, seed.PCG(2, seed.Network, 0))
		gen, _ := NewPatternGen(task, seed.PCG(2, seed.Data, 0))
		tr, err := NewTrainer(net, gen, &Settings{Batch: 2, LR: 1e-2})
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	a := make()
	for range 12 {
		a.Step()
	}
	b := make()
	for range 6 {
		b.Step()
	}
	st, err := b.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	c := make()
	if err := c.UnmarshalBinary(st); err != nil {
		t.Fatal(err)
	}
	for range 6 {
		c.Step()
	}
	if !slices.Equal(a.Net.Theta, c.Net.Theta) || a.Done() != c.Done() {
		t.Errorf("resumed run differs from the uninterrupted one (done %d vs %d)", c.Done(), a.Done())
	}
	if slices.Equal(a.Net.Theta, b.Net.Theta) {
		t.Error("12 steps equal 6 steps: the test cannot tell")
	}
}
