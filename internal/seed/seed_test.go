package seed

import "testing"

// TestStreams: the same (seed, purpose, index) gives the same numbers;
// different purposes or indices give different streams.
func TestStreams(t *testing.T) {
	a, b := New(7, Network, 0), New(7, Network, 0)
	for i := 0; i < 10; i++ {
		if a.Uint64() != b.Uint64() {
			t.Fatal("same stream, different numbers")
		}
	}
	first := func(p, i uint64) uint64 { return New(7, p, i).Uint64() }
	seen := map[uint64]bool{}
	for _, p := range []uint64{Network, Order, Data, Sample, Rule, Genetics, Attack, Batches} {
		for i := uint64(0); i < 4; i++ {
			v := first(p, i)
			if seen[v] {
				t.Fatalf("streams (%d, %d) collide", p, i)
			}
			seen[v] = true
		}
	}
	if Stream(Network, 1) == Stream(Order, 0) {
		t.Error("stream numbers collide")
	}
}
