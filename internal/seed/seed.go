// Package seed derives independent, reproducible random streams from one
// user seed. Every stream is a PCG generator keyed by (seed, stream); the
// stream number names a purpose (graph, data order, ...) and, where work
// is split, a worker or replicate index. Streams are fixed before any
// goroutine starts, so results never depend on the number of goroutines.
package seed

import "math/rand/v2"

// Purposes of the streams derived from a seed. Each package uses its own
// purpose constants so that adding a stream never shifts another one.
const (
	Network  uint64 = 1 + iota // masks and input weights of a network
	Order                      // order of training examples
	Data                       // synthetic data generation
	Sample                     // choice of subsets (training subsets, attack images)
	Rule                       // initial rule parameters
	Genetics                   // populations
	Attack                     // attacks
	Batches                    // meta-learning batches
)

// Stream returns the stream for the given purpose and index. Different
// (purpose, index) pairs give statistically independent streams.
func Stream(purpose, index uint64) uint64 {
	return purpose<<40 ^ index
}

// New returns a generator for seed and stream(purpose, index).
func New(seed, purpose, index uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, Stream(purpose, index)))
}

// PCG returns the bare PCG source for seed and stream(purpose, index), for
// callers that checkpoint the generator state with MarshalBinary.
func PCG(seed, purpose, index uint64) *rand.PCG {
	return rand.NewPCG(seed, Stream(purpose, index))
}
