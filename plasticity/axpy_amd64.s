//go:build amd64 && !purego

#include "textflag.h"

// func axpyAVX2(alpha float64, x, y []float64)
// y[i] += alpha*x[i]: VMULPD then VADDPD (no FMA), 8 values per iteration.
TEXT ·axpyAVX2(SB), NOSPLIT, $0-56
	VBROADCASTSD alpha+0(FP), Y0
	MOVQ x_base+8(FP), SI
	MOVQ x_len+16(FP), CX
	MOVQ y_base+32(FP), DI
	XORQ AX, AX

loop:
	CMPQ AX, CX
	JGE  done
	VMULPD  (SI)(AX*8), Y0, Y1
	VMULPD  32(SI)(AX*8), Y0, Y2
	VADDPD  (DI)(AX*8), Y1, Y1
	VADDPD  32(DI)(AX*8), Y2, Y2
	VMOVUPD Y1, (DI)(AX*8)
	VMOVUPD Y2, 32(DI)(AX*8)
	ADDQ    $8, AX
	JMP     loop

done:
	VZEROUPPER
	RET

// func gaxpyAVX2(u, w []float64, n int, idx []int32, c []float64)
// For every row i in [0, len(u)&^3): u[i] += c[p]*w[idx[p]*n+i] for p in
// order, each product rounded then added (VMULPD, VADDPD; no FMA), with
// the sums kept in registers: 32 rows at a time (eight independent
// chains of additions hide the latency of each), then 4.
TEXT ·gaxpyAVX2(SB), NOSPLIT, $0-104
	MOVQ u_base+0(FP), DI
	MOVQ u_len+8(FP), BX
	MOVQ w_base+24(FP), SI
	MOVQ n+48(FP), DX
	SHLQ $3, DX
	MOVQ idx_base+56(FP), R8
	MOVQ idx_len+64(FP), R9
	MOVQ c_base+80(FP), R10
	XORQ AX, AX

loop32:
	LEAQ 36(AX), CX
	CMPQ CX, BX
	JEQ  block36
	LEAQ 32(AX), CX
	CMPQ CX, BX
	JGT  loop4
	VMOVUPD (DI)(AX*8), Y0
	VMOVUPD 32(DI)(AX*8), Y1
	VMOVUPD 64(DI)(AX*8), Y2
	VMOVUPD 96(DI)(AX*8), Y3
	VMOVUPD 128(DI)(AX*8), Y4
	VMOVUPD 160(DI)(AX*8), Y5
	VMOVUPD 192(DI)(AX*8), Y6
	VMOVUPD 224(DI)(AX*8), Y7
	XORQ R11, R11

inner32:
	CMPQ R11, R9
	JGE  store32
	MOVLQSX (R8)(R11*4), R12
	IMULQ   DX, R12
	ADDQ    SI, R12
	LEAQ    (R12)(AX*8), R12
	VBROADCASTSD (R10)(R11*8), Y8
	VMULPD  (R12), Y8, Y9
	VMULPD  32(R12), Y8, Y10
	VMULPD  64(R12), Y8, Y11
	VMULPD  96(R12), Y8, Y12
	VADDPD  Y9, Y0, Y0
	VADDPD  Y10, Y1, Y1
	VADDPD  Y11, Y2, Y2
	VADDPD  Y12, Y3, Y3
	VMULPD  128(R12), Y8, Y13
	VMULPD  160(R12), Y8, Y14
	VMULPD  192(R12), Y8, Y15
	VMULPD  224(R12), Y8, Y9
	VADDPD  Y13, Y4, Y4
	VADDPD  Y14, Y5, Y5
	VADDPD  Y15, Y6, Y6
	VADDPD  Y9, Y7, Y7
	INCQ    R11
	JMP     inner32

store32:
	VMOVUPD Y0, (DI)(AX*8)
	VMOVUPD Y1, 32(DI)(AX*8)
	VMOVUPD Y2, 64(DI)(AX*8)
	VMOVUPD Y3, 96(DI)(AX*8)
	VMOVUPD Y4, 128(DI)(AX*8)
	VMOVUPD Y5, 160(DI)(AX*8)
	VMOVUPD Y6, 192(DI)(AX*8)
	VMOVUPD Y7, 224(DI)(AX*8)
	ADDQ    $32, AX
	JMP     loop32

block36:
	// Exactly 36 rows left (|V| = 100 ends so): nine chains at once,
	// rather than 32 and then a lone chain of 4 bound by the latency of
	// its additions.
	VMOVUPD (DI)(AX*8), Y0
	VMOVUPD 32(DI)(AX*8), Y1
	VMOVUPD 64(DI)(AX*8), Y2
	VMOVUPD 96(DI)(AX*8), Y3
	VMOVUPD 128(DI)(AX*8), Y4
	VMOVUPD 160(DI)(AX*8), Y5
	VMOVUPD 192(DI)(AX*8), Y6
	VMOVUPD 224(DI)(AX*8), Y7
	VMOVUPD 256(DI)(AX*8), Y8
	XORQ R11, R11

