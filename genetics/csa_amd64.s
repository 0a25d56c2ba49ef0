//go:build amd64 && !purego

#include "textflag.h"

// CSA is a carry-save adder on four words at once: from A, B and C it
// leaves the sum bits A^B^C in A and the carries (A&B)|((A^B)&C) in H;
// T is scratch. B and C are unchanged.
#define CSA(H, A, B, C, T) \
	VPXOR B, A, T; \
	VPAND B, A, H; \
	VPAND C, T, A; \
	VPOR  A, H, H; \
	VPXOR C, T, A

// LANE adds bits k, k+8, …, k+56 of the four sixteens words in Y13 to
// the byte lanes of sixteens[k] (offset off in csaAcc).
#define LANE(k, off) \
	VPSRLQ $k, Y13, Y14; \
	VPAND  Y15, Y14, Y14; \
	VPADDQ off(DI), Y14, Y14; \
	VMOVDQU Y14, off(DI)

// func csa16AVX2(acc *csaAcc, rows *uint64, stride, blocks int)
// csaAcc: ones 0, twos 32, fours 64, eights 96, sixteens[k] 128+32k; 384 bytes.
TEXT ·csa16AVX2(SB), NOSPLIT, $0-32
	MOVQ acc+0(FP), DI
	MOVQ rows+8(FP), SI
	MOVQ stride+16(FP), DX
	MOVQ blocks+24(FP), CX
	LEAQ (DX)(DX*2), BX  // 3·stride
	LEAQ (SI)(DX*4), R8  // genome 4
	LEAQ (R8)(DX*4), R9  // genome 8
	LEAQ (R9)(DX*4), R10 // genome 12
	MOVQ $0x0101010101010101, AX
	MOVQ AX, X15
	VPBROADCASTQ X15, Y15
	TESTQ CX, CX
	JLE   done

loop:
	VMOVDQU 0(DI), Y0  // ones
	VMOVDQU 32(DI), Y1 // twos
	VMOVDQU 64(DI), Y2 // fours
	VMOVDQU 96(DI), Y3 // eights

	VMOVDQU (SI), Y4
	VMOVDQU (SI)(DX*1), Y5
	CSA(Y7, Y0, Y4, Y5, Y6)  // twosA
	VMOVDQU (SI)(DX*2), Y4
	VMOVDQU (SI)(BX*1), Y5
	CSA(Y8, Y0, Y4, Y5, Y6)  // twosB
	CSA(Y9, Y1, Y7, Y8, Y6)  // foursA
	VMOVDQU (R8), Y4
	VMOVDQU (R8)(DX*1), Y5
	CSA(Y7, Y0, Y4, Y5, Y6)
	VMOVDQU (R8)(DX*2), Y4
	VMOVDQU (R8)(BX*1), Y5
	CSA(Y8, Y0, Y4, Y5, Y6)
	CSA(Y10, Y1, Y7, Y8, Y6) // foursB
	CSA(Y11, Y2, Y9, Y10, Y6) // eightsA
	VMOVDQU (R9), Y4
	VMOVDQU (R9)(DX*1), Y5
	CSA(Y7, Y0, Y4, Y5, Y6)
	VMOVDQU (R9)(DX*2), Y4
	VMOVDQU (R9)(BX*1), Y5
	CSA(Y8, Y0, Y4, Y5, Y6)
	CSA(Y9, Y1, Y7, Y8, Y6)
	VMOVDQU (R10), Y4
	VMOVDQU (R10)(DX*1), Y5
	CSA(Y7, Y0, Y4, Y5, Y6)
	VMOVDQU (R10)(DX*2), Y4
	VMOVDQU (R10)(BX*1), Y5
	CSA(Y8, Y0, Y4, Y5, Y6)
	CSA(Y10, Y1, Y7, Y8, Y6)
	CSA(Y12, Y2, Y9, Y10, Y6) // eightsB
	CSA(Y13, Y3, Y11, Y12, Y6) // sixteens

	VMOVDQU Y0, 0(DI)
	VMOVDQU Y1, 32(DI)
	VMOVDQU Y2, 64(DI)
	VMOVDQU Y3, 96(DI)

	VPAND   Y15, Y13, Y14
	VPADDQ  128(DI), Y14, Y14
	VMOVDQU Y14, 128(DI)
	LANE(1, 160)
	LANE(2, 192)
	LANE(3, 224)
	LANE(4, 256)
	LANE(5, 288)
	LANE(6, 320)
	LANE(7, 352)

	ADDQ $32, SI
	ADDQ $32, R8
	ADDQ $32, R9
	ADDQ $32, R10
	ADDQ $384, DI
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET

