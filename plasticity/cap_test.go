package plasticity

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// bruteReluCap is cap_k(ReLU(u)) by definition (SPEC §1): ReLU maps
// v < 0 to +0 and keeps −0 (and NaN, which is never selected); then the
// k largest values fire, lower index first among equal values. It sorts
// the indices by (value descending, index ascending) — an independent
// route from capK's counting and quickselect. With k ≥ n every node
// fires, NaN included (the network's finiteness check reports a NaN).
func bruteReluCap(u []float64, k int) (fired []int32, h []float64) {
	n := len(u)
	r := make([]float64, n)
	var idx []int
	for i, v := range u {
		r[i] = v
		if v < 0 {
			r[i] = 0
		}
		if !math.IsNaN(v) || k >= n {
			idx = append(idx, i)
		}
	}
	if k < n {
		sort.SliceStable(idx, func(a, b int) bool { return r[idx[a]] > r[idx[b]] })
	}
	h = make([]float64, n)
	for _, i := range idx[:min(k, len(idx))] {
		fired = append(fired, int32(i))
		h[i] = r[i]
	}
	slices.Sort(fired)
	return fired, h
}

// TestCapReluMatchesBrute checks capK on raw pre-activations — negative
// values, −0, +0, ±Inf, NaN, many ties — against bruteReluCap, with the
// AVX2 kernels and with the plain Go loops, bit for bit (h's −0 stays
// −0), and checks that u is left unchanged.
func TestCapReluMatchesBrute(t *testing.T) {
	defer func(v bool) { useAVX2 = v }(useAVX2)
	paths := []bool{false}
	if useAVX2 {
		paths = append(paths, true)
	}
	special := []float64{math.Copysign(0, -1), 0, math.Inf(1), math.Inf(-1), -1e-300, 5e-324}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, avx := range paths {
		useAVX2 = avx
		for trial := 0; trial < 3000; trial++ {
			n := 1 + rng.IntN(130)
			k := 1 + rng.IntN(n)
			u := make([]float64, n)
			for i := range u {
				switch rng.IntN(6) {
				case 0:
					u[i] = special[rng.IntN(len(special))]
				case 1:
					u[i] = float64(rng.IntN(7) - 3) // ties, negatives
				default:
					u[i] = rng.NormFloat64()
				}
			}
			if trial%50 == 0 {
				u[rng.IntN(n)] = math.NaN()
			}
			in := slices.Clone(u)
			h := make([]float64, n)
			for i := range h {
				h[i] = 99 // every entry must be written
			}
			vals := make([]float64, n)
			got, ok := capKV(make([]int32, 0, 2), vals, h, u, make([]float64, n), k)
			wantF, wantH := bruteReluCap(in, k)
			// vals: the values at the fired nodes, in order; ok: k < n
			// and every one of them finite and positive.
			wantOK := k < n
			for p, i := range wantF {
				if p < len(got) && k < n && math.Float64bits(vals[p]) != math.Float64bits(wantH[i]) {
					t.Fatalf("avx2=%v cap_%d(%v): vals[%d] = %v, want %v", avx, k, in, p, vals[p], wantH[i])
				}
				wantOK = wantOK && wantH[i] > 0 && !math.IsInf(wantH[i], 0)
			}
			if ok != wantOK {
				t.Fatalf("avx2=%v cap_%d(%v): ok = %v, want %v", avx, k, in, ok, wantOK)
			}
			if !slices.Equal(got, wantF) {
				t.Fatalf("avx2=%v cap_%d(%v) = %v, want %v", avx, k, in, got, wantF)
			}
			for i := range h {
				if math.Float64bits(h[i]) != math.Float64bits(wantH[i]) {
					t.Fatalf("avx2=%v cap_%d(%v): h[%d] = %v, want %v", avx, k, in, i, h[i], wantH[i])
				}
			}
			for i := range u {
				if math.Float64bits(u[i]) != math.Float64bits(in[i]) {
					t.Fatalf("avx2=%v: capK changed u[%d]", avx, i)
				}
			}
		}
	}
}

// TestKthLargestMatchesSort: kthLargest's tau, number above and number
// equal against a sort, for every k: continuous values, heavy ties, all
// equal, one outlier far from a tight cluster, infinities, subnormals;
// float64, and float32 for every seventh k.
func TestKthLargestMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	gens := map[string]func(n int) []float64{
		"normal": func(n int) []float64 {
			v := make([]float64, n)
			for i := range v {
				v[i] = rng.NormFloat64()
			}
			return v
		},
		"ties": func(n int) []float64 {
			v := make([]float64, n)
			for i := range v {
				v[i] = float64(rng.IntN(7))
			}
			return v
		},
		"equal": func(n int) []float64 {
			v := make([]float64, n)
			for i := range v {
				v[i] = 2.5
			}
			return v
		},
		"outlier": func(n int) []float64 {
			v := make([]float64, n)
			for i := range v {
				v[i] = 1 + 1e-9*rng.Float64()
			}
			v[n/2] = 1e30
			return v
		},
		"infinite": func(n int) []float64 {
			v := make([]float64, n)
			for i := range v {
				v[i] = rng.Float64()
			}
			v[3], v[n-1] = math.Inf(1), math.Inf(-1)
			return v
		},
		"subnormal": func(n int) []float64 {
			v := make([]float64, n)
			for i := range v {
				v[i] = float64(rng.IntN(3)) * 5e-324
			}
			return v
		},
	}
	for name, gen := range gens {
		for _, n := range []int{5, 127, 128, 300, 1000} {
			v := gen(n)
			sorted := slices.Clone(v)
			slices.SortFunc(sorted, func(a, b float64) int { return cmp.Compare(b, a) })
			for k := 1; k <= n; k++ {
				want := sorted[k-1]
				wantAbove, wantEq := 0, 0
				for _, x := range v {
					wantAbove += b2i(x > want)
					wantEq += b2i(x == want)
				}
				tau, above, eqs := kthLargest(slices.Clone(v), k)
				if tau != want || above != wantAbove || eqs != wantEq {
					t.Fatalf("%s n=%d k=%d: kthLargest = (%v, %d, %d), want (%v, %d, %d)", name, n, k, tau, above, eqs, want, wantAbove, wantEq)
				}
				if k%7 == 0 && name != "infinite" {
					v32 := make([]float32, n)
					for i, x := range v {
						v32[i] = float32(x)
					}
					s32 := slices.Clone(v32)
					slices.SortFunc(s32, func(a, b float32) int { return cmp.Compare(b, a) })
					tau32, _, eqs32 := kthLargest(slices.Clone(v32), k)
					cnt := 0
					for _, x := range v32 {
						cnt += b2i(x == s32[k-1])
					}
					if tau32 != s32[k-1] || eqs32 != cnt {
						t.Fatalf("%s float32 n=%d k=%d: tau %v (%d equal), want %v (%d)", name, n, k, tau32, eqs32, s32[k-1], cnt)
					}
				}
			}
		}
	}
}
