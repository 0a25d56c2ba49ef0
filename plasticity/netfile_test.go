package plasticity

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// savedNet returns a trained-looking network with random weights and rules.
func savedNet(t testing.TB, T int) (*Network, Rules) {
	t.Helper()
	net := randomNet(t, Config{Inputs: 7, Labels: 3, Nodes: 12, Cap: 5, Rounds: T, Seed: 2}, 5)
	rules := Rules{Output: Perceptron(T)}
	if T > 1 {
		g := NewRule(GraphRule, T)
		g.MLP = NewMLP(GraphRule, T, 4, rand.NewPCG(1, 1))
		g.Update = Multiplicative
		g.Eval()
		rules.Graph = g
	}
	return net, rules
}

func writeNet(t testing.TB, net *Network, rules Rules) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteNetwork(&buf, net, rules, Provenance{Method: "rules", Dataset: "test", Details: json.RawMessage(`{"a":1}`)}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readNet(b []byte) (*Saved, error) {
	return ReadNetwork(bytes.NewReader(b), int64(len(b)), "test.npz")
}

// TestNetworkFileRoundTrip writes and reads networks and checks that every
// array, the rules, the provenance and the predictions come back exactly.
func TestNetworkFileRoundTrip(t *testing.T) {
	t.Parallel()
	for _, T := range []int{1, 3} {
		net, rules := savedNet(t, T)
		s, err := readNet(writeNet(t, net, rules))
		if err != nil {
			t.Fatalf("T=%d: %v", T, err)
		}
		got := s.Network
		if got.cfg != net.cfg || !slices.Equal(got.AT, net.AT) || !slices.Equal(got.ColPtr, net.ColPtr) ||
			!slices.Equal(got.Post, net.Post) || !slices.Equal(got.W, net.W) || !slices.Equal(got.U, net.U) {
			t.Errorf("T=%d: network differs after a round trip", T)
		}
		if !slices.Equal(s.Rules.Output.Table, rules.Output.Table) {
			t.Errorf("T=%d: output rule %v, want %v", T, s.Rules.Output.Table, rules.Output.Table)
		}
		if T > 1 && (!slices.Equal(s.Rules.Graph.Table, rules.Graph.Table) || s.Rules.Graph.MLP == nil || !s.Rules.Graph.Mult()) {
			t.Errorf("T=%d: graph rule differs", T)
		}
		var details bytes.Buffer
		json.Compact(&details, s.Provenance.Details)
		if s.Provenance.Method != "rules" || details.String() != `{"a":1}` {
			t.Errorf("T=%d: provenance %+v", T, s.Provenance)
		}
		rng := rand.New(rand.NewPCG(4, 4))
		x := make([]float64, net.d)
		for trial := 0; trial < 20; trial++ {
			for j := range x {
				x[j] = rng.NormFloat64()
			}
			if a, b := net.Forward(x), got.Forward(x); a != b || !slices.Equal(net.ws.Z, got.ws.Z) {
				t.Fatalf("T=%d: prediction %d (logits %v) after a round trip, %d (%v) before", T, b, got.ws.Z, a, net.ws.Z)
			}
		}
	}
}

// TestNPYHeader checks the header layout of the NPY 1.0 format: magic,
// version, length, the dict, padding to a multiple of 64 and a newline.
func TestNPYHeader(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		descr string
		shape []int
		dict  string
	}{
		{"<f8", []int{2, 3}, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"},
		{"<i4", []int{5}, "{'descr': '<i4', 'fortran_order': False, 'shape': (5,), }"},
		{"|u1", []int{}, "{'descr': '|u1', 'fortran_order': False, 'shape': (), }"},
	} {
		h := npyHeader(tc.descr, tc.shape)
		if len(h)%64 != 0 || !strings.HasPrefix(string(h), "\x93NUMPY\x01\x00") || h[len(h)-1] != '\n' {
			t.Errorf("%v: bad header %q", tc.shape, h)
		}
		if hl := int(h[8]) | int(h[9])<<8; hl != len(h)-10 {
			t.Errorf("%v: header length %d, want %d", tc.shape, hl, len(h)-10)
		}
		if got := strings.TrimRight(string(h[10:]), " \n"); got != tc.dict {
			t.Errorf("%v: dict %q, want %q", tc.shape, got, tc.dict)
		}
		descr, fortran, shape, err := parseNPYHeader(string(h[10:]))
		if err != nil || descr != tc.descr || fortran || !slices.Equal(shape, tc.shape) {
			t.Errorf("%v: parsed %q %v %v %v", tc.shape, descr, fortran, shape, err)
		}
	}
}

// rezip rewrites an archive with entry replaced by data (nil removes it).
func rezip(t *testing.T, b []byte, entry string, data []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		content := data
		if f.Name != entry {
			rc, _ := f.Open()
			content, _ = io.ReadAll(rc)
			rc.Close()
		} else if data == nil {
			continue
		}
		w, _ := zw.Create(f.Name)
		w.Write(content)
	}
	zw.Close()
	return out.Bytes()
}

