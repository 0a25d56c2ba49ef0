package attack

import "math"

// projTol is the tolerance within which Project's constraints must hold.
const projTol = 1e-9

// projIter is the largest number of (ball, box) projection pairs Project makes.
const projIter = 10

// Project moves dst onto the set {x' : ‖x' − center‖₂ ≤ eps} ∩ [0,1]^d:
// it projects onto the ball and then clips to the box, repeating the pair
// until both constraints hold within 1e-9 (at most 10 times). A point that
// already satisfies both is left unchanged. When center lies in the box the
// result is in the intersection after the first pair. dst and center must
// have the same length and eps must be non-negative.
func Project(dst, center []float64, eps float64) {
	if len(dst) != len(center) {
		panic("attack: Project: length mismatch")
	}
	if eps < 0 || math.IsNaN(eps) {
		panic("attack: Project: negative radius")
	}
	for it := 0; it < projIter; it++ {
		dist := dist2(dst, center)
		inBall := dist <= eps+projTol
		inBox := true
		for _, v := range dst {
			if v < -projTol || v > 1+projTol {
				inBox = false
				break
			}
		}
		if inBall && inBox {
			return
		}
		if dist > eps {
			s := eps / dist
			for i, c := range center {
				dst[i] = c + s*(dst[i]-c)
			}
		}
		for i, v := range dst {
			dst[i] = min(1, max(0, v))
		}
	}
}

// dist2 returns ‖a − b‖₂.
func dist2(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		d := v - b[i]
		s += d * d
	}
	return math.Sqrt(s)
}
