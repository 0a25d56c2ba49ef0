package gemm

import (
	"math"
	"runtime"
	"sync"
)

// Block sizes. The micro-kernel computes an mr×nr tile of C; a kc-long
// slice of the sum is one call of it (a micro-panel of op(B), kc×nr =
// 16 KiB, stays in L1 while the mc×kc block of op(A), 240 KiB, streams
// from L2). Each element's sum is split at multiples of kc only: its
// order does not depend on the number of goroutines.
const (
	mr = 6
	nr = 8
	kc = 256
	mc = 120 // a multiple of mr
	nc = 2048
)

// parMin is the number of multiply-adds from which Gemm splits the rows
// of C over goroutines.
const parMin = 1 << 21

// work holds the packed blocks of one goroutine.
type work struct {
	a   [mc * kc]float64
	b   []float64 // kc × min(n, nc), rounded up to nr columns
	tmp [mr * nr]float64
}

// free holds the workspaces not in use. Unlike a sync.Pool it is never
// emptied by the garbage collector, so Gemm does not allocate in steady
// state; it holds at most as many workspaces as goroutines ever ran
// Gemm at once.
var free struct {
	sync.Mutex
	w []*work
}

func getWork() *work {
	free.Lock()
	defer free.Unlock()
	if n := len(free.w); n > 0 {
		w := free.w[n-1]
		free.w = free.w[:n-1]
		return w
	}
	return new(work)
}

func putWork(w *work) {
	free.Lock()
	free.w = append(free.w, w)
	free.Unlock()
}

// Gemm sets c = alpha·op(a)·op(b) + beta·c, where op(a) is m×k, op(b) is
// k×n and c is m×n; op transposes its argument when ta (tb) is true. All
// matrices are row-major with row strides lda, ldb, ldc, as in blas64:
// a is m×k (k×m if ta), b is k×n (n×k if tb).
//
// With beta = 0, c is overwritten (NaN in c does not propagate). Each
// element is Σ over blocks of kc terms of fma(alpha, s, c), s the block's
// sum accumulated with fused multiply-adds in order of k; the result is
// the same on every processor, with or without the assembly kernel, and
// for every GOMAXPROCS.
func Gemm(ta, tb bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	checkDims(ta, tb, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if beta != 1 {
		for i := 0; i < m; i++ {
			row := c[i*ldc : i*ldc+n]
			if beta == 0 {
				clear(row)
				continue
			}
			for j := range row {
				row[j] *= beta
			}
		}
	}
	if alpha == 0 || k == 0 {
		return
	}
	w := getWork()
	defer putWork(w)
	nb := (min(n, nc) + nr - 1) / nr * nr
	if cap(w.b) < kc*nb {
		w.b = make([]float64, kc*nb)
	}
	bp := w.b[:kc*nb]
	workers := 1
	if m*n*k >= parMin {
		workers = min(runtime.GOMAXPROCS(0), (m+mr-1)/mr)
	}
	for jc := 0; jc < n; jc += nc {
		nn := min(nc, n-jc)
		for pc := 0; pc < k; pc += kc {
			kk := min(kc, k-pc)
			packB(bp, tb, b, ldb, pc, kk, jc, nn)
			if workers <= 1 {
				for ic := 0; ic < m; ic += mc {
					block(w, bp, ta, a, lda, ic, min(mc, m-ic), pc, kk, jc, nn, alpha, c, ldc)
				}
				continue
			}
			parallel(workers, w, bp, ta, a, lda, m, pc, kk, jc, nn, alpha, c, ldc)
		}
	}
}

// parallel runs a packed block of op(b) on workers goroutines, each
// taking an equal span of rows of c (a multiple of mr) in row blocks of
// at most mc. Each element of c is written by one goroutine, its sum in
// the same order as in the serial loop. (A function of its own, so the
// variables of Gemm are not captured and stay off the heap.)
func parallel(workers int, w *work, bp []float64, ta bool, a []float64, lda, m, pc, kk, jc, nn int, alpha float64, c []float64, ldc int) {
	span := ((m+workers-1)/workers + mr - 1) / mr * mr
	rows := func(w *work, g int) {
		end := min(m, (g+1)*span)
		for ic := g * span; ic < end; ic += mc {
			block(w, bp, ta, a, lda, ic, min(mc, end-ic), pc, kk, jc, nn, alpha, c, ldc)
		}
	}
	var wg sync.WaitGroup
	for g := 1; g < workers && g*span < m; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws := getWork()
			rows(ws, g)
			putWork(ws)
		}()
	}
	rows(w, 0)
	wg.Wait()
}

