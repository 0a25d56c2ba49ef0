package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// shapes are m, n, k: the empty and 1×1 cases, sizes that are not
// multiples of the tile (6×8), of the row block mc = 120, of the column
// block nc = 2048 or of the depth block kc = 256 (k = 257, 600: two and
// three blocks), and the shapes of plasticity/credit (batch 256, N = 128,
// 28 inputs, 10 outputs); the last is large enough (m·n·k ≥ parMin) to be
// split over goroutines when GOMAXPROCS > 1.
var shapes = [][3]int{
	{0, 3, 2}, {3, 0, 2}, {3, 2, 0}, {1, 1, 1}, {7, 13, 5}, {5, 7, 13}, {6, 8, 1},
	{6, 8, 4}, {6, 8, 5}, {13, 17, 3}, {121, 9, 31}, {125, 2050, 3}, {11, 19, 257},
	{9, 10, 600}, {256, 128, 28}, {10, 128, 256}, {256, 10, 128}, {301, 131, 60},
}

// rnd fills a rows×cols matrix with stride ld ≥ cols; the padding holds
// NaN, so a product that reads it is wrong everywhere.
func rnd(rng *rand.Rand, rows, cols, ld int) []float64 {
	a := make([]float64, max(0, (rows-1)*ld+cols))
	for i := range a {
		if i%ld < cols {
			a[i] = rng.NormFloat64()
		} else {
			a[i] = math.NaN()
		}
	}
	return a
}

type testCase struct {
	ta, tb      bool
	m, n, k     int
	alpha, beta float64
	a, b, c     []float64
	lda, ldb    int
	ldc         int
}

// cases returns every shape in every transposition case with
// (alpha, beta) = (1, 0), (−0.7, 1), (1.3, 0.5), (0, 2); where beta = 0,
// c holds NaN, which Gemm must overwrite. Strides exceed the widths by
// 0 or 3.
func cases(seed uint64) []testCase {
	rng := rand.New(rand.NewPCG(seed, 1))
	var out []testCase
	ab := [][2]float64{{1, 0}, {-0.7, 1}, {1.3, 0.5}, {0, 2}}
	for s, sh := range shapes {
		m, n, k := sh[0], sh[1], sh[2]
		for tc := range 4 {
			ta, tb := tc&1 != 0, tc&2 != 0
			p := ab[(s+tc)%len(ab)]
			pad := 3 * ((s + tc) % 2)
			ar, ac := m, k
			if ta {
				ar, ac = k, m
			}
			br, bc := k, n
			if tb {
				br, bc = n, k
			}
			t := testCase{ta: ta, tb: tb, m: m, n: n, k: k, alpha: p[0], beta: p[1],
				lda: max(1, ac+pad), ldb: max(1, bc+pad), ldc: max(1, n+pad)}
			t.a = rnd(rng, ar, ac, t.lda)
			t.b = rnd(rng, br, bc, t.ldb)
			t.c = rnd(rng, m, n, t.ldc)
			if t.beta == 0 {
				for i := range t.c {
					t.c[i] = math.NaN()
				}
			}
			out = append(out, t)
		}
	}
	return out
}

func (t testCase) String() string {
	return fmt.Sprintf("ta=%v tb=%v m=%d n=%d k=%d alpha=%g beta=%g", t.ta, t.tb, t.m, t.n, t.k, t.alpha, t.beta)
}

func (t testCase) run() []float64 {
	c := append([]float64(nil), t.c...)
	Gemm(t.ta, t.tb, t.m, t.n, t.k, t.alpha, t.a, t.lda, t.b, t.ldb, t.beta, c, t.ldc)
	return c
}

func (t testCase) opA(i, p int) float64 {
	if t.ta {
		return t.a[p*t.lda+i]
	}
	return t.a[i*t.lda+p]
}

func (t testCase) opB(p, j int) float64 {
	if t.tb {
		return t.b[j*t.ldb+p]
	}
	return t.b[p*t.ldb+j]
}

