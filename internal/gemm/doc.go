// Package gemm is a dense matrix product for float64, C = α op(A) op(B) + β C
// with op(X) = X or Xᵀ, on row-major matrices laid out as in gonum's blas64
// (a slice and a row stride). It is the matrix product of plasticity/credit,
// whose sequence RNN spends nearly all its time in products of shapes such
// as 256×128 · 128×128.
//
// # Method
//
// The classic design of GotoBLAS and BLIS (Goto and van de Geijn 2008;
// Van Zee and van de Geijn 2015): op(B) is packed, kc = 256 rows by up to
// nc = 2048 columns at a time, into micro-panels of nr = 8 columns stored
// row by row; op(A), mc = 120 rows by kc at a time, into micro-panels of
// mr = 6 rows stored column by column; both padded with zeros. A
// micro-kernel computes one 6×8 tile of C from one micro-panel of each:
//
//	s_ij = Σ_{p<kc} a_ip b_pj   (twelve 4-wide accumulators, one FMA per term),
//	c_ij ← fma(α, s_ij, c_ij),
//
// the 8 columns of a B micro-panel (16 KiB for kc = 256) staying in the L1
// cache (32 KiB) while the A block (240 KiB) streams from L2 (1 MiB). The
// kernel is written in Go assembly with AVX2 and FMA (VBROADCASTSD,
// VFMADD231PD; 4 terms per loop iteration) and is used when the processor
// and the operating system support both (CPUID and XGETBV, as in
// plasticity's kernels). Elsewhere, and with the purego build tag, a Go
// kernel computes the same operations in the same order with math.FMA, so
// the results are bit-identical on every processor. β C is formed first
// (β = 0 overwrites C, NaN included), then each block of kc terms adds
// fma(α, s, c): the summation order of an element depends on k only.
//
// Products of at least 2²¹ multiply-adds split the rows of C into equal
// spans (multiples of 6) over up to GOMAXPROCS goroutines, which share the
// packed op(B); each element is computed by one goroutine in the serial
// order, so results do not depend on GOMAXPROCS. Packing
// buffers are kept on a free list: Gemm does not allocate in steady state
// when it runs on one goroutine (a parallel call allocates its goroutines).
//
// On the AMD EPYC of the development machine the assembly kernel reaches
// about 25 GMAC/s on one core at plasticity/credit's shapes, against about
// 4 GMAC/s for gonum's blas64.Gemm (BenchmarkGemm; CPU time). The Go
// kernel is slower than gonum: about 1.4 GMAC/s with -tags purego on the
// same machine (math.FMA tests for the FMA unit at each call), and on an
// amd64 processor without FMA (before 2013) math.FMA runs in software,
// many times slower again. That is the price of results that do not
// depend on the processor.
//
// References: K. Goto and R. A. van de Geijn, Anatomy of high-performance
// matrix multiplication, ACM TOMS 34(3), 2008. F. G. Van Zee and R. A. van
// de Geijn, BLIS: a framework for rapidly instantiating BLAS functionality,
// ACM TOMS 41(3), 2015. N. J. Higham, Accuracy and Stability of Numerical
// Algorithms, 2nd ed., SIAM 2002, §3.1 (the error bound of the tests).
package gemm
