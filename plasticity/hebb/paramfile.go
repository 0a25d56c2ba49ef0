package hebb

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// ParamsFormat names the parameter file format, recorded in config.json.
const ParamsFormat = "evolve-hebb/1"

// paramsHeader is the config.json entry of a parameter file.
type paramsHeader struct {
	Format string          `json:"format"`
	Config Config          `json:"config"`
	Extra  json.RawMessage `json:"extra,omitempty"`
}

// WriteParams writes the parameters of net as a NumPy .npz archive (a zip
// of .npy arrays, little endian, C order) that numpy.load opens directly:
//
//	entry         dtype    shape            contents
//	config.json   (JSON)                    {"format": "evolve-hebb/1",
//	                                         "config": Config (defaults applied),
//	                                         "extra": extra (the task, provenance), if any}
//	w.npy         float64  (N, N)           w[j, i] = w_ji, post j, pre i
//	alpha.npy     float64  (N, N), (N,) or ()  α per synapse, per post-neuron or
//	                                         shared (absent for alpha "none")
//	eta.npy       float64  ()               η
//	w_m.npy       float64  (N,)             w_M (neuromodulated only)
//	b_m.npy       float64  ()               b_M (neuromodulated only)
//
// In Python, one step of the network (SPEC §10) is
//
//	f = numpy.load("params.npz")
//	w, a, eta = f["w"], f["alpha"], f["eta"]  # a broadcasts: a[:, None] for per-post
//	x = numpy.tanh((w + a * H) @ x_prev + u)
//	H = (1 - eta) * H + eta * numpy.outer(x, x_prev)  # rule "hebb"
func WriteParams(w io.Writer, net *Net, extra json.RawMessage) error {
	js, err := json.MarshalIndent(paramsHeader{Format: ParamsFormat, Config: net.cfg, Extra: extra}, "", "  ")
	if err != nil {
		return fmt.Errorf("hebb: writing parameters: %w", err)
	}
	zw := zip.NewWriter(w)
	entry := func(name string, b []byte) error {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err != nil {
			return err
		}
		_, err = fw.Write(b)
		return err
	}
	n := net.N
	if err := entry("config.json", js); err != nil {
		return err
	}
	if err := entry("w.npy", npyFloat64([]int{n, n}, net.W)); err != nil {
		return err
	}
	if shape, ok := alphaShape(net.cfg.Alpha, n); ok {
		if err := entry("alpha.npy", npyFloat64(shape, net.Alpha)); err != nil {
			return err
		}
	}
	if err := entry("eta.npy", npyFloat64(nil, []float64{net.Eta()})); err != nil {
		return err
	}
	if net.cfg.Rule == RuleNeuro {
		if err := entry("w_m.npy", npyFloat64([]int{n}, net.WM)); err != nil {
			return err
		}
		if err := entry("b_m.npy", npyFloat64(nil, []float64{net.BM()})); err != nil {
			return err
		}
	}
	return zw.Close()
}

func alphaShape(m AlphaMode, n int) ([]int, bool) {
	switch m {
	case AlphaSynapse:
		return []int{n, n}, true
	case AlphaPost:
		return []int{n}, true
	case AlphaShared:
		return []int{}, true
	}
	return nil, false
}

// maxParamNeurons bounds N in a parameter file (N² values are read).
const maxParamNeurons = 1 << 13