// block adds alpha times the product of rows ic..ic+mm−1 of op(a),
// columns pc..pc+kk−1, and the packed block bp of op(b) to c.
func block(w *work, bp []float64, ta bool, a []float64, lda, ic, mm, pc, kk, jc, nn int, alpha float64, c []float64, ldc int) {
	ap := w.a[:]
	packA(ap, ta, a, lda, ic, mm, pc, kk)
	for jr := 0; jr < nn; jr += nr {
		nj := min(nr, nn-jr)
		bpan := bp[jr*kk : (jr+nr)*kk]
		for ir := 0; ir < mm; ir += mr {
			mi := min(mr, mm-ir)
			apan := ap[ir*kk : (ir+mr)*kk]
			off := (ic+ir)*ldc + jc + jr
			if mi == mr && nj == nr {
				kernel(kk, apan, bpan, c[off:off+(mr-1)*ldc+nr], ldc, alpha)
				continue
			}
			t := w.tmp[:]
			for i := 0; i < mi; i++ {
				copy(t[i*nr:i*nr+nj], c[off+i*ldc:off+i*ldc+nj])
			}
			kernel(kk, apan, bpan, t, nr, alpha)
			for i := 0; i < mi; i++ {
				copy(c[off+i*ldc:off+i*ldc+nj], t[i*nr:i*nr+nj])
			}
		}
	}
}

