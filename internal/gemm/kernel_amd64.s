//go:build amd64 && !purego

#include "textflag.h"

// func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eaxArg+0(FP), AX
	MOVL ecxArg+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv() (eax, edx uint32)
TEXT ·xgetbv(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	MOVL DX, edx+4(FP)
	RET

// STEP(aoff, boff) is one term p of the sums: Y0, Y1 = b[p·8 : p·8+8]
// (at boff(DI)), and each a[p·6+i] (at aoff+8i(SI)) broadcast and
// multiplied into row i's accumulators Y(4+2i), Y(5+2i) with one
// rounding (FMA).
#define STEP(aoff, boff) \
	VMOVUPD boff(DI), Y0 \
	VMOVUPD boff+32(DI), Y1 \
	VBROADCASTSD aoff+0(SI), Y2 \
	VFMADD231PD Y0, Y2, Y4 \
	VFMADD231PD Y1, Y2, Y5 \
	VBROADCASTSD aoff+8(SI), Y3 \
	VFMADD231PD Y0, Y3, Y6 \
	VFMADD231PD Y1, Y3, Y7 \
	VBROADCASTSD aoff+16(SI), Y2 \
	VFMADD231PD Y0, Y2, Y8 \
	VFMADD231PD Y1, Y2, Y9 \
	VBROADCASTSD aoff+24(SI), Y3 \
	VFMADD231PD Y0, Y3, Y10 \
	VFMADD231PD Y1, Y3, Y11 \
	VBROADCASTSD aoff+32(SI), Y2 \
	VFMADD231PD Y0, Y2, Y12 \
	VFMADD231PD Y1, Y2, Y13 \
	VBROADCASTSD aoff+40(SI), Y3 \
	VFMADD231PD Y0, Y3, Y14 \
	VFMADD231PD Y1, Y3, Y15

// func kernel6x8(k int, a, b, c *float64, ldc int, alpha float64)
// For i < 6, j < 8: s[i][j] = Σ_p a[p·6+i]·b[p·8+j] from +0 in order of
// p, each term fused (VFMADD231PD); then c[i·ldc+j] = fma(alpha, s, c).
// The loop takes four terms per iteration, then one.
TEXT ·kernel6x8(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $3, R8
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11
	VXORPD Y12, Y12, Y12
	VXORPD Y13, Y13, Y13
	VXORPD Y14, Y14, Y14
	VXORPD Y15, Y15, Y15

loop4:
	CMPQ CX, $4
	JLT  tail
	STEP(0, 0)
	STEP(48, 64)
	STEP(96, 128)
	STEP(144, 192)
	ADDQ $192, SI
	ADDQ $256, DI
	SUBQ $4, CX
	JMP  loop4

tail:
	TESTQ CX, CX
	JEQ   store
	STEP(0, 0)
	ADDQ $48, SI
	ADDQ $64, DI
	DECQ CX
	JMP  tail

store:
	VBROADCASTSD alpha+40(FP), Y2
	VMOVUPD (DX), Y0
	VMOVUPD 32(DX), Y1
	VFMADD231PD Y4, Y2, Y0
	VFMADD231PD Y5, Y2, Y1
	VMOVUPD Y0, (DX)
	VMOVUPD Y1, 32(DX)
	ADDQ R8, DX
	VMOVUPD (DX), Y0
	VMOVUPD 32(DX), Y1
	VFMADD231PD Y6, Y2, Y0
	VFMADD231PD Y7, Y2, Y1
	VMOVUPD Y0, (DX)
	VMOVUPD Y1, 32(DX)
	ADDQ R8, DX
	VMOVUPD (DX), Y0
	VMOVUPD 32(DX), Y1
	VFMADD231PD Y8, Y2, Y0
	VFMADD231PD Y9, Y2, Y1
	VMOVUPD Y0, (DX)
	VMOVUPD Y1, 32(DX)
	ADDQ R8, DX
	VMOVUPD (DX), Y0
	VMOVUPD 32(DX), Y1
	VFMADD231PD Y10, Y2, Y0
	VFMADD231PD Y11, Y2, Y1
	VMOVUPD Y0, (DX)
	VMOVUPD Y1, 32(DX)
	ADDQ R8, DX
	VMOVUPD (DX), Y0
	VMOVUPD 32(DX), Y1
	VFMADD231PD Y12, Y2, Y0
	VFMADD231PD Y13, Y2, Y1
	VMOVUPD Y0, (DX)
	VMOVUPD Y1, 32(DX)
	ADDQ R8, DX
	VMOVUPD (DX), Y0
	VMOVUPD 32(DX), Y1
	VFMADD231PD Y14, Y2, Y0
	VFMADD231PD Y15, Y2, Y1
	VMOVUPD Y0, (DX)
	VMOVUPD Y1, 32(DX)
	VZEROUPPER
	RET
