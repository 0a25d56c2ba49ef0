package dataset

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// Magic numbers of the IDX files used by MNIST: 0x0000 (two zero bytes),
// the data type 0x08 (unsigned byte) and the number of dimensions.
const (
	MagicImages uint32 = 0x00000803 // unsigned bytes, 3 dimensions: count, rows, columns
	MagicLabels uint32 = 0x00000801 // unsigned bytes, 1 dimension: count
)

// maxIDXBytes bounds the data size an IDX header may announce (16 GiB);
// larger headers are rejected as corrupt. Memory is allocated as data
// arrives, never from the header alone, so a lying header cannot exhaust
// memory.
const maxIDXBytes = 1 << 34

// IDX is the content of an IDX file of unsigned bytes (data type 0x08).
type IDX struct {
	Magic uint32 // 0x000008nn, nn = len(Dims)
	Dims  []int  // size of each dimension; Dims[0] is the number of items
	Data  []byte // the product of Dims bytes, row-major
}

// ReadIDX reads an IDX file of unsigned bytes from r, gzip-compressed or
// not: a stream that starts with the gzip magic bytes 0x1f 0x8b is
// decompressed, whatever its name. The name is used in error messages only.
//
// It returns an error that names the file and the problem when the stream
// is truncated, the magic number is not that of unsigned bytes, the header
// announces an impossible size, or the data are longer than the header
// says.
func ReadIDX(r io.Reader, name string) (*IDX, error) {
	return readIDX(r, name, 0)
}

// ReadImages reads an IDX images file (magic 0x00000803) from r, gzipped or
// not, and returns the pixels scaled by 1/255 to [0, 1], row-major, one
// image of rows×cols values after another. The number of images is
// len(x)/(rows*cols).
func ReadImages(r io.Reader, name string) (x []float64, rows, cols int, err error) {
	f, err := readIDX(r, name, MagicImages)
	if err != nil {
		return nil, 0, 0, err
	}
	rows, cols = f.Dims[1], f.Dims[2]
	if rows == 0 || cols == 0 {
		return nil, 0, 0, fmt.Errorf("dataset: %s: images of size %d×%d", name, rows, cols)
	}
	x = make([]float64, len(f.Data))
	pixels(x, f.Data)
	return x, rows, cols, nil
}

// ReadLabels reads an IDX labels file (magic 0x00000801) from r, gzipped or
// not, and returns the labels.
func ReadLabels(r io.Reader, name string) ([]int, error) {
	f, err := readIDX(r, name, MagicLabels)
	if err != nil {
		return nil, err
	}
	y := make([]int, len(f.Data))
	for i, b := range f.Data {
		y[i] = int(b)
	}
	return y, nil
}

// pixels sets dst[i] = src[i]/255.
func pixels(dst []float64, src []byte) {
	dst = dst[:len(src)]
	for i, b := range src {
		dst[i] = PixelScale[b]
	}
}