// packA writes rows ic..ic+mm−1, columns pc..pc+kk−1 of op(a) to dst in
// panels of mr rows, each stored column by column (mr values per k),
// padded with zero rows.
func packA(dst []float64, ta bool, a []float64, lda, ic, mm, pc, kk int) {
	for ir := 0; ir < mm; ir += mr {
		mi := min(mr, mm-ir)
		pan := dst[ir*kk : (ir+mr)*kk]
		switch {
		case ta && mi == mr: // op(a)[i][p] = a[p][i]: rows of a are contiguous in i
			for p := 0; p < kk; p++ {
				o := (pc+p)*lda + ic + ir
				d, r := (*[mr]float64)(pan[p*mr:]), (*[mr]float64)(a[o:o+mr])
				d[0], d[1], d[2], d[3], d[4], d[5] = r[0], r[1], r[2], r[3], r[4], r[5]
			}
		case ta:
			for p := 0; p < kk; p++ {
				o := (pc+p)*lda + ic + ir
				d := pan[p*mr : p*mr+mr]
				copy(d, a[o:o+mi])
				clear(d[mi:])
			}
		case mi == mr: // six rows of a read side by side
			o := (ic+ir)*lda + pc
			r0, r1, r2 := a[o:o+kk], a[o+lda:o+lda+kk], a[o+2*lda:o+2*lda+kk]
			r3, r4, r5 := a[o+3*lda:o+3*lda+kk], a[o+4*lda:o+4*lda+kk], a[o+5*lda:o+5*lda+kk]
			for p := range kk {
				d := (*[mr]float64)(pan[p*mr:])
				d[0], d[1], d[2], d[3], d[4], d[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
			}
		default:
			for i := 0; i < mi; i++ {
				src := a[(ic+ir+i)*lda+pc : (ic+ir+i)*lda+pc+kk]
				for p, v := range src {
					pan[p*mr+i] = v
				}
			}
			for i := mi; i < mr; i++ {
				for p := 0; p < kk; p++ {
					pan[p*mr+i] = 0
				}
			}
		}
	}
}

// packB writes rows pc..pc+kk−1, columns jc..jc+nn−1 of op(b) to dst in
// panels of nr columns, each stored row by row (nr values per k), padded
// with zero columns.
func packB(dst []float64, tb bool, b []float64, ldb, pc, kk, jc, nn int) {
	for jr := 0; jr < nn; jr += nr {
		nj := min(nr, nn-jr)
		pan := dst[jr*kk : (jr+nr)*kk]
		switch {
		case !tb && nj == nr: // op(b)[p][j] = b[p][j]
			for p := 0; p < kk; p++ {
				o := (pc+p)*ldb + jc + jr
				d, r := (*[nr]float64)(pan[p*nr:]), (*[nr]float64)(b[o:o+nr])
				d[0], d[1], d[2], d[3] = r[0], r[1], r[2], r[3] // element by element: an
				d[4], d[5], d[6], d[7] = r[4], r[5], r[6], r[7] // array copy calls memmove
			}
		case !tb:
			for p := 0; p < kk; p++ {
				o := (pc+p)*ldb + jc + jr
				d := pan[p*nr : p*nr+nr]
				copy(d, b[o:o+nj])
				clear(d[nj:])
			}
		default:
			for j := 0; j < nj; j++ {
				src := b[(jc+jr+j)*ldb+pc : (jc+jr+j)*ldb+pc+kk]
				for p, v := range src {
					pan[p*nr+j] = v
				}
			}
			for j := nj; j < nr; j++ {
				for p := 0; p < kk; p++ {
					pan[p*nr+j] = 0
				}
			}
		}
	}
}

// kernelGo is the micro-kernel in Go: with s[i][j] = Σ_p a[p·mr+i]·b[p·nr+j]
// accumulated with fused multiply-adds from +0 in order of p, it sets
// c[i·ldc+j] = fma(alpha, s[i][j], c[i·ldc+j]). The assembly kernel
// computes the same operations in the same order.
func kernelGo(k int, a, b, c []float64, ldc int, alpha float64) {
	a, b = a[:k*mr], b[:k*nr]
	// One row of the tile at a time, its eight sums in local variables
	// (registers): each sum still runs over p in order, so the result is
	// that of the assembly kernel, which holds all 48 at once.
	for i := range mr {
		var s0, s1, s2, s3, s4, s5, s6, s7 float64
		for p := 0; p < k; p++ {
			x := a[p*mr+i]
			bp := (*[nr]float64)(b[p*nr:])
			s0 = math.FMA(x, bp[0], s0)
			s1 = math.FMA(x, bp[1], s1)
			s2 = math.FMA(x, bp[2], s2)
			s3 = math.FMA(x, bp[3], s3)
			s4 = math.FMA(x, bp[4], s4)
			s5 = math.FMA(x, bp[5], s5)
			s6 = math.FMA(x, bp[6], s6)
			s7 = math.FMA(x, bp[7], s7)
		}
		row := (*[nr]float64)(c[i*ldc : i*ldc+nr])
		row[0] = math.FMA(alpha, s0, row[0])
		row[1] = math.FMA(alpha, s1, row[1])
		row[2] = math.FMA(alpha, s2, row[2])
		row[3] = math.FMA(alpha, s3, row[3])
		row[4] = math.FMA(alpha, s4, row[4])
		row[5] = math.FMA(alpha, s5, row[5])
		row[6] = math.FMA(alpha, s6, row[6])
		row[7] = math.FMA(alpha, s7, row[7])
	}
}

// checkDims panics when a matrix is too short for its dimensions.
func checkDims(ta, tb bool, m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic("gemm: negative dimension")
	}
	ar, ac := m, k
	if ta {
		ar, ac = k, m
	}
	br, bc := k, n
	if tb {
		br, bc = n, k
	}
	if lda < max(1, ac) || ldb < max(1, bc) || ldc < max(1, n) {
		panic("gemm: bad leading dimension")
	}
	if ar > 0 && ac > 0 && len(a) < (ar-1)*lda+ac {
		panic("gemm: a too short")
	}
	if br > 0 && bc > 0 && len(b) < (br-1)*ldb+bc {
		panic("gemm: b too short")
	}
	if m > 0 && n > 0 && len(c) < (m-1)*ldc+n {
		panic("gemm: c too short")
	}
}
