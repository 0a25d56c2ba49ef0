package plasticity

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
)

// SplitClassLoss is ClassLoss with its examples split into a fixed number
// of consecutive parts, each evaluated on a private copy of the network
// (shared masks and input weights, own U, W and workspace) by its own
// goroutine. The parts' results are combined in part order with weights
// |part|/|examples|, so the value does not depend on GOMAXPROCS (it
// differs from ClassLoss's single sum only by rounding).
type SplitClassLoss struct {
	parts []*ClassLoss
	w     []float64   // |part| / |examples|
	out   [][]float64 // per-part results
	vals  []float64
	size  int
}

// NewSplitClassLoss returns the mean loss of net on xs, ys split into
// parts (at most len(xs); if parts is 0, 8 is used). net is not modified.
func NewSplitClassLoss(net *Network, xs [][]float64, ys []int, loss Loss, parts int) *SplitClassLoss {
	if len(xs) != len(ys) || len(xs) == 0 {
		panic("plasticity: NewSplitClassLoss: need equal, non-zero numbers of inputs and labels")
	}
	if parts <= 0 {
		parts = 8
	}
	parts = min(parts, len(xs))
	s := &SplitClassLoss{size: len(net.U) + len(net.W)}
	for p := 0; p < parts; p++ {
		lo, hi := p*len(xs)/parts, (p+1)*len(xs)/parts
		c := *net
		c.W, c.U = slices.Clone(net.W), slices.Clone(net.U)
		c.ws, c.dt = newWorkspace(net.n, net.m, net.T), nil
		s.parts = append(s.parts, NewClassLoss(&c, xs[lo:hi], ys[lo:hi], loss))
		s.w = append(s.w, float64(hi-lo)/float64(len(xs)))
		s.out = append(s.out, make([]float64, s.size))
	}
	s.vals = make([]float64, parts)
	return s
}

// Len returns len(U) + len(W).
func (s *SplitClassLoss) Len() int { return s.size }

// Params returns a copy of the network's θ = (U, W) at construction.
func (s *SplitClassLoss) Params() []float64 { return s.parts[0].Params() }

func (s *SplitClassLoss) run(f func(p int)) {
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for p := range s.parts {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			f(p)
		}()
	}
	wg.Wait()
}

func (s *SplitClassLoss) combine(dst []float64) {
	if len(dst) != s.size {
		panic(fmt.Sprintf("plasticity: SplitClassLoss: len(dst)=%d, want %d", len(dst), s.size))
	}
	clear(dst)
	for p, o := range s.out {
		w := s.w[p]
		for i, v := range o {
			dst[i] += w * v
		}
	}
}

// Grad sets dst to ∇L(θ) and returns L(θ).
func (s *SplitClassLoss) Grad(dst, theta []float64) float64 {
	s.run(func(p int) { s.vals[p] = s.parts[p].Grad(s.out[p], theta) })
	s.combine(dst)
	var l float64
	for p, v := range s.vals {
		l += s.w[p] * v
	}
	return l
}

// HessVec sets dst to ∇²L(θ) v with the cap masks of θ held fixed.
func (s *SplitClassLoss) HessVec(dst, theta, v []float64) {
	s.run(func(p int) { s.parts[p].HessVec(s.out[p], theta, v) })
	s.combine(dst)
}
