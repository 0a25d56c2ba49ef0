package dataset

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

func benchLoad(b *testing.B, name string, opt *Options) {
	skipWithoutFashion(b, name)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(name, opt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadMNIST reads the four gzipped files and converts all 70,000
// images to float64.
func BenchmarkLoadMNIST(b *testing.B) { benchLoad(b, "mnist", nil) }

// BenchmarkLoadMNISTPaper keeps the paper's 10,000 training images.
func BenchmarkLoadMNISTPaper(b *testing.B) { benchLoad(b, "mnist", &Options{TrainSize: 10000}) }

func BenchmarkLoadFashion(b *testing.B) { benchLoad(b, "fashion", nil) }

func BenchmarkLoadSynthetic(b *testing.B) {
	for _, name := range syntheticNames {
		b.Run(name, func(b *testing.B) { benchLoad(b, name, nil) })
	}
}

// BenchmarkReadImages decodes the gzipped MNIST training images.
func BenchmarkReadImages(b *testing.B) {
	dir, err := DefaultDir("mnist")
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, "train-images-idx3-ubyte.gz")
	b.ReportAllocs()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, _, err := ReadImages(f, path); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}

// BenchmarkTeacher measures the score of one point; it must not allocate.
func BenchmarkTeacher(b *testing.B) {
	x := gaussianPoints(1, SyntheticDim, rand.New(rand.NewPCG(1, 1)))
	for _, name := range syntheticNames {
		t := teacherOf(b, name, 1)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				t.score(x)
			}
		})
	}
}

func BenchmarkSample(b *testing.B) {
	s := &Set{Dim: 784, Labels: 10, X: make([]float64, 60000*784), Y: make([]int, 60000)}
	src := rand.NewPCG(1, 1)
	b.ReportAllocs()
	for b.Loop() {
		s.Sample(10000, src)
	}
}
