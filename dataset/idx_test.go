package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// idxBytes returns an IDX file with the given magic, sizes and data.
func idxBytes(magic uint32, dims []uint32, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, magic)
	binary.Write(&b, binary.BigEndian, dims)
	b.Write(data)
	return b.Bytes()
}

func gzipBytes(p []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(p)
	w.Close()
	return b.Bytes()
}

// tinyImages returns n images of rows×cols pixels with pixel j of image i
// equal to (i*rows*cols + j) mod 256, and labels i mod 10.
func tinyImages(n, rows, cols int) (images, labels []byte) {
	pix := make([]byte, n*rows*cols)
	for i := range pix {
		pix[i] = byte(i)
	}
	lab := make([]byte, n)
	for i := range lab {
		lab[i] = byte(i % 10)
	}
	return idxBytes(MagicImages, []uint32{uint32(n), uint32(rows), uint32(cols)}, pix),
		idxBytes(MagicLabels, []uint32{uint32(n)}, lab)
}

// writeIDXDir writes the four files into a new temporary directory, gzipped
// if gz (with the ".gz" extension), and returns the directory.
func writeIDXDir(t *testing.T, files map[string][]byte, gz bool) string {
	t.Helper()
	dir := t.TempDir()
	for name, p := range files {
		if gz {
			p, name = gzipBytes(p), name+".gz"
		}
		if err := os.WriteFile(filepath.Join(dir, name), p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// tinyFiles returns the four files of a data set with 5 training and 3
// test images of 2×3 pixels.
func tinyFiles() map[string][]byte {
	trI, trL := tinyImages(5, 2, 3)
	teI, teL := tinyImages(3, 2, 3)
	return map[string][]byte{
		"train-images-idx3-ubyte": trI,
		"train-labels-idx1-ubyte": trL,
		"t10k-images-idx3-ubyte":  teI,
		"t10k-labels-idx1-ubyte":  teL,
	}
}

func TestReadIDXRoundTrip(t *testing.T) {
	t.Parallel()
	data := []byte{0, 1, 2, 254, 255, 7}
	plain := idxBytes(0x00000802, []uint32{3, 2}, data)
	for _, tc := range []struct {
		name string
		file []byte
	}{
		{"plain", plain},
		{"gzip", gzipBytes(plain)},
		{"gzip-multistream", append(gzipBytes(plain[:7]), gzipBytes(plain[7:])...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, err := ReadIDX(bytes.NewReader(tc.file), tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if f.Magic != 0x00000802 || !slices.Equal(f.Dims, []int{3, 2}) || !bytes.Equal(f.Data, data) {
				t.Errorf("got %#x %v %v, want 0x802 [3 2] %v", f.Magic, f.Dims, f.Data, data)
			}
		})
	}
}

func TestReadImagesLabels(t *testing.T) {
	t.Parallel()
	img, lab := tinyImages(4, 2, 3)
	for _, gz := range []bool{false, true} {
		ri, rl := img, lab
		if gz {
			ri, rl = gzipBytes(img), gzipBytes(lab)
		}
		x, rows, cols, err := ReadImages(bytes.NewReader(ri), "images")
		if err != nil {
			t.Fatal(err)
		}
		if rows != 2 || cols != 3 || len(x) != 4*6 {
			t.Fatalf("gzip %v: %d×%d, %d values; want 2×3, 24", gz, rows, cols, len(x))
		}
		for i, v := range x {
			if want := float64(i) / 255; v != want {
				t.Fatalf("gzip %v: pixel %d = %v, want %v", gz, i, v, want)
			}
		}
		y, err := ReadLabels(bytes.NewReader(rl), "labels")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(y, []int{0, 1, 2, 3}) {
			t.Errorf("gzip %v: labels %v, want [0 1 2 3]", gz, y)
		}
	}
	// Pixel 255 is exactly 1.
	x, _, _, err := ReadImages(bytes.NewReader(idxBytes(MagicImages, []uint32{1, 1, 2}, []byte{255, 0})), "x")
	if err != nil || x[0] != 1 || x[1] != 0 {
		t.Errorf("pixels 255, 0 read as %v, %v", x, err)
	}
}

func TestReadIDXErrors(t *testing.T) {
	t.Parallel()
	img, _ := tinyImages(2, 2, 2) // 16 bytes of header, 8 of data
	gzImg := gzipBytes(img)
	corrupt := slices.Clone(gzImg)
	corrupt[len(corrupt)-5] ^= 0xff // the CRC-32 in the gzip trailer
	for _, tc := range []struct {
		name  string
		file  []byte
		magic uint32
		want  string
	}{
		{"empty", nil, 0, "truncated: header needs 4 bytes of magic number, got 0"},
		{"short-magic", []byte{0, 0, 8}, 0, "got 3"},
		{"wrong-magic", idxBytes(MagicLabels, []uint32{2}, []byte{1, 2}), MagicImages,
			"dataset: wrong-magic: magic 0x00000803 expected, got 0x00000801"},
		{"not-idx", []byte("P5\n28 28\n255\n"), 0, "not an IDX magic number"},
		{"float-data", idxBytes(0x00000d01, []uint32{1}, make([]byte, 4)), 0, "data type 0x0d not supported"},
		{"no-dims", idxBytes(0x00000800, nil, nil), 0, "no dimensions"},
		{"short-sizes", img[:10], MagicImages, "truncated: header needs 12 bytes of sizes for 3 dimensions, got 6"},
		{"short-data", img[:20], MagicImages, "truncated: sizes [2 2 2] need 8 bytes of data, got 4"},
		{"no-data", img[:16], MagicImages, "need 8 bytes of data, got 0"},
		{"long-data", append(slices.Clone(img), 9), MagicImages, "need 8 bytes of data, the file is longer"},
		{"huge-header", idxBytes(MagicImages, []uint32{1 << 31, 1 << 31, 1 << 31}, nil), MagicImages, "more than"},
		{"huge-header-short", idxBytes(MagicImages, []uint32{60000, 256, 256}, []byte{1, 2, 3}), MagicImages,
			"need 3932160000 bytes of data, got 3"},
		{"gzip-truncated", gzImg[:len(gzImg)-12], MagicImages, "truncated"},
		{"gzip-header-only", gzImg[:5], MagicImages, "truncated gzip stream"},
		{"gzip-checksum", corrupt, MagicImages, "corrupt gzip stream"},
		{"gzip-short-data", gzipBytes(img[:20]), MagicImages, "need 8 bytes of data, got 4"},
		{"gzip-long-data", gzipBytes(append(slices.Clone(img), 1, 2)), MagicImages, "the file is longer"},
		{"images-0x2", idxBytes(MagicImages, []uint32{5, 0, 2}, nil), MagicImages, "images of size 0×2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var err error
			switch tc.magic {
			case MagicImages:
				_, _, _, err = ReadImages(bytes.NewReader(tc.file), tc.name)
			case MagicLabels:
				_, err = ReadLabels(bytes.NewReader(tc.file), tc.name)
			default:
				_, err = ReadIDX(bytes.NewReader(tc.file), tc.name)
			}
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !strings.HasPrefix(err.Error(), "dataset: "+tc.name+": ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want prefix %q and %q", err, "dataset: "+tc.name+": ", tc.want)
			}
		})
	}
}

func TestLoadIDX(t *testing.T) {
	t.Parallel()
	for _, gz := range []bool{false, true} {
		dir := writeIDXDir(t, tinyFiles(), gz)
		sp, err := LoadIDX(dir, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := sp.Validate(); err != nil {
			t.Fatal(err)
		}
		base := filepath.Base(dir)
		for _, c := range []struct {
			s    *Set
			name string
			n    int
		}{{sp.Train, base + "/train", 5}, {sp.Test, base + "/test", 3}} {
			if c.s.Name != c.name || c.s.Len() != c.n || c.s.Dim != 6 || c.s.Labels != 10 {
				t.Errorf("gzip %v: %s: len %d dim %d labels %d, want %s, %d, 6, 10",
					gz, c.s.Name, c.s.Len(), c.s.Dim, c.s.Labels, c.name, c.n)
			}
			for i := range c.n {
				if c.s.Y[i] != i%10 || c.s.At(i, 1) != float64(i*6+1)/255 {
					t.Errorf("gzip %v: %s row %d: label %d pixel %v", gz, c.name, i, c.s.Y[i], c.s.At(i, 1))
				}
			}
		}
	}
}

func TestLoadIDXNames(t *testing.T) {
	t.Parallel()
	// The prefix, the dotted spelling, and gzip detection by content: a
	// plain file named .gz and a gzipped file without the extension.
	files := map[string][]byte{}
	for name, p := range tinyFiles() {
		name = "emnist-" + strings.Replace(name, "-idx", ".idx", 1)
		switch {
		case strings.HasPrefix(name, "emnist-train-images"):
			name += ".gz"
		case strings.HasPrefix(name, "emnist-t10k-images"):
			p = gzipBytes(p)
		}
		files[name] = p
	}
	dir := writeIDXDir(t, files, false)
	sp, err := LoadIDX(dir, "emnist-")
	if err != nil {
		t.Fatal(err)
	}
	if sp.Train.Len() != 5 || sp.Test.Len() != 3 {
		t.Errorf("lengths %d, %d, want 5, 3", sp.Train.Len(), sp.Test.Len())
	}
	if _, err := LoadIDX(dir, ""); err == nil || !strings.Contains(err.Error(), "no file train-images-idx3-ubyte[.gz]") {
		t.Errorf("without the prefix: error %v, want a missing file", err)
	}
}

func TestLoadIDXErrors(t *testing.T) {
	t.Parallel()
	trI, _ := tinyImages(5, 2, 3)
	bigI, _ := tinyImages(3, 3, 3)
	for _, tc := range []struct {
		name    string
		replace map[string][]byte
		want    string
	}{
		{"missing", map[string][]byte{"t10k-labels-idx1-ubyte": nil}, "no file t10k-labels-idx1-ubyte[.gz]"},
		{"wrong-magic", map[string][]byte{"train-labels-idx1-ubyte": trI},
			"train-labels-idx1-ubyte.gz: magic 0x00000801 expected, got 0x00000803"},
		{"lengths", map[string][]byte{"train-labels-idx1-ubyte": idxBytes(MagicLabels, []uint32{4}, []byte{1, 2, 3, 4})},
			"train-labels-idx1-ubyte.gz: 4 labels for 5 images in train-images-idx3-ubyte.gz"},
		{"label-range", map[string][]byte{"t10k-labels-idx1-ubyte": idxBytes(MagicLabels, []uint32{3}, []byte{1, 10, 3})},
			"t10k-labels-idx1-ubyte.gz: item 1: label 10 out of range [0, 10)"},
		{"truncated", map[string][]byte{"t10k-images-idx3-ubyte": trI[:30]},
			"t10k-images-idx3-ubyte.gz: truncated: sizes [5 2 3] need 30 bytes of data, got 14"},
		{"image-sizes", map[string][]byte{"t10k-images-idx3-ubyte": bigI},
			"training images are 2×3, test images 3×3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			files := tinyFiles()
			for k, v := range tc.replace {
				if v == nil {
					delete(files, k)
				} else {
					files[k] = v
				}
			}
			dir := writeIDXDir(t, files, true)
			_, err := LoadIDX(dir, "")
			if err == nil || !strings.HasPrefix(err.Error(), "dataset: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestLoadIDXDir(t *testing.T) {
	t.Parallel()
	dir := writeIDXDir(t, tinyFiles(), true)
	sp, err := Load("mnist", &Options{Dir: dir, TrainSize: 2, TestSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if sp.Train.Name != "mnist/train" || sp.Train.Len() != 2 || sp.Test.Len() != 3 {
		t.Errorf("got %s with %d, %d examples, want mnist/train with 2, 3", sp.Train.Name, sp.Train.Len(), sp.Test.Len())
	}
}
