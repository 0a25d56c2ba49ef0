package plasticity

import (
	"fmt"

	"github.com/evolve-toolkit/evolve/dataset"
	"github.com/evolve-toolkit/evolve/internal/seed"
)

// Batches is the stream of batches the meta-learner (Meta) sees: outer
// epoch e (from 1) shuffles the running order of the training set with
// the generator (seed, seed.Batches, e) and cuts it into ⌊len/size⌋
// batches; step s (from 1) takes the ((s−1) mod perEpoch)-th batch of
// epoch ⌊(s−1)/perEpoch⌋ + 1. Batch gives any step, in any order, so an
// evolution run can see at generation g the batch of meta step g + 1. It
// is not safe for concurrent use.
type Batches struct {
	data     *dataset.Set
	size     int
	perEpoch int
	seed     uint64
	order    []int
	epoch    int // epoch whose order is in order (0: identity)
}

// NewBatches returns the stream of batches of size (at most len(data))
// of data for the seed, as Meta draws them.
func NewBatches(data *dataset.Set, size int, seed uint64) *Batches {
	if size < 1 {
		panic(fmt.Sprintf("plasticity: batches: size %d must be positive", size))
	}
	if data.Len() == 0 {
		panic("plasticity: batches: empty data set")
	}
	size = min(size, data.Len())
	b := &Batches{data: data, size: size, perEpoch: data.Len() / size, seed: seed, order: make([]int, data.Len())}
	b.reset()
	return b
}

func (b *Batches) reset() {
	for i := range b.order {
		b.order[i] = i
	}
	b.epoch = 0
}

// Size returns the number of examples of a batch.
func (b *Batches) Size() int { return b.size }

// PerEpoch returns the number of batches (steps) of an outer epoch.
func (b *Batches) PerEpoch() int { return b.perEpoch }

// Epoch returns the outer epoch (from 1) of step.
func (b *Batches) Epoch(step int) int { return (step-1)/b.perEpoch + 1 }

// NewBatch returns an empty batch of the right shape for Batch.
func (b *Batches) NewBatch() *dataset.Set {
	d := b.data
	s := &dataset.Set{Name: d.Name + "/batch", Dim: d.Dim, Labels: d.Labels, Y: make([]int, b.size)}
	if d.Bytes() {
		s.Pix = make([]uint8, b.size*d.Dim)
	} else {
		s.X = make([]float64, b.size*d.Dim)
	}
	return s
}

// Batch copies the batch of step (from 1) into dst (made by NewBatch).
func (b *Batches) Batch(dst *dataset.Set, step int) {
	if step < 1 {
		panic(fmt.Sprintf("plasticity: batches: step %d must be ≥ 1", step))
	}
	d := b.data
	if len(dst.Y) != b.size || dst.Bytes() != d.Bytes() || len(dst.X)+len(dst.Pix) != b.size*d.Dim {
		panic("plasticity: batches: dst has the wrong shape")
	}
	e := b.Epoch(step)
	if e < b.epoch {
		b.reset()
	}
	for b.epoch < e {
		b.epoch++
		rng := seed.New(b.seed, seed.Batches, uint64(b.epoch))
		rng.Shuffle(len(b.order), func(i, j int) { b.order[i], b.order[j] = b.order[j], b.order[i] })
	}
	pos := (step - 1) % b.perEpoch
	for i, idx := range b.order[pos*b.size : (pos+1)*b.size] {
		if d.Bytes() {
			copy(dst.Pix[i*d.Dim:(i+1)*d.Dim], d.RowBytes(idx))
		} else {
			copy(dst.X[i*d.Dim:(i+1)*d.Dim], d.X[idx*d.Dim:(idx+1)*d.Dim])
		}
		dst.Y[i] = d.Y[idx]
	}
}
