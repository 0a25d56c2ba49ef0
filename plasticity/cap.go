package plasticity

import "math"

// capK writes cap_k(ReLU(u)) to h (dense) and appends the selected
// indices, in increasing order, to dst. It keeps the k largest values of
// ReLU(u); among equal values the lower index wins. ReLU maps a value
// below 0 to +0 and keeps −0 and NaN (a NaN is never selected). u is not
// modified. buf is scratch of length len(u).
//
// The loops are branch-free: which of the values pass is a coin flip for
// the branch predictor, and a mispredicted branch per value cost more
// than the selection itself. With AVX2 the two passes over u (capScan,
// capTake) handle four values per instruction.
func capK(dst []int32, h, u, buf []float64, k int) []int32 {
	dst, _ = capKV(dst, make([]float64, len(u)), h, u, buf, k)
	return dst
}

// capKV is capK that also writes the selected values, in the order of
// their indices, to vals (len(vals) ≥ len(u)), and reports whether they
// are all finite and non-zero — then a round that reads them (see
// gatherRound) needs no pass over the fired nodes to find its factors.
func capKV(dst []int32, vals, h, u, buf []float64, k int) ([]int32, bool) {
	n := len(u)
	if k >= n {
		for i, v := range u {
			h[i] = reluv(v)
			dst = append(dst, int32(i))
		}
		return dst, false
	}
	// The k-th largest value after ReLU is 0 unless more than k values
	// are positive, and then it is the k-th largest of the positive ones.
	// Selecting among those only halves the work in the usual case.
	m, zeros := capScan(buf[:n], u)
	// With at most k positive values the threshold is 0: every positive
	// value is kept, then zeros, lowest index first.
	tau, above, eqs := 0.0, m, zeros
	if m > k {
		tau, above, eqs = kthLargest(buf[:m], k)
	}
	// The values equal to tau at indices below lim are kept: all of them
	// if all are needed, else up to the ties-th one.
	ties, lim := k-above, n
	if ties < eqs {
		lim = capLim(u, tau, ties)
	}
	dst, finite := capTake(dst, vals, h, u, tau, lim)
	// With tau > 0, or no ties at tau = 0, every value taken is positive.
	return dst, finite && (tau > 0 || ties == 0)
}

// capLim returns one past the index of the ties-th value of u equal to
// tau after ReLU (0 if ties is 0); there are more than ties such values.
func capLim(u []float64, tau float64, ties int) int {
	if ties <= 0 {
		return 0
	}
	i, cnt := 0, 0
	if useAVX2 {
		i = len(u) &^ 3
		lim, found := capLimAVX2(u[:i], tau, ties)
		if found {
			return lim
		}
		cnt = lim
	}
	for ; i < len(u); i++ {
		cnt += b2i(reluv(u[i]) == tau)
		if cnt == ties {
			return i + 1
		}
	}
	panic("plasticity: capLim: fewer ties than expected")
}

// reluv is ReLU of one value, branch-free: below 0 becomes +0; −0 and
// NaN stay.
func reluv(v float64) float64 {
	return math.Float64frombits(math.Float64bits(v) &^ -uint64(b2i(v < 0)))
}

// capScan copies the positive values of u, in order, to the front of buf
// and returns their number m and the number of values that are 0 after
// ReLU (v ≤ 0; NaN is neither).
func capScan(buf, u []float64) (m, zeros int) {
	i := 0
	if useAVX2 {
		i = len(u) &^ 3
		m, zeros = capScanAVX2(buf, u[:i])
	}
	for _, v := range u[i:] {
		buf[m] = v
		m += b2i(v > 0)
		zeros += b2i(v <= 0)
	}
	return m, zeros
}

// capTake writes to h the values of ReLU(u) above tau and those equal to
// tau at indices below lim, zero elsewhere, appends their indices to dst
// and writes the values, in the same order, to vals (len(vals) ≥ len(u)).
// tau ≥ 0. It reports whether no value taken is +Inf.
func capTake(dst []int32, vals, h, u []float64, tau float64, lim int) ([]int32, bool) {
	n := len(u)
	base := len(dst)
	if cap(dst)-base < n {
		dst = append(dst[:cap(dst)], make([]int32, base+n-cap(dst))...)
	}
	out := dst[base : base+n]
	h, vals = h[:n], vals[:n]
	cnt, i, inf := 0, 0, false
	if useAVX2 {
		i = n &^ 3
		cnt, inf = capTakeAVX2(out, vals, h, u[:i], tau, lim)
	}
	infs := 0
	for ; i < n; i++ {
		v := reluv(u[i])
		take := b2i(v > tau) | b2i(v == tau)&b2i(i < lim)
		hv := math.Float64frombits(math.Float64bits(v) & -uint64(take))
		out[cnt], vals[cnt] = int32(i), hv
		cnt += take
		h[i] = hv
		infs |= b2i(hv > math.MaxFloat64)
	}
	return dst[:base+cnt], !inf && infs == 0
}

// b2i is 1 for true and 0 for false; the compiler makes it a SETcc.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// kthLargest returns the k-th largest value tau of buf (1-based; float64
// for the exact passes, float32 for the fast evaluation), the
// number of values above it and the number equal to it, reordering buf.
// buf holds no NaN. It is quickselect with branch-free partitions: first
// the values above the pivot to the front, then, among the rest, those
// equal to it, so many equal values cost linear time. The counts come
// free: buf[:lo] is always above everything in buf[lo:hi+1], and
// buf[hi+1:] below it.
func kthLargest[F float32 | float64](buf []F, k int) (tau F, above, eqs int) {
	lo, hi := 0, len(buf)-1
	target := k - 1
	for lo < hi {
		a, b, c := buf[lo], buf[lo+(hi-lo)/2], buf[hi]
		// median of three
		pivot := b
		if (a > b) != (a > c) {
			pivot = a
		} else if (c > a) != (c > b) {
			pivot = c
		}
		gt := lo // buf[lo:gt] > pivot
		for i := lo; i <= hi; i++ {
			v := buf[i]
			buf[i] = buf[gt]
			buf[gt] = v
			gt += b2i(v > pivot)
		}
		if target < gt {
			hi = gt - 1
			continue
		}
		eq := gt // buf[gt:eq] == pivot, buf[eq:hi+1] < pivot
		for i := gt; i <= hi; i++ {
			v := buf[i]
			buf[i] = buf[eq]
			buf[eq] = v
			eq += b2i(v == pivot)
		}
		if target < eq {
			return pivot, gt, eq - gt
		}
		lo = eq
	}
	return buf[lo], lo, 1
}