// TestGemmMatchesNaive compares Gemm with the triple loop of the
// definition. Both sum k rounded terms, so each differs from the exact
// value by at most about (k+2)·ε·(|α| Σ_p |a_ip b_pj| + |β c_ij|) (the
// standard bound for a sum of products, Higham 2002 §3.1); the test
// allows twice that. A term lost or counted twice, or a value read from
// the NaN padding, is far outside it. Elements of c outside the m×n
// matrix must be untouched.
func TestGemmMatchesNaive(t *testing.T) {
	for _, tc := range cases(1) {
		got := tc.run()
		for i := 0; i < tc.m; i++ {
			for j := 0; j < tc.ldc && i*tc.ldc+j < len(got); j++ {
				idx := i*tc.ldc + j
				if j >= tc.n {
					if math.Float64bits(got[idx]) != math.Float64bits(tc.c[idx]) {
						t.Fatalf("%v: c[%d][%d] outside the matrix changed", tc, i, j)
					}
					continue
				}
				var s, mag float64
				for p := 0; p < tc.k; p++ {
					x := tc.opA(i, p) * tc.opB(p, j)
					s += x
					mag += math.Abs(x)
				}
				want := tc.alpha * s
				mag *= math.Abs(tc.alpha)
				if tc.beta != 0 {
					want += tc.beta * tc.c[idx]
					mag += math.Abs(tc.beta * tc.c[idx])
				}
				tol := 2 * float64(tc.k+2) * 0x1p-52 * mag
				if d := math.Abs(got[idx] - want); !(d <= tol) {
					t.Fatalf("%v: c[%d][%d] = %v, want %v (diff %g > %g)", tc, i, j, got[idx], want, d, tol)
				}
			}
		}
	}
}

// TestGemmFMAOrder checks the summation the doc promises on a case where
// it shows: a = (1, 1+2⁻³⁰), b = (−1, 1−2⁻³⁰), whose exact sum is
// −1 + (1 − 2⁻⁶⁰) = −2⁻⁶⁰. In order of k with fused terms,
// fma(1+2⁻³⁰, 1−2⁻³⁰, fma(1, −1, 0)) = −2⁻⁶⁰ exactly. Rounding the
// product first gives −1 + 1 = 0 (1−2⁻⁶⁰ rounds to 1), and so does the
// reverse order, fma(1, −1, round(1−2⁻⁶⁰)) = 0.
func TestGemmFMAOrder(t *testing.T) {
	a := []float64{1, 1 + 0x1p-30}
	b := []float64{-1, 1 - 0x1p-30}
	want := -0x1p-60
	for _, asm := range []bool{false, true} {
		if asm && !hasAsm() {
			continue
		}
		withAsm(t, asm, func() {
			c := []float64{math.NaN()}
			Gemm(false, false, 1, 1, 2, 1, a, 2, b, 1, 0, c, 1)
			if c[0] != want {
				t.Errorf("asm=%v: got %v, want %v", asm, c[0], want)
			}
		})
	}
}

func hasAsm() bool { return useAsm }

// withAsm runs f with the assembly kernel on or off.
func withAsm(t *testing.T, on bool, f func()) {
	t.Helper()
	old := useAsm
	useAsm = on
	defer func() { useAsm = old }()
	f()
}

// TestAsmMatchesGo checks that the assembly kernel and the Go one give
// bit-identical results on every case.
func TestAsmMatchesGo(t *testing.T) {
	if !useAsm {
		t.Skip("no AVX2/FMA kernel on this processor or build")
	}
	for _, tc := range cases(2) {
		var g, a []float64
		withAsm(t, false, func() { g = tc.run() })
		withAsm(t, true, func() { a = tc.run() })
		for i := range g {
			if math.Float64bits(g[i]) != math.Float64bits(a[i]) {
				t.Fatalf("%v: c[%d] = %v with assembly, %v in Go", tc, i, a[i], g[i])
			}
		}
	}
}

// TestGOMAXPROCS checks that a product large enough to be split over
// goroutines (m·n·k ≥ parMin, several row blocks) gives the same bits
// at GOMAXPROCS 1, 2 and 3.
func TestGOMAXPROCS(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 1))
	m, n, k := 377, 130, 300
	a, b := rnd(rng, m, k, k), rnd(rng, k, n, n)
	if m*n*k < parMin {
		t.Fatal("shape too small to be split")
	}
	old := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(old)
	var ref []float64
	for _, p := range []int{1, 2, 3} {
		runtime.GOMAXPROCS(p)
		c := make([]float64, m*n)
		Gemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
		if ref == nil {
			ref = c
			continue
		}
		for i := range c {
			if math.Float64bits(c[i]) != math.Float64bits(ref[i]) {
				t.Fatalf("GOMAXPROCS %d: c[%d] = %v, %v at 1", p, i, c[i], ref[i])
			}
		}
	}
}

// TestGemmPanics checks that inconsistent lengths and strides panic.
func TestGemmPanics(t *testing.T) {
	a, b, c := make([]float64, 6), make([]float64, 6), make([]float64, 4)
	for name, f := range map[string]func(){
		"short a":   func() { Gemm(false, false, 2, 2, 4, 1, a, 4, b, 2, 0, c, 2) },
		"short c":   func() { Gemm(false, false, 2, 3, 3, 1, a, 3, b, 3, 0, c, 3) },
		"small lda": func() { Gemm(false, false, 2, 2, 3, 1, a, 2, b, 2, 0, c, 2) },
		"negative":  func() { Gemm(false, false, -1, 2, 3, 1, a, 3, b, 2, 0, c, 2) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
