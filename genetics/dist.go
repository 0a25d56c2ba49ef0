package genetics

import "math"

// binomialPMF writes the Binomial(n, x) probabilities of 0…n into dst
// (length n+1).
func binomialPMF(dst []float64, n int, x float64) {
	dst = dst[:n+1]
	switch {
	case x <= 0:
		clear(dst)
		dst[0] = 1
		return
	case x >= 1:
		clear(dst)
		dst[n] = 1
		return
	}
	if n <= 64 {
		// Small n: the dynamic programme is exact to rounding.
		dst[0] = 1
		for j := 1; j <= n; j++ {
			dst[j] = dst[j-1] * x
			for k := j - 1; k > 0; k-- {
				dst[k] = dst[k]*(1-x) + dst[k-1]*x
			}
			dst[0] *= 1 - x
		}
		return
	}
	lx, l1x := math.Log(x), math.Log1p(-x)
	ln, _ := math.Lgamma(float64(n + 1))
	for k := range dst {
		lk, _ := math.Lgamma(float64(k + 1))
		lnk, _ := math.Lgamma(float64(n - k + 1))
		dst[k] = math.Exp(ln - lk - lnk + float64(k)*lx + float64(n-k)*l1x)
	}
}

// poissonBinomialPMF writes the distribution of the number of successes of
// independent Bernoulli(x_j) trials into dst (length len(x)+1).
func poissonBinomialPMF(dst []float64, x []float64) {
	n := len(x)
	dst = dst[:n+1]
	clear(dst)
	dst[0] = 1
	for j, xj := range x {
		dst[j+1] = dst[j] * xj
		for k := j; k > 0; k-- {
			dst[k] = dst[k]*(1-xj) + dst[k-1]*xj
		}
		dst[0] *= 1 - xj
	}
}

// deconvolve writes into dst (length len(f)−1) the distribution q with
// f = q * Bernoulli(x), that is the Poisson-binomial distribution with the
// trial of probability x removed. Division runs forward for x ≤ ½ and
// backward otherwise, so that rounding errors are never amplified.
func deconvolve(dst, f []float64, x float64) {
	n := len(f) - 1
	dst = dst[:n]
	f = f[:n+1]
	if x <= 0.5 {
		inv := 1 / (1 - x)
		prev := 0.0
		for k := range dst {
			prev = (f[k] - x*prev) * inv
			dst[k] = prev
		}
		return
	}
	inv, y := 1/x, 1-x
	next := 0.0
	for k := n; k > 0; k-- {
		next = (f[k] - y*next) * inv
		dst[k-1] = next
	}
}

// allEqual reports whether all entries of x are equal.
func allEqual(x []float64) bool {
	for _, v := range x[1:] {
		if v != x[0] {
			return false
		}
	}
	return true
}
