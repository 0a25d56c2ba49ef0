package dataset

import (
	"bytes"
	"testing"
)

// FuzzReadIDX checks that the IDX parser never panics and that whatever it
// accepts is consistent: Data holds the product of Dims bytes, the magic
// names unsigned bytes and len(Dims) dimensions, and ReadImages and
// ReadLabels agree with it.
func FuzzReadIDX(f *testing.F) {
	img, lab := tinyImages(3, 2, 2)
	for _, p := range [][]byte{img, lab, gzipBytes(img), gzipBytes(lab), img[:9], img[:20],
		idxBytes(0x00000802, []uint32{2, 3}, make([]byte, 6)), {0x1f, 0x8b}, {}} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		idx, err := ReadIDX(bytes.NewReader(p), "fuzz")
		x, rows, cols, errI := ReadImages(bytes.NewReader(p), "fuzz")
		y, errL := ReadLabels(bytes.NewReader(p), "fuzz")
		if err != nil {
			if errI == nil || errL == nil {
				t.Fatalf("ReadIDX failed (%v) but ReadImages (%v) or ReadLabels (%v) did not", err, errI, errL)
			}
			return
		}
		size := 1
		for _, d := range idx.Dims {
			size *= d
		}
		if len(idx.Data) != size || idx.Magic != 0x0800|uint32(len(idx.Dims)) {
			t.Fatalf("magic %#x, sizes %v, %d bytes of data", idx.Magic, idx.Dims, len(idx.Data))
		}
		if errI == nil && (idx.Magic != MagicImages || rows != idx.Dims[1] || cols != idx.Dims[2] || len(x) != size) {
			t.Fatalf("ReadImages: %d×%d, %d values for %v", rows, cols, len(x), idx.Dims)
		}
		if errL == nil && (idx.Magic != MagicLabels || len(y) != size) {
			t.Fatalf("ReadLabels: %d labels for %v", len(y), idx.Dims)
		}
		if idx.Magic == MagicLabels && errL != nil {
			t.Fatalf("ReadLabels: %v for a valid labels file", errL)
		}
	})
}
