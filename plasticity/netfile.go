package plasticity

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
)

// NetworkFormat names the network file format, recorded in config.json.
const NetworkFormat = "evolve-network/1"

// Provenance says how a saved network was trained.
type Provenance struct {
	// Method is "rules", "gd-output", "gd-full" or "meta".
	Method string `json:"method"`
	// Dataset is the training data set.
	Dataset string `json:"dataset,omitempty"`
	// TrainExamples is the number of training examples.
	TrainExamples int `json:"train_examples,omitempty"`
	// TestAccuracy is the accuracy measured after training, if any.
	TestAccuracy float64 `json:"test_accuracy,omitempty"`
	// Command and Version name the program that trained the network.
	Command string `json:"command,omitempty"`
	Version string `json:"version,omitempty"`
	// Created is the time of writing, RFC 3339.
	Created string `json:"created,omitempty"`
	// Details holds method-specific settings as JSON (for example a GDConfig).
	Details json.RawMessage `json:"details,omitempty"`
}

// Saved is a network read from a network file, with its rules and provenance.
type Saved struct {
	Network    *Network
	Rules      Rules
	Provenance Provenance
}

type netRules struct {
	Graph  *ruleFile `json:"graph"`
	Output *ruleFile `json:"output"`
}

type netHeader struct {
	Format     string     `json:"format"`
	Config     Config     `json:"config"`
	Rules      netRules   `json:"rules"`
	Provenance Provenance `json:"provenance"`
}

func toRuleFile(r *Rule) *ruleFile {
	if r == nil {
		return nil
	}
	f := &ruleFile{Kind: r.Kind, Rounds: r.Rounds, Update: r.Update, MLP: r.MLP}
	if f.Update == "" {
		f.Update = Additive
	}
	for p := 0; p < r.Rows(); p++ {
		f.Table = append(f.Table, slices.Clone(r.Table[p*r.Cols():(p+1)*r.Cols()]))
	}
	return f
}

