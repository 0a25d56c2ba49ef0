package plasticity

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// The NumPy .npy format, version 1.0: the magic "\x93NUMPY", the version
// bytes 1 0, a little-endian uint16 header length, and an ASCII Python
// dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...), }
// padded with spaces and a newline so that the data starts at a multiple
// of 64 bytes; then the data, C order. Only the types the network file
// needs are supported: '<f8' (float64), '<i4' (int32), '<i8' (int64, read
// only) and '|u1'/'|b1' (uint8, bool).

const npyMagic = "\x93NUMPY"

// npyArray is a decoded array: its type, shape and values.
type npyArray struct {
	descr string
	shape []int
	f64   []float64 // '<f8'
	ints  []int64   // '<i4', '<i8', '|u1', '|b1'
}

// npyHeader returns the .npy header for an array of the given type and shape.
func npyHeader(descr string, shape []int) []byte {
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
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, sh.String())
	total := len(npyMagic) + 4 + len(dict) + 1
	pad := (64 - total%64) % 64
	hdr := make([]byte, 0, total+pad)
	hdr = append(hdr, npyMagic...)
	hdr = append(hdr, 1, 0)
	hdr = binary.LittleEndian.AppendUint16(hdr, uint16(len(dict)+pad+1))
	hdr = append(hdr, dict...)
	for range pad {
		hdr = append(hdr, ' ')
	}
	return append(hdr, '\n')
}

// writeNPYFloat64 writes v as a float64 array of the given shape.
func writeNPYFloat64(w io.Writer, shape []int, v []float64) error {
	buf := npyHeader("<f8", shape)
	buf = append(make([]byte, 0, len(buf)+8*len(v)), buf...)
	for _, x := range v {
		buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(x))
	}
	_, err := w.Write(buf)
	return err
}

// writeNPYInt32 writes v as an int32 array of the given shape.
func writeNPYInt32(w io.Writer, shape []int, v []int32) error {
	buf := npyHeader("<i4", shape)
	buf = append(make([]byte, 0, len(buf)+4*len(v)), buf...)
	for _, x := range v {
		buf = binary.LittleEndian.AppendUint32(buf, uint32(x))
	}
	_, err := w.Write(buf)
	return err
}

// writeNPYUint8 writes v as a uint8 array of the given shape.
func writeNPYUint8(w io.Writer, shape []int, v []uint8) error {
	buf := npyHeader("|u1", shape)
	_, err := w.Write(append(buf, v...))
	return err
}

// npyItemSize returns the size in bytes of an element of a supported type.
func npyItemSize(descr string) (int, bool) {
	switch descr {
	case "<f8", "<i8":
		return 8, true
	case "<i4":
		return 4, true
	case "|u1", "|b1", "<u1", "<b1":
		return 1, true
	}
	return 0, false
}