// readIDX reads an IDX file of unsigned bytes. If want is not 0 the magic
// number must equal it.
func readIDX(r io.Reader, name string, want uint32) (*IDX, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var in io.Reader = br
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, gzipError(name, err)
		}
		zr.Multistream(true)
		in = zr
	}

	var magic [4]byte
	if n, err := io.ReadFull(in, magic[:]); err != nil {
		return nil, shortError(name, err, "truncated: header needs 4 bytes of magic number, got %d", n)
	}
	m := binary.BigEndian.Uint32(magic[:])
	switch {
	case want != 0 && m != want:
		return nil, fmt.Errorf("dataset: %s: magic 0x%08x expected, got 0x%08x", name, want, m)
	case magic[0] != 0 || magic[1] != 0:
		return nil, fmt.Errorf("dataset: %s: magic 0x%08x is not an IDX magic number (0x0000ttnn)", name, m)
	case magic[2] != 0x08:
		return nil, fmt.Errorf("dataset: %s: magic 0x%08x: data type 0x%02x not supported (only unsigned bytes, 0x08)", name, m, magic[2])
	case magic[3] == 0:
		return nil, fmt.Errorf("dataset: %s: magic 0x%08x: no dimensions", name, m)
	}

	nd := int(magic[3])
	hdr := make([]byte, 4*nd)
	if n, err := io.ReadFull(in, hdr); err != nil {
		return nil, shortError(name, err, "truncated: header needs %d bytes of sizes for %d dimensions, got %d", len(hdr), nd, n)
	}
	f := &IDX{Magic: m, Dims: make([]int, nd)}
	size := int64(1)
	for i := range f.Dims {
		d := int64(binary.BigEndian.Uint32(hdr[4*i:]))
		f.Dims[i] = int(d)
		if size != 0 && d > maxIDXBytes/size {
			return nil, fmt.Errorf("dataset: %s: header announces sizes %v, more than %d bytes", name, dimsOf(hdr), int64(maxIDXBytes))
		}
		size *= d
	}

	data, err := readN(in, size)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("dataset: %s: truncated: sizes %v need %d bytes of data, got %d", name, f.Dims, size, len(data))
		}
		return nil, gzipError(name, err)
	}
	f.Data = data

	// The data must end here. Reading to the end also checks the gzip
	// checksum.
	var extra [1]byte
	n, err := io.ReadFull(in, extra[:])
	switch {
	case n > 0:
		// A damaged gzip stream can inflate to more bytes than the header
		// announces; its checksum tells corruption from a longer file.
		if _, isGzip := in.(*gzip.Reader); isGzip {
			if _, err := io.Copy(io.Discard, in); err != nil {
				return nil, gzipError(name, err)
			}
		}
		return nil, fmt.Errorf("dataset: %s: sizes %v need %d bytes of data, the file is longer", name, f.Dims, size)
	case err != io.EOF:
		return nil, gzipError(name, err)
	}
	return f, nil
}

// readN reads exactly size bytes, growing the buffer as data arrive so
// that a header announcing more data than the file holds does not make it
// allocate the announced size. On a short read it returns the bytes read
// and io.ErrUnexpectedEOF or io.EOF.
func readN(r io.Reader, size int64) ([]byte, error) {
	buf := make([]byte, 0, min(size, 1<<16))
	for int64(len(buf)) < size {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, int(min(int64(cap(buf)), size-int64(len(buf)))))
		}
		end := int(min(int64(cap(buf)), size))
		n, err := io.ReadFull(r, buf[len(buf):end])
		buf = buf[:len(buf)+n]
		if err != nil {
			if err == io.EOF && len(buf) > 0 {
				err = io.ErrUnexpectedEOF
			}
			return buf, err
		}
	}
	return buf, nil
}

func dimsOf(hdr []byte) []uint32 {
	d := make([]uint32, len(hdr)/4)
	for i := range d {
		d[i] = binary.BigEndian.Uint32(hdr[4*i:])
	}
	return d
}

// shortError reports a short read of a header: truncation if the stream
// ended, else the underlying (gzip or I/O) error.
func shortError(name string, err error, format string, args ...any) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("dataset: %s: "+format, append([]any{name}, args...)...)
	}
	return gzipError(name, err)
}

func gzipError(name string, err error) error {
	switch {
	case errors.Is(err, gzip.ErrHeader), errors.Is(err, gzip.ErrChecksum), errors.As(err, new(flate.CorruptInputError)):
		return fmt.Errorf("dataset: %s: corrupt gzip stream: %w", name, err)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fmt.Errorf("dataset: %s: truncated gzip stream: %w", name, err)
	}
	return fmt.Errorf("dataset: %s: %w", name, err)
}

// File names of the standard IDX files, without the optional ".gz". Some
// distributions write a dot instead of the last dash ("train-images.idx3-ubyte").
var idxFiles = [4][2]string{
	{"train-images-idx3-ubyte", "train-images.idx3-ubyte"},
	{"train-labels-idx1-ubyte", "train-labels.idx1-ubyte"},
	{"t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"},
	{"t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"},
}

// MNISTLabels is the number of classes of MNIST and Fashion-MNIST.
const MNISTLabels = 10