// TestNetworkFileErrors checks that damaged or mismatched files give
// errors that name the entry at fault.
func TestNetworkFileErrors(t *testing.T) {
	t.Parallel()
	net, rules := savedNet(t, 3)
	good := writeNet(t, net, rules)
	cfgJSON := func(edit func(map[string]any)) []byte {
		zr, _ := zip.NewReader(bytes.NewReader(good), int64(len(good)))
		for _, f := range zr.File {
			if f.Name == "config.json" {
				rc, _ := f.Open()
				var v map[string]any
				json.NewDecoder(rc).Decode(&v)
				rc.Close()
				edit(v)
				b, _ := json.Marshal(v)
				return b
			}
		}
		t.Fatal("no config.json")
		return nil
	}
	var f64 bytes.Buffer
	writeNPYFloat64(&f64, []int{3, 11}, make([]float64, 33))
	var unsorted bytes.Buffer
	pre := make([]int32, net.Edges())
	for j := 0; j < net.n; j++ {
		for e := net.ColPtr[j]; e < net.ColPtr[j+1]; e++ {
			pre[e] = int32(j)
		}
	}
	pre[0], pre[len(pre)-1] = pre[len(pre)-1], pre[0]
	writeNPYInt32(&unsorted, []int{len(pre)}, pre)
	var rule bytes.Buffer
	writeNPYFloat64(&rule, []int{8, 2}, make([]float64, 16))
	var badMask bytes.Buffer
	mask := make([]uint8, net.n*net.d) // all zero: the weights lie outside the mask
	writeNPYUint8(&badMask, []int{net.n, net.d}, mask)
	for _, tc := range []struct {
		name, want string
		data       []byte
	}{
		{"truncated", "not an .npz", good[:len(good)/2]},
		{"empty", "not an .npz", nil},
		{"missing entry", "output_weights.npy: missing", rezip(t, good, "output_weights.npy", nil)},
		{"wrong shape", "output_weights.npy: shape [3 11], want [3 12]", rezip(t, good, "output_weights.npy", f64.Bytes())},
		{"not npy", "graph_weights.npy: not a .npy array", rezip(t, good, "graph_weights.npy", []byte("hello, world"))},
		{"short data", "input_weights.npy: shape", rezip(t, good, "input_weights.npy", f64.Bytes()[:140])},
		{"config mismatch", "input_weights.npy: shape [12 7], want [13 7]", rezip(t, good, "config.json", cfgJSON(func(v map[string]any) {
			v["config"].(map[string]any)["nodes"] = 13
		}))},
		{"format", "format \"evolve-network/1\" expected", rezip(t, good, "config.json", cfgJSON(func(v map[string]any) { v["format"] = "x" }))},
		{"unknown key", "config.json: json: unknown field", rezip(t, good, "config.json", cfgJSON(func(v map[string]any) { v["colour"] = 1 }))},
		{"bad config", "config.json: plasticity: invalid config", rezip(t, good, "config.json", cfgJSON(func(v map[string]any) {
			v["config"].(map[string]any)["cap"] = 100
		}))},
		{"unsorted edges", "graph_pre.npy: edge 1", rezip(t, good, "graph_pre.npy", unsorted.Bytes())},
		{"rule disagrees", "output_rule.npy: entry [0][0] = 0 disagrees", rezip(t, good, "output_rule.npy", rule.Bytes())},
		{"mask", "input_weights.npy: entry [0][", rezip(t, good, "input_mask.npy", badMask.Bytes())},
	} {
		_, err := readNet(tc.data)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "test.npz") {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// TestNetworkFileNumPy opens a written file with Python's numpy.load and
// checks the shapes and a forward pass of the first example. It is skipped
// where python3 with numpy is not installed.
func TestNetworkFileNumPy(t *testing.T) {
	t.Parallel()
	python := ""
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(p, "-c", "import numpy").Run() == nil {
			python = p
			break
		}
	}
	if python == "" {
		t.Skip("python3 with numpy not available")
	}
	net, rules := savedNet(t, 1)
	path := filepath.Join(t.TempDir(), "network.npz")
	if err := os.WriteFile(path, writeNet(t, net, rules), 0o644); err != nil {
		t.Fatal(err)
	}
	x := []float64{0.1, 0.9, 0.3, 0, 0.5, 1, 0.2}
	net.Forward(x)
	script := `
import json, sys, numpy as np
f = np.load(sys.argv[1])
cfg = json.loads(f["config.json"])["config"]
n, d, m, k = cfg["nodes"], cfg["inputs"], cfg["labels"], cfg["cap"]
A, M, U = f["input_weights"], f["input_mask"], f["output_weights"]
assert A.shape == (n, d) and M.shape == (n, d) and U.shape == (m, n), (A.shape, M.shape, U.shape)
assert ((A != 0) <= (M == 1)).all()
x = np.array([0.1, 0.9, 0.3, 0, 0.5, 1, 0.2])
u = np.maximum(A @ x, 0)
h = np.zeros(n); top = np.argsort(-u, kind="stable")[:k]; h[top] = u[top]
print(" ".join(repr(v) for v in U @ h))
`
	out, err := exec.Command(python, "-c", script, path).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	var z []float64
	for _, f := range strings.Fields(string(out)) {
		var v float64
		if err := json.Unmarshal([]byte(f), &v); err != nil {
			t.Fatalf("python output %q", out)
		}
		z = append(z, v)
	}
	for c := range z {
		if d := z[c] - net.ws.Z[c]; d > 1e-12 || d < -1e-12 {
			t.Errorf("numpy logits %v, Go %v", z, net.ws.Z)
			break
		}
	}
}

// FuzzReadNetwork checks that the reader never panics and that whatever it
// accepts writes back to a file it reads identically.
func FuzzReadNetwork(f *testing.F) {
	net, rules := savedNet(f, 3)
	good := writeNet(f, net, rules)
	f.Add(good)
	net1, rules1 := savedNet(f, 1)
	f.Add(writeNet(f, net1, rules1))
	f.Add(good[:len(good)-20])
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := readNet(b)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteNetwork(&buf, s.Network, s.Rules, s.Provenance); err != nil {
			t.Fatalf("accepted network does not write back: %v", err)
		}
		s2, err := readNet(buf.Bytes())
		if err != nil {
			t.Fatalf("written network does not read back: %v", err)
		}
		if !slices.Equal(s2.Network.U, s.Network.U) || !slices.Equal(s2.Network.AT, s.Network.AT) || !slices.Equal(s2.Network.W, s.Network.W) {
			t.Fatal("round trip changed the network")
		}
	})
}