inner36:
	CMPQ R11, R9
	JGE  store36
	MOVLQSX (R8)(R11*4), R12
	IMULQ   DX, R12
	ADDQ    SI, R12
	LEAQ    (R12)(AX*8), R12
	VBROADCASTSD (R10)(R11*8), Y9
	VMULPD  (R12), Y9, Y10
	VMULPD  32(R12), Y9, Y11
	VMULPD  64(R12), Y9, Y12
	VMULPD  96(R12), Y9, Y13
	VADDPD  Y10, Y0, Y0
	VADDPD  Y11, Y1, Y1
	VADDPD  Y12, Y2, Y2
	VADDPD  Y13, Y3, Y3
	VMULPD  128(R12), Y9, Y14
	VMULPD  160(R12), Y9, Y15
	VMULPD  192(R12), Y9, Y10
	VMULPD  224(R12), Y9, Y11
	VMULPD  256(R12), Y9, Y12
	VADDPD  Y14, Y4, Y4
	VADDPD  Y15, Y5, Y5
	VADDPD  Y10, Y6, Y6
	VADDPD  Y11, Y7, Y7
	VADDPD  Y12, Y8, Y8
	INCQ    R11
	JMP     inner36

store36:
	VMOVUPD Y0, (DI)(AX*8)
	VMOVUPD Y1, 32(DI)(AX*8)
	VMOVUPD Y2, 64(DI)(AX*8)
	VMOVUPD Y3, 96(DI)(AX*8)
	VMOVUPD Y4, 128(DI)(AX*8)
	VMOVUPD Y5, 160(DI)(AX*8)
	VMOVUPD Y6, 192(DI)(AX*8)
	VMOVUPD Y7, 224(DI)(AX*8)
	VMOVUPD Y8, 256(DI)(AX*8)
	JMP     done4

loop4:
	LEAQ 4(AX), CX
	CMPQ CX, BX
	JGT  done4
	VMOVUPD (DI)(AX*8), Y0
	XORQ R11, R11

inner4:
	CMPQ R11, R9
	JGE  store4
	MOVLQSX (R8)(R11*4), R12
	IMULQ   DX, R12
	ADDQ    SI, R12
	VBROADCASTSD (R10)(R11*8), Y4
	VMULPD  (R12)(AX*8), Y4, Y5
	VADDPD  Y5, Y0, Y0
	INCQ    R11
	JMP     inner4

store4:
	VMOVUPD Y0, (DI)(AX*8)
	ADDQ    $4, AX
	JMP     loop4

done4:
	VZEROUPPER
	RET

// func maskAddAVX2(w, v []float64, bits []uint64, lut *[16][4]uint64)
// w[i] += v[i] & lane mask, for i in [0, len(w)&^3), four values per
// instruction: the four edge bits of rows i..i+3 (bits i%64.. of word
// i/64; i is a multiple of 4, so they never straddle two words) select
// the lane masks lut[b].
TEXT ·maskAddAVX2(SB), NOSPLIT, $0-80
	MOVQ w_base+0(FP), DI
	MOVQ w_len+8(FP), BX
	ANDQ $-4, BX
	MOVQ v_base+24(FP), SI
	MOVQ bits_base+48(FP), R8
	MOVQ lut+72(FP), R9
	XORQ AX, AX

loopm:
	CMPQ AX, BX
	JGE  donem
	MOVQ AX, R11
	SHRQ $6, R11
	MOVQ (R8)(R11*8), R12
	MOVQ AX, CX
	SHRQ CX, R12               // the shift count is taken mod 64
	ANDQ $15, R12
	SHLQ $5, R12
	VMOVDQU (R9)(R12*1), Y1
	VANDPD  (SI)(AX*8), Y1, Y1
	VADDPD  (DI)(AX*8), Y1, Y1
	VMOVUPD Y1, (DI)(AX*8)
	ADDQ    $4, AX
	JMP     loopm

donem:
	VZEROUPPER
	RET

// func maskAddColumnsAVX2(w, gv []float64, bits []uint64, pre []int, n, words int, lut *[16][4]uint64)
// For every column j in [0, n): w[j*n+i] += gv[pre[j]*n+i] & lane mask
// (the edge bits of column j at bits[j*words:]), for i in [0, n&^3).
TEXT ·maskAddColumnsAVX2(SB), NOSPLIT, $0-120
	MOVQ w_base+0(FP), DI
	MOVQ gv_base+24(FP), SI
	MOVQ bits_base+48(FP), R8
	MOVQ pre_base+72(FP), R9
	MOVQ n+96(FP), DX
	MOVQ words+104(FP), R13
	SHLQ $3, R13              // bytes of edge bits per column
	MOVQ lut+112(FP), R14
	MOVQ DX, BX
	ANDQ $-4, BX              // rows per column handled here
	LEAQ (DX*8), R10          // bytes per column
	XORQ R11, R11             // j

colloop:
	CMPQ R11, DX
	JGE  colsdone
	MOVQ (R9)(R11*8), R12     // pre[j]
	IMULQ R10, R12
	ADDQ SI, R12              // &gv[pre[j]*n]
	XORQ AX, AX

rowloop:
	CMPQ AX, BX
	JGE  nextcol
	MOVQ AX, R15
	SHRQ $6, R15
	MOVQ (R8)(R15*8), R15
	MOVQ AX, CX
	SHRQ CX, R15
	ANDQ $15, R15
	SHLQ $5, R15
	VMOVDQU (R14)(R15*1), Y1
	VANDPD  (R12)(AX*8), Y1, Y1
	VADDPD  (DI)(AX*8), Y1, Y1
	VMOVUPD Y1, (DI)(AX*8)
	ADDQ    $4, AX
	JMP     rowloop

nextcol:
	ADDQ R10, DI
	ADDQ R13, R8
	INCQ R11
	JMP  colloop

colsdone:
	VZEROUPPER
	RET
