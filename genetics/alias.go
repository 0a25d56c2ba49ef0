package genetics

import (
	"fmt"
	"math"
)

// aliasTable samples an index in proportion to nonnegative weights in O(1).
// Under weak selection (mean weight at least half the largest) it uses
// rejection from the uniform distribution: draw i uniformly and accept it
// with probability w_i/max w, at most 2 draws on average and a build of two
// cheap passes. Otherwise it uses Walker's alias method (Walker 1977;
// construction after Vose 1991). Thresholds are 32-bit fixed-point, so one
// 64-bit random number gives both the index (high 32 bits) and the coin (low
// 32 bits).
type aliasTable struct {
	reject bool     // rejection sampling; otherwise the alias method
	thr    []uint64 // acceptance threshold in units of 2^-32; 1<<32 always accepts
	alias  []int32
	q      []float64
	small  []int32
	large  []int32
}

func newAliasTable(n int) *aliasTable {
	return &aliasTable{
		thr: make([]uint64, n), alias: make([]int32, n), q: make([]float64, n),
		small: make([]int32, 0, n), large: make([]int32, 0, n),
	}
}

// build prepares the table for weights w (len(w) = n). It returns an error if
// the weights do not have a positive finite sum.
func (a *aliasTable) build(w []float64) error {
	n := len(w)
	sum := 0.0
	for _, v := range w {
		sum += v
	}
	if !(sum > 0) || math.IsInf(sum, 1) {
		return fmt.Errorf("genetics: total fitness %g is not positive and finite", sum)
	}
	mx := 0.0
	for _, v := range w {
		if v > mx {
			mx = v
		}
	}
	if a.reject = sum >= 0.5*mx*float64(n); a.reject {
		scale := (1 << 32) / mx
		for i, v := range w {
			a.thr[i] = uint64(v * scale)
		}
		return nil
	}
	scale := float64(n) / sum
	small, large := a.small[:0], a.large[:0]
	for i, v := range w {
		a.q[i] = v * scale
		if a.q[i] < 1 {
			small = append(small, int32(i))
		} else {
			large = append(large, int32(i))
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s := small[len(small)-1]
		small = small[:len(small)-1]
		l := large[len(large)-1]
		a.thr[s] = uint64(a.q[s] * (1 << 32))
		a.alias[s] = l
		a.q[l] = (a.q[l] + a.q[s]) - 1
		if a.q[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	// Leftovers have q = 1 up to rounding.
	for _, i := range large {
		a.thr[i], a.alias[i] = 1<<32, i
	}
	for _, i := range small {
		a.thr[i], a.alias[i] = 1<<32, i
	}
	a.small, a.large = small, large
	return nil
}

// sample returns an index drawn with the generator g.
func (a *aliasTable) sample(g *fastGen) int {
	n := uint64(len(a.thr))
	for {
		u := g.next()
		i := int((u >> 32) * n >> 32)
		if u&0xffffffff < a.thr[i] {
			return i
		}
		if !a.reject {
			return int(a.alias[i])
		}
	}
}