// FuzzNPYHeader checks that the header parser never panics.
func FuzzNPYHeader(f *testing.F) {
	f.Add(string(npyHeader("<f8", []int{2, 3})[10:]))
	f.Add("{'descr': '<i4', 'fortran_order': True, 'shape': (5,), }")
	f.Add("{'shape': (")
	f.Fuzz(func(t *testing.T, h string) {
		parseNPYHeader(h)
		readNPY(strings.NewReader(npyMagic+"\x01\x00"+string([]byte{byte(len(h)), byte(len(h) >> 8)})+h+"0123456789abcdef"), 1<<10)
	})
}

// Save a trained network to an .npz archive and read it back.
func ExampleWriteNetwork() {
	net, err := New(Config{Inputs: 4, Labels: 2, Nodes: 20, Rounds: 2, Seed: 1}, rand.NewPCG(1, 1))
	if err != nil {
		fmt.Println(err)
		return
	}
	net.U[0] = 1 // stands for training
	var buf bytes.Buffer
	if err := WriteNetwork(&buf, net, Rules{Output: Perceptron(2)}, Provenance{Method: "rules", Dataset: "example"}); err != nil {
		fmt.Println(err)
		return
	}
	saved, err := ReadNetwork(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "example.npz")
	if err != nil {
		fmt.Println(err)
		return
	}
	c := saved.Network.Config()
	fmt.Printf("|V|=%d k=%d T=%d, %d edges, trained by %s on %s\n", c.Nodes, c.Cap, c.Rounds, saved.Network.Edges(), saved.Provenance.Method, saved.Provenance.Dataset)
	fmt.Println("output rule:", saved.Rules.Output.Table)
	// Output:
	// |V|=20 k=10 T=2, 192 edges, trained by rules on example
	// output rule: [-1 1 1 -1 -1 1 1 -1]
}