// ReadParams reads a parameter file written by WriteParams (size bytes
// from r) and returns the network and the extra JSON. name is used in
// error messages.
func ReadParams(r io.ReaderAt, size int64, name string) (*Net, json.RawMessage, error) {
	fail := func(format string, a ...any) (*Net, json.RawMessage, error) {
		return nil, nil, fmt.Errorf("hebb: %s: %s", name, fmt.Sprintf(format, a...))
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return fail("not a parameter file (.npz): %v", err)
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
	}
	read := func(key string, limit int64) ([]byte, error) {
		f, ok := files[key]
		if !ok {
			return nil, fmt.Errorf("entry %s missing", key)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("entry %s: %v", key, err)
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, limit+1))
		if err != nil {
			return nil, fmt.Errorf("entry %s: %v", key, err)
		}
		if int64(len(b)) > limit {
			return nil, fmt.Errorf("entry %s is larger than %d bytes", key, limit)
		}
		return b, nil
	}
	js, err := read("config.json", 1<<20)
	if err != nil {
		return fail("%v", err)
	}
	var hdr paramsHeader
	if err := json.Unmarshal(js, &hdr); err != nil {
		return fail("config.json: %v", err)
	}
	if hdr.Format != ParamsFormat {
		return fail("format %q, want %q", hdr.Format, ParamsFormat)
	}
	cfg := hdr.Config
	if err := cfg.Validate(); err != nil {
		return fail("%v", err)
	}
	if cfg.N > maxParamNeurons {
		return fail("%d neurons: at most %d", cfg.N, maxParamNeurons)
	}
	net := newNet(cfg.Defaults())
	n := cfg.N
	limit := int64(8*n*n + 256)
	load := func(key string, shape []int, dst []float64) error {
		b, err := read(key, limit)
		if err != nil {
			return err
		}
		sh, v, err := parseNPYFloat64(b)
		if err != nil {
			return fmt.Errorf("entry %s: %v", key, err)
		}
		if !equalInts(sh, shape) || len(v) != len(dst) {
			return fmt.Errorf("entry %s: shape %v, want %v", key, sh, shape)
		}
		copy(dst, v)
		return nil
	}
	if err := load("w.npy", []int{n, n}, net.W); err != nil {
		return fail("%v", err)
	}
	if shape, ok := alphaShape(net.cfg.Alpha, n); ok {
		if err := load("alpha.npy", shape, net.Alpha); err != nil {
			return fail("%v", err)
		}
	}
	eta := []float64{0}
	if err := load("eta.npy", []int{}, eta); err != nil {
		return fail("%v", err)
	}
	net.SetEta(eta[0])
	if cfg.Rule == RuleNeuro {
		if err := load("w_m.npy", []int{n}, net.WM); err != nil {
			return fail("%v", err)
		}
		if err := load("b_m.npy", []int{}, net.Theta[net.offBM:net.offBM+1]); err != nil {
			return fail("%v", err)
		}
	}
	for i, v := range net.Theta {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fail("parameter %d is %v", i, v)
		}
	}
	return net, hdr.Extra, nil
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// npyFloat64 encodes v as a .npy version 1.0 float64 array of the given
// shape (nil or empty: a scalar).
func npyFloat64(shape []int, v []float64) []byte {
	var sh strings.Builder
	sh.WriteByte('(')
	for i, s := range shape {
		if i > 0 {
			sh.WriteString(", ")
		}
		sh.WriteString(strconv.Itoa(s))
	}
	if len(shape) == 1 {
		sh.WriteByte(',')
	}
	sh.WriteByte(')')
	dict := fmt.Sprintf("{'descr': '<f8', 'fortran_order': False, 'shape': %s, }", sh.String())
	const magic = "\x93NUMPY"
	total := len(magic) + 4 + len(dict) + 1
	pad := (64 - total%64) % 64
	buf := make([]byte, 0, total+pad+8*len(v))
	buf = append(buf, magic...)
	buf = append(buf, 1, 0)
	buf = binary.LittleEndian.AppendUint16(buf, uint16(len(dict)+pad+1))
	buf = append(buf, dict...)
	buf = append(buf, bytes.Repeat([]byte{' '}, pad)...)
	buf = append(buf, '\n')
	for _, x := range v {
		buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(x))
	}
	return buf
}

var npyDictRE = regexp.MustCompile(`^\{'descr': '<f8', 'fortran_order': False, 'shape': \(([0-9, ]*)\), \}\s*$`)

// parseNPYFloat64 decodes a .npy version 1.0 float64 C-order array as
// written by npyFloat64.
func parseNPYFloat64(b []byte) ([]int, []float64, error) {
	if len(b) < 10 || string(b[:6]) != "\x93NUMPY" || b[6] != 1 {
		return nil, nil, fmt.Errorf("not a version 1 .npy array")
	}
	hl := int(binary.LittleEndian.Uint16(b[8:10]))
	if 10+hl > len(b) {
		return nil, nil, fmt.Errorf("header of %d bytes in %d", hl, len(b))
	}
	m := npyDictRE.FindStringSubmatch(string(b[10 : 10+hl]))
	if m == nil {
		return nil, nil, fmt.Errorf("header %q: want a little-endian float64 C-order array", strings.TrimSpace(string(b[10:10+hl])))
	}
	var shape []int
	count := 1
	for _, f := range strings.Split(m[1], ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		d, err := strconv.Atoi(f)
		if err != nil || d < 0 || d > 1<<26 {
			return nil, nil, fmt.Errorf("shape entry %q", f)
		}
		shape = append(shape, d)
		count *= d
		if count > 1<<26 {
			return nil, nil, fmt.Errorf("shape %v too large", shape)
		}
	}
	data := b[10+hl:]
	if len(data) != 8*count {
		return nil, nil, fmt.Errorf("%d data bytes for %d values", len(data), count)
	}
	v := make([]float64, count)
	for i := range v {
		v[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
	}
	return shape, v, nil
}