// func countPairsAsm(ab, loc *int32, np int, rows *uint64, stride, n int)
// For each pair k < np whose first bit sa = loc[2k]&63 is below 58, with
// a = loc[2k], b = loc[2k+1] (word<<6 | bit) and genome i at rows +
// i·stride bytes: ab[k] += (Σ_{i<n} g_i[a>>6] & rol(g_i[b>>6], sa−sb) &
// 2^sa) >> sa, four genomes per iteration with two sums. Frame: rows 0,
// n 8, pairs left 16, loc 24, ab 32, sa 40.
TEXT ·countPairsAsm(SB), NOSPLIT, $48-48
	MOVQ ab+0(FP), DI
	MOVQ loc+8(FP), SI
	MOVQ np+16(FP), R9
	MOVQ rows+24(FP), R10
	MOVQ stride+32(FP), DX
	MOVQ n+40(FP), R11
	MOVQ R10, 0(SP)
	MOVQ R11, 8(SP)
	TESTQ R9, R9
	JLE   done

pair:
	MOVQ    R9, 16(SP)
	MOVQ    SI, 24(SP)
	MOVQ    DI, 32(SP)
	MOVLQSX 0(SI), AX
	MOVLQSX 4(SI), BX
	MOVQ    AX, CX
	ANDQ    $63, CX // sa
	CMPQ    CX, $58
	JGE     next
	MOVQ    CX, 40(SP)
	XORQ    R13, R13
	BTSQ    CX, R13 // 2^sa
	MOVQ    BX, R8
	ANDQ    $63, R8 // sb
	SUBQ    R8, CX  // the rotation sa − sb
	SARQ    $6, AX
	SARQ    $6, BX
	MOVQ    0(SP), R10
	LEAQ    (R10)(AX*8), AX // genome 0, word of a
	LEAQ    (R10)(BX*8), BX // genome 0, word of b
	MOVQ    8(SP), R11
	LEAQ    (DX)(DX*2), SI  // 3·stride
	XORQ    R8, R8
	XORQ    R9, R9
	CMPQ    R11, $4
	JLT     tail

loop4:
	MOVQ (BX), R10
	ROLQ CL, R10
	ANDQ (AX), R10
	ANDQ R13, R10
	ADDQ R10, R8
	MOVQ (BX)(DX*1), R12
	ROLQ CL, R12
	ANDQ (AX)(DX*1), R12
	ANDQ R13, R12
	ADDQ R12, R9
	MOVQ (BX)(DX*2), R10
	ROLQ CL, R10
	ANDQ (AX)(DX*2), R10
	ANDQ R13, R10
	ADDQ R10, R8
	MOVQ (BX)(SI*1), R12
	ROLQ CL, R12
	ANDQ (AX)(SI*1), R12
	ANDQ R13, R12
	ADDQ R12, R9
	LEAQ (AX)(DX*4), AX
	LEAQ (BX)(DX*4), BX
	SUBQ $4, R11
	CMPQ R11, $4
	JGE  loop4

tail:
	TESTQ R11, R11
	JLE   sum
	MOVQ  (BX), R10
	ROLQ  CL, R10
	ANDQ  (AX), R10
	ANDQ  R13, R10
	ADDQ  R10, R8
	ADDQ  DX, AX
	ADDQ  DX, BX
	DECQ  R11
	JMP   tail

sum:
	ADDQ R9, R8
	MOVQ 40(SP), CX
	SHRQ CX, R8
	MOVQ 32(SP), DI
	ADDL R8, (DI)

next:
	MOVQ 16(SP), R9
	MOVQ 24(SP), SI
	MOVQ 32(SP), DI
	ADDQ $8, SI
	ADDQ $4, DI
	DECQ R9
	JNZ  pair

done:
	RET
