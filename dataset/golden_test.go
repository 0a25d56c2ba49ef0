package dataset

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fingerprint returns a hash of a set's inputs (their bits) and labels.
func fingerprint(s *Set) uint64 {
	h := fnv.New64a()
	var b [8]byte
	for _, v := range s.Floats() {
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
		h.Write(b[:])
	}
	for _, y := range s.Y {
		binary.LittleEndian.PutUint64(b[:], uint64(y))
		h.Write(b[:])
	}
	return h.Sum64()
}

// TestGoldenSynthetic pins the synthetic sets of seed 0 (2,000 training
// and test points each), so that a change of the streams, the teachers or
// their centring does not go unnoticed. Run with -update after an
// intended change.
func TestGoldenSynthetic(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	for _, name := range syntheticNames {
		sp, err := Load(name, &Options{TrainSize: 2000, TestSize: 2000})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []*Set{sp.Train, sp.Test} {
			fmt.Fprintf(&out, "%-16s %016x %v\n", s.Name, fingerprint(s), s.Counts())
		}
	}
	path := filepath.Join("testdata", "synthetic.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run Golden -update to create it)", err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("synthetic sets changed:\n got:\n%s\nwant:\n%s", out.Bytes(), want)
	}
}
