package plasticity

import (
	"slices"
	"testing"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/seed"
)

// TestBatchesRandomAccess: Batch gives the same batch for a step whether
// the steps are visited in order, backwards or at random, and equals an
// independent replay of Meta's rule (epoch e shuffles the running order
// with stream (seed, Batches, e)); the batches of an epoch are disjoint.
func TestBatchesRandomAccess(t *testing.T) {
	t.Parallel()
	const n, size = 23, 5 // 4 batches per epoch, 3 examples left over
	data := &dataset.Set{Name: "idx", Dim: 1, Labels: n, X: make([]float64, n), Y: make([]int, n)}
	for i := range n {
		data.X[i], data.Y[i] = float64(i), i
	}
	// Independent replay.
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	var want [][]int
	for e := 1; e <= 3; e++ {
		rng := seed.New(9, seed.Batches, uint64(e))
		rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
		for b := range 4 {
			want = append(want, slices.Clone(order[b*size:(b+1)*size]))
		}
	}
	bs := NewBatches(data, size, 9)
	dst := bs.NewBatch()
	check := func(step int) {
		bs.Batch(dst, step)
		if !slices.Equal(dst.Y, want[step-1]) {
			t.Errorf("step %d: batch %v, want %v", step, dst.Y, want[step-1])
		}
	}
	for s := 1; s <= 12; s++ {
		check(s)
	}
	for s := 12; s >= 1; s-- {
		check(s)
	}
	for _, s := range []int{7, 2, 11, 5, 5, 12, 1} {
		check(s)
	}
	seen := map[int]bool{}
	for s := 1; s <= 4; s++ {
		bs.Batch(dst, s)
		for _, y := range dst.Y {
			if seen[y] {
				t.Fatalf("example %d appears twice in epoch 1", y)
			}
			seen[y] = true
		}
	}
}
