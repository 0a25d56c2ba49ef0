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

// func sumAndAsm(x, y *uint64, stride, n, r int, m uint64) uint64
// Returns Σ_{i<n} x[i·stride] & rol(y[i·stride], r) & m (stride in bytes),
// four genomes per iteration with two sums.
TEXT ·sumAndAsm(SB), NOSPLIT, $0-56
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ stride+16(FP), DX
	MOVQ n+24(FP), R9
	MOVQ r+32(FP), CX
	MOVQ m+40(FP), R11
	XORQ R12, R12
	XORQ R13, R13
	LEAQ (DX)(DX*2), BX // 3·stride
	CMPQ R9, $4
	JLT  tail

loop4:
	MOVQ (DI), AX
	ROLQ CL, AX
	ANDQ (SI), AX
	ANDQ R11, AX
	ADDQ AX, R12
	MOVQ (DI)(DX*1), R8
	ROLQ CL, R8
	ANDQ (SI)(DX*1), R8
	ANDQ R11, R8
	ADDQ R8, R13
	MOVQ (DI)(DX*2), AX
	ROLQ CL, AX
	ANDQ (SI)(DX*2), AX
	ANDQ R11, AX
	ADDQ AX, R12
	MOVQ (DI)(BX*1), R8
	ROLQ CL, R8
	ANDQ (SI)(BX*1), R8
	ANDQ R11, R8
	ADDQ R8, R13
	LEAQ (SI)(DX*4), SI
	LEAQ (DI)(DX*4), DI
	SUBQ $4, R9
	CMPQ R9, $4
	JGE  loop4

tail:
	TESTQ R9, R9
	JLE   done
	MOVQ  (DI), AX
	ROLQ  CL, AX
	ANDQ  (SI), AX
	ANDQ  R11, AX
	ADDQ  AX, R12
	ADDQ  DX, SI
	ADDQ  DX, DI
	DECQ  R9
	JMP   tail

done:
	ADDQ R13, R12
	MOVQ R12, ret+48(FP)
	RET