// WriteNetwork writes net, the rules that trained it (either may be nil)
// and its provenance as a network file.
//
// A network file is a NumPy .npz archive (a zip of .npy arrays, all little
// endian, C order) that numpy.load opens directly:
//
//	entry                 dtype     shape      contents
//	config.json           (JSON)               {"format": "evolve-network/1",
//	                                            "config": Config (defaults applied),
//	                                            "rules": {"graph": rule, "output": rule},
//	                                            "provenance": Provenance}
//	input_weights.npy     float64   (n, d)     M_A∘A: the input weights, 0 off the mask
//	input_mask.npy        uint8     (n, d)     M_A
//	graph_pre.npy         int32     (E,)       pre-synaptic node j of every edge j→i
//	graph_post.npy        int32     (E,)       post-synaptic node i
//	graph_weights.npy     float64   (E,)       W_ij
//	output_weights.npy    float64   (m, n)     U
//	graph_rule.npy        float64   (2^T, 2^T) the graph rule table R[pre][post], if any
//	output_rule.npy       float64   (2^T, 2)   the output rule table R_o[pattern][column], if any
//
// Edges are sorted by pre-synaptic node, then post-synaptic node; there
// are none for T = 1. The rules in config.json are in the rule file format
// (see WriteRule, without "format" and "comment"); their tables are
// repeated in the .npy entries for convenience and must agree. In Python:
//
//	f = numpy.load("network.npz")
//	cfg = json.loads(f["config.json"])
//	n = cfg["config"]["nodes"]
//	G = numpy.zeros((n, n)); G[f["graph_post"], f["graph_pre"]] = f["graph_weights"]
//	def forward(x): ...  # a = f["input_weights"] @ x, as in SPEC §1
//
// An input weight that is exactly 0 on the mask acts as masked out (the
// engine stores M_A∘A only).
func WriteNetwork(w io.Writer, net *Network, rules Rules, prov Provenance) error {
	for _, r := range []*Rule{rules.Graph, rules.Output} {
		if r == nil {
			continue
		}
		if err := r.Validate(); err != nil {
			return err
		}
		if r.Rounds != net.T {
			return errRounds(r, net.T)
		}
	}
	n, d, m := net.n, net.d, net.m
	hdr := netHeader{Format: NetworkFormat, Config: net.cfg, Rules: netRules{toRuleFile(rules.Graph), toRuleFile(rules.Output)}, Provenance: prov}
	js, err := json.MarshalIndent(hdr, "", "  ")
	if err != nil {
		return fmt.Errorf("plasticity: writing network: %w", err)
	}
	zw := zip.NewWriter(w)
	entry := func(name string, write func(io.Writer) error) error {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err != nil {
			return err
		}
		return write(fw)
	}
	in := make([]float64, n*d)
	mask := make([]uint8, n*d)
	for j := 0; j < d; j++ {
		for i, v := range net.AT[j*n : (j+1)*n] {
			in[i*d+j] = v
			if v != 0 {
				mask[i*d+j] = 1
			}
		}
	}
	pre := make([]int32, len(net.Post))
	for j := 0; j < n; j++ {
		for e := net.ColPtr[j]; e < net.ColPtr[j+1]; e++ {
			pre[e] = int32(j)
		}
	}
	E := len(net.Post)
	steps := []struct {
		name  string
		write func(io.Writer) error
	}{
		{"config.json", func(w io.Writer) error { _, err := w.Write(append(js, '\n')); return err }},
		{"input_weights.npy", func(w io.Writer) error { return writeNPYFloat64(w, []int{n, d}, in) }},
		{"input_mask.npy", func(w io.Writer) error { return writeNPYUint8(w, []int{n, d}, mask) }},
		{"graph_pre.npy", func(w io.Writer) error { return writeNPYInt32(w, []int{E}, pre) }},
		{"graph_post.npy", func(w io.Writer) error { return writeNPYInt32(w, []int{E}, net.Post) }},
		{"graph_weights.npy", func(w io.Writer) error { return writeNPYFloat64(w, []int{E}, net.W) }},
		{"output_weights.npy", func(w io.Writer) error { return writeNPYFloat64(w, []int{m, n}, net.U) }},
	}
	for _, r := range []*Rule{rules.Graph, rules.Output} {
		if r != nil {
			steps = append(steps, struct {
				name  string
				write func(io.Writer) error
			}{string(r.Kind) + "_rule.npy", func(w io.Writer) error { return writeNPYFloat64(w, []int{r.Rows(), r.Cols()}, r.Table) }})
		}
	}
	for _, s := range steps {
		if err := entry(s.name, s.write); err != nil {
			return fmt.Errorf("plasticity: writing network entry %s: %w", s.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("plasticity: writing network: %w", err)
	}
	return nil
}

// ReadNetwork reads a network file of the given size. name is used in
// errors, which name the entry at fault. The shapes of all arrays are
// checked against the configuration, the graph must be a valid edge list
// (no self-loops, no repeated edge, sorted) and all weights finite.
func ReadNetwork(r io.ReaderAt, size int64, name string) (*Saved, error) {
	fail := func(entry string, format string, args ...any) error {
		if entry == "" {
			return fmt.Errorf("plasticity: network file %s: %s", name, fmt.Sprintf(format, args...))
		}
		return fmt.Errorf("plasticity: network file %s: %s: %s", name, entry, fmt.Sprintf(format, args...))
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fail("", "not an .npz (zip) archive: %v", err)
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
	}
	open := func(entry string) (io.ReadCloser, error) {
		f, ok := files[entry]
		if !ok {
			return nil, fail(entry, "missing")
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fail(entry, "%v", err)
		}
		return rc, nil
	}
	// config.json first: it fixes every shape.
	rc, err := open("config.json")
	if err != nil {
		return nil, err
	}
	js, err := io.ReadAll(io.LimitReader(rc, 1<<22))
	rc.Close()
	if err != nil {
		return nil, fail("config.json", "%v", err)
	}
	var hdr netHeader
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&hdr); err != nil {
		return nil, fail("config.json", "%v", err)
	}
	if hdr.Format != NetworkFormat {
		return nil, fail("config.json", "format %q expected, got %q", NetworkFormat, hdr.Format)
	}
	if err := hdr.Config.Validate(); err != nil {
		return nil, fail("config.json", "%v", err)
	}
	cfg := hdr.Config.Defaults()
	n, d, m, T := cfg.Nodes, cfg.Inputs, cfg.Labels, cfg.Rounds
	if n > 1<<20 || d > 1<<24 || m > 1<<20 || n*d > 1<<30 || n*m > 1<<30 {
		return nil, fail("config.json", "sizes n=%d d=%d m=%d are too large", n, d, m)
	}
	rules := Rules{}
	for _, rr := range []struct {
		f    *ruleFile
		kind Kind
		dst  **Rule
	}{{hdr.Rules.Graph, GraphRule, &rules.Graph}, {hdr.Rules.Output, OutputRule, &rules.Output}} {
		if rr.f == nil {
			continue
		}
		f := rr.f
		if f.Kind != rr.kind {
			return nil, fail("config.json", "rules.%s has kind %q", rr.kind, f.Kind)
		}
		if f.Rounds != T {
			return nil, fail("config.json", "the %s rule is for T=%d, the network has T=%d", rr.kind, f.Rounds, T)
		}
		rule := &Rule{Kind: f.Kind, Rounds: f.Rounds, Update: f.Update, MLP: f.MLP}
		if rule.MLP == nil {
			if len(f.Table) != rule.Rows() {
				return nil, fail("config.json", "the %s rule has %d table rows, want %d", rr.kind, len(f.Table), rule.Rows())
			}
			for p, row := range f.Table {
				if len(row) != rule.Cols() {
					return nil, fail("config.json", "%s rule row %d has %d entries, want %d", rr.kind, p, len(row), rule.Cols())
				}
				rule.Table = append(rule.Table, row...)
			}
		}
		if err := rule.Validate(); err != nil {
			return nil, fail("config.json", "%v", err)
		}
		*rr.dst = rule
	}
	// read reads an array entry and checks its shape; a negative size in
	// shape accepts any length.
	read := func(entry string, shape []int, maxElems int) (*npyArray, error) {
		rc, err := open(entry)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		a, err := readNPY(rc, maxElems)
		if err != nil {
			return nil, fail(entry, "%v", err)
		}
		ok := len(a.shape) == len(shape)
		for i := 0; ok && i < len(shape); i++ {
			ok = shape[i] < 0 || a.shape[i] == shape[i]
		}
		if !ok {
			return nil, fail(entry, "shape %v, want %v for n=%d d=%d m=%d T=%d", a.shape, shape, n, d, m, T)
		}
		return a, nil
	}
	floats64 := func(entry string, shape []int, maxElems int) ([]float64, error) {
		a, err := read(entry, shape, maxElems)
		if err != nil {
			return nil, err
		}
		if a.f64 == nil {
			return nil, fail(entry, "dtype %s, want float64 ('<f8')", a.descr)
		}
		for i, v := range a.f64 {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fail(entry, "entry %d is %v", i, v)
			}
		}
		return a.f64, nil
	}
	ints := func(entry string, shape []int, maxElems int) ([]int64, error) {
		a, err := read(entry, shape, maxElems)
		if err != nil {
			return nil, err
		}
		if a.ints == nil {
			return nil, fail(entry, "dtype %s, want an integer type", a.descr)
		}
		return a.ints, nil
	}
	in, err := floats64("input_weights.npy", []int{n, d}, n*d)
	if err != nil {
		return nil, err
	}
	mask, err := ints("input_mask.npy", []int{n, d}, n*d)
	if err != nil {
		return nil, err
	}
	net := &Network{cfg: cfg, n: n, d: d, m: m, k: cfg.Cap, T: T}
	net.AT = make([]float64, d*n)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			v := in[i*d+j]
			switch mask[i*d+j] {
			case 0:
				if v != 0 {
					return nil, fail("input_weights.npy", "entry [%d][%d] = %v outside the input mask", i, j, v)
				}
			case 1:
			default:
				return nil, fail("input_mask.npy", "entry [%d][%d] = %d, want 0 or 1", i, j, mask[i*d+j])
			}
			net.AT[j*n+i] = v
		}
	}
	maxEdges := n * (n - 1)
	pre, err := ints("graph_pre.npy", []int{-1}, maxEdges)
	if err != nil {
		return nil, err
	}
	E := len(pre)
	post, err := ints("graph_post.npy", []int{E}, maxEdges)
	if err != nil {
		return nil, err
	}
	if net.W, err = floats64("graph_weights.npy", []int{E}, maxEdges); err != nil {
		return nil, err
	}
	net.ColPtr = make([]int32, n+1)
	net.Post = make([]int32, E)
	for e := range pre {
		j, i := pre[e], post[e]
		switch {
		case j < 0 || j >= int64(n):
			return nil, fail("graph_pre.npy", "edge %d: node %d outside [0, %d)", e, j, n)
		case i < 0 || i >= int64(n):
			return nil, fail("graph_post.npy", "edge %d: node %d outside [0, %d)", e, i, n)
		case i == j:
			return nil, fail("graph_post.npy", "edge %d is a self-loop at node %d", e, i)
		case e > 0 && (j < pre[e-1] || j == pre[e-1] && i <= post[e-1]):
			return nil, fail("graph_pre.npy", "edge %d (%d→%d) is not after edge %d (%d→%d): edges must be sorted by pre, then post, without repeats", e, j, i, e-1, pre[e-1], post[e-1])
		}
		net.Post[e] = int32(i)
		net.ColPtr[j+1]++
	}
	for j := 0; j < n; j++ {
		net.ColPtr[j+1] += net.ColPtr[j]
	}
	if net.U, err = floats64("output_weights.npy", []int{m, n}, m*n); err != nil {
		return nil, err
	}
	for _, rr := range []struct {
		r     *Rule
		kind  Kind
		entry string
	}{{rules.Graph, GraphRule, "graph_rule.npy"}, {rules.Output, OutputRule, "output_rule.npy"}} {
		r := rr.r
		if r == nil {
			if files[rr.entry] != nil {
				return nil, fail(rr.entry, "present, but config.json has no %s rule", rr.kind)
			}
			continue
		}
		tab, err := floats64(rr.entry, []int{r.Rows(), r.Cols()}, r.Rows()*r.Cols())
		if err != nil {
			return nil, err
		}
		for i, v := range tab {
			if v != r.Table[i] {
				return nil, fail(rr.entry, "entry [%d][%d] = %v disagrees with config.json (%v)", i/r.Cols(), i%r.Cols(), v, r.Table[i])
			}
		}
	}
	net.ws = newWorkspace(n, m, T)
	return &Saved{Network: net, Rules: rules, Provenance: hdr.Provenance}, nil
}