// findIDX returns the path of file k of idxFiles in dir with the given
// prefix: the plain name, else the name with ".gz", in either spelling.
func findIDX(dir, prefix string, k int) (string, error) {
	for _, base := range idxFiles[k] {
		for _, ext := range []string{"", ".gz"} {
			p := filepath.Join(dir, prefix+base+ext)
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("dataset: %s: no file %s%s[.gz]", dir, prefix, idxFiles[k][0])
}

// rawSet is an images set as read from IDX files, before scaling.
type rawSet struct {
	name       string
	rows, cols int
	pix        []byte
	y          []int
}

func (r *rawSet) len() int { return len(r.y) }

// set returns the rows idx as a byte Set, or all rows if idx is nil
// (then sharing r's pixels).
func (r *rawSet) set(name string, idx []int) *Set {
	d := r.rows * r.cols
	if idx == nil {
		return &Set{Name: name, Dim: d, Labels: MNISTLabels, Pix: r.pix, Y: r.y}
	}
	s := &Set{Name: name, Dim: d, Labels: MNISTLabels, Pix: make([]uint8, len(idx)*d), Y: make([]int, len(idx))}
	for k, i := range idx {
		copy(s.Pix[k*d:(k+1)*d], r.pix[i*d:(i+1)*d])
		s.Y[k] = r.y[i]
	}
	return s
}

// readRawSet reads an images file and a labels file and checks that they
// agree.
func readRawSet(images, labels string) (*rawSet, error) {
	fi, err := readFile(images, MagicImages)
	if err != nil {
		return nil, err
	}
	rows, cols := fi.Dims[1], fi.Dims[2]
	if rows == 0 || cols == 0 {
		return nil, fmt.Errorf("dataset: %s: images of size %d×%d", images, rows, cols)
	}
	fl, err := readFile(labels, MagicLabels)
	if err != nil {
		return nil, err
	}
	if fi.Dims[0] != fl.Dims[0] {
		return nil, fmt.Errorf("dataset: %s: %d labels for %d images in %s", labels, fl.Dims[0], fi.Dims[0], filepath.Base(images))
	}
	y := make([]int, len(fl.Data))
	for i, b := range fl.Data {
		if int(b) >= MNISTLabels {
			return nil, fmt.Errorf("dataset: %s: item %d: label %d out of range [0, %d)", labels, i, b, MNISTLabels)
		}
		y[i] = int(b)
	}
	return &rawSet{rows: rows, cols: cols, pix: fi.Data, y: y}, nil
}

func readFile(path string, magic uint32) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	return readIDX(f, path, magic)
}

// readRawSplit reads the training and test files of dir, concurrently.
func readRawSplit(dir, prefix string) (train, test *rawSet, err error) {
	var paths [4]string
	for k := range paths {
		if paths[k], err = findIDX(dir, prefix, k); err != nil {
			return nil, nil, err
		}
	}
	var wg sync.WaitGroup
	var errs [2]error
	wg.Go(func() { train, errs[0] = readRawSet(paths[0], paths[1]) })
	test, errs[1] = readRawSet(paths[2], paths[3])
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return nil, nil, err
	}
	if train.rows != test.rows || train.cols != test.cols {
		return nil, nil, fmt.Errorf("dataset: %s: training images are %d×%d, test images %d×%d",
			dir, train.rows, train.cols, test.rows, test.cols)
	}
	return train, test, nil
}

// LoadIDX reads the four MNIST-format files of dir: train-images-idx3-ubyte,
// train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
// t10k-labels-idx1-ubyte, each with the given file name prefix (usually
// ""), with or without ".gz" (the plain file is preferred if both exist;
// compression is detected from the content). Pixels are scaled by 1/255;
// Dim is rows×cols (784 for MNIST) and Labels is 10. The sets are named
// after the directory, "<base of dir>/train" and "<base of dir>/test".
//
// Errors name the file and the problem: a missing or truncated file, a
// wrong magic number, sizes that do not match the data, different numbers
// of images and labels, a label out of range.
func LoadIDX(dir, prefix string) (*Split, error) {
	train, test, err := readRawSplit(dir, prefix)
	if err != nil {
		return nil, err
	}
	base := filepath.Base(dir)
	var sp Split
	var wg sync.WaitGroup
	wg.Go(func() { sp.Train = train.set(base+"/train", nil) })
	sp.Test = test.set(base+"/test", nil)
	wg.Wait()
	return &sp, nil
}