// readNPY reads a .npy array. maxElems bounds the number of elements the
// header may declare.
func readNPY(r io.Reader, maxElems int) (*npyArray, error) {
	var pre [10]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, fmt.Errorf("short header: %w", err)
	}
	if string(pre[:6]) != npyMagic {
		return nil, fmt.Errorf("not a .npy array (magic %q)", pre[:6])
	}
	var hlen int
	switch pre[6] {
	case 1:
		hlen = int(binary.LittleEndian.Uint16(pre[8:10]))
	case 2, 3:
		var more [2]byte
		if _, err := io.ReadFull(r, more[:]); err != nil {
			return nil, fmt.Errorf("short header: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint32(append(pre[8:10:10], more[:]...)))
		if hlen > 1<<16 {
			return nil, fmt.Errorf("header of %d bytes is too long", hlen)
		}
	default:
		return nil, fmt.Errorf("unsupported .npy version %d.%d", pre[6], pre[7])
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, fmt.Errorf("short header: %w", err)
	}
	descr, fortran, shape, err := parseNPYHeader(string(hdr))
	if err != nil {
		return nil, err
	}
	if fortran && len(shape) > 1 {
		return nil, fmt.Errorf("Fortran-order arrays are not supported; save a C-order array (numpy.ascontiguousarray)")
	}
	size, ok := npyItemSize(descr)
	if !ok {
		return nil, fmt.Errorf("unsupported dtype %q", descr)
	}
	n := 1
	for _, s := range shape {
		if s < 0 || (s > 0 && n > maxElems/s) {
			return nil, fmt.Errorf("shape %v is too large", shape)
		}
		n *= s
	}
	if n > maxElems {
		return nil, fmt.Errorf("shape %v is too large", shape)
	}
	// Read what is there, at most the declared size plus one byte, so a
	// lying header cannot make us allocate more than the data.
	data, err := io.ReadAll(io.LimitReader(r, int64(n*size)+1))
	if err != nil {
		return nil, err
	}
	if len(data) != n*size {
		return nil, fmt.Errorf("shape %v of %s needs %d data bytes, found %d", shape, descr, n*size, len(data))
	}
	a := &npyArray{descr: descr, shape: shape}
	switch descr {
	case "<f8":
		a.f64 = make([]float64, n)
		for i := range a.f64 {
			a.f64[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
		}
	case "<i8":
		a.ints = make([]int64, n)
		for i := range a.ints {
			a.ints[i] = int64(binary.LittleEndian.Uint64(data[8*i:]))
		}
	case "<i4":
		a.ints = make([]int64, n)
		for i := range a.ints {
			a.ints[i] = int64(int32(binary.LittleEndian.Uint32(data[4*i:])))
		}
	default:
		a.ints = make([]int64, n)
		for i, b := range data {
			a.ints[i] = int64(b)
		}
	}
	return a, nil
}

// parseNPYHeader parses the dict literal of a .npy header.
func parseNPYHeader(h string) (descr string, fortran bool, shape []int, err error) {
	h = strings.TrimSpace(h)
	if !strings.HasPrefix(h, "{") || !strings.HasSuffix(h, "}") {
		return "", false, nil, fmt.Errorf("header %q is not a dict", h)
	}
	field := func(key string) (string, error) {
		i := strings.Index(h, "'"+key+"':")
		if i < 0 {
			return "", fmt.Errorf("header %q has no %q", h, key)
		}
		return strings.TrimSpace(h[i+len(key)+3:]), nil
	}
	v, err := field("descr")
	if err != nil {
		return "", false, nil, err
	}
	if len(v) < 2 || v[0] != '\'' {
		return "", false, nil, fmt.Errorf("header %q: bad descr", h)
	}
	end := strings.IndexByte(v[1:], '\'')
	if end < 0 {
		return "", false, nil, fmt.Errorf("header %q: bad descr", h)
	}
	descr = v[1 : 1+end]
	if v, err = field("fortran_order"); err != nil {
		return "", false, nil, err
	}
	switch {
	case strings.HasPrefix(v, "False"):
	case strings.HasPrefix(v, "True"):
		fortran = true
	default:
		return "", false, nil, fmt.Errorf("header %q: bad fortran_order", h)
	}
	if v, err = field("shape"); err != nil {
		return "", false, nil, err
	}
	if !strings.HasPrefix(v, "(") {
		return "", false, nil, fmt.Errorf("header %q: bad shape", h)
	}
	end = strings.IndexByte(v, ')')
	if end < 0 {
		return "", false, nil, fmt.Errorf("header %q: bad shape", h)
	}
	shape = []int{}
	for _, p := range strings.Split(v[1:end], ",") {
		p = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(p), "L"))
		if p == "" {
			continue
		}
		s, err := strconv.Atoi(p)
		if err != nil || s < 0 {
			return "", false, nil, fmt.Errorf("header %q: bad shape entry %q", h, p)
		}
		shape = append(shape, s)
	}
	return descr, fortran, shape, nil
}
