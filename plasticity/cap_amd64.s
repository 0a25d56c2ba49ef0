//go:build amd64 && !purego

#include "textflag.h"

// func capScanAsm(buf, u []float64, lut *capLUT) (m, zeros int)
// For u in blocks of 4 (len(u) a multiple of 4): the values v > 0 are
// packed to buf[m:] in order (VPERMD with the block's pack8 control; the
// 32-byte store may write up to 3 lanes past them, which the next block
// or the caller overwrites, and stays within buf because m ≤ i), m counts
// them and zeros counts v ≤ 0 (ordered compares: NaN is neither).
TEXT ·capScanAsm(SB), NOSPLIT, $0-72
	MOVQ buf_base+0(FP), DI
	MOVQ u_base+24(FP), SI
	MOVQ u_len+32(FP), CX
	MOVQ lut+48(FP), R8
	XORQ AX, AX            // i
	XORQ BX, BX            // m
	XORQ DX, DX            // zeros
	VXORPD Y0, Y0, Y0

scanloop:
	CMPQ AX, CX
	JGE  scandone
	VMOVUPD (SI)(AX*8), Y1
	VCMPPD  $0x1e, Y0, Y1, Y2 // v > 0 (GT_OQ)
	VCMPPD  $0x12, Y0, Y1, Y3 // v ≤ 0 (LE_OQ)
	VMOVMSKPD Y2, R10
	VMOVMSKPD Y3, R11
	POPCNTQ R11, R11
	ADDQ    R11, DX
	MOVQ    R10, R12
	SHLQ    $5, R12
	VMOVDQU (R8)(R12*1), Y4
	VPERMD  Y1, Y4, Y5
	VMOVUPD Y5, (DI)(BX*8)
	POPCNTQ R10, R10
	ADDQ    R10, BX
	ADDQ    $4, AX
	JMP     scanloop

scandone:
	MOVQ BX, m+56(FP)
	MOVQ DX, zeros+64(FP)
	VZEROUPPER
	RET

// func capTakeAsm(out []int32, vals, h, u []float64, tau float64, lim int, lut *capLUT) (cnt, inf int)
// For u in blocks of 4: r = ReLU(v) (v < 0 becomes +0; −0 and NaN stay),
// take = r > tau or (r == tau and i < lim), h[i] = take ? r : +0; the
// indices taken are packed to out[cnt:] (VPERMILPS with pack4) and their
// values to vals[cnt:] (VPERMD with pack8); the stores stay within out and
// vals because cnt ≤ i. inf is non-zero if a value taken is +Inf.
TEXT ·capTakeAsm(SB), NOSPLIT, $0-136
	MOVQ out_base+0(FP), DI
	MOVQ vals_base+24(FP), R13
	MOVQ h_base+48(FP), R9
	MOVQ u_base+72(FP), SI
	MOVQ u_len+80(FP), CX
	MOVQ lut+112(FP), R8
	VBROADCASTSD tau+96(FP), Y8
	VPBROADCASTQ lim+104(FP), Y9
	VMOVDQU 768(R8), Y10       // i, i+1, i+2, i+3 as int64
	VMOVDQU 800(R8), X11       // the same as int32
	VMOVDQU 816(R8), Y12       // 4 as int64
	VMOVDQU 848(R8), X13       // 4 as int32
	VMOVDQU 864(R8), Y15       // +Inf
	VXORPD  Y0, Y0, Y0
	VXORPD  Y14, Y14, Y14      // any +Inf taken
	XORQ AX, AX                // i
	XORQ BX, BX                // cnt

takeloop:
	CMPQ AX, CX
	JGE  takedone
	VMOVUPD (SI)(AX*8), Y1
	VCMPPD  $0x11, Y0, Y1, Y2  // v < 0 (LT_OQ)
	VANDNPD Y1, Y2, Y1         // r = v &^ (v < 0)
	VCMPPD  $0x1e, Y8, Y1, Y3  // r > tau
	VCMPPD  $0x00, Y8, Y1, Y4  // r == tau (EQ_OQ)
	VPCMPGTQ Y10, Y9, Y5       // lim > i
	VANDPD  Y5, Y4, Y4
	VORPD   Y4, Y3, Y3         // take
	VANDPD  Y1, Y3, Y6         // h
	VMOVUPD Y6, (R9)(AX*8)
	VCMPPD  $0x00, Y15, Y6, Y5 // h == +Inf
	VORPD   Y5, Y14, Y14
	VMOVMSKPD Y3, R10
	MOVQ    R10, R12
	SHLQ    $5, R12
	VMOVDQU (R8)(R12*1), Y2    // pack8[mask]
	VPERMD  Y6, Y2, Y4
	VMOVUPD Y4, (R13)(BX*8)
	SHRQ    $1, R12
	VMOVDQU 512(R8)(R12*1), X7 // pack4[mask]
	VPERMILPS X7, X11, X7
	VMOVDQU X7, (DI)(BX*4)
	POPCNTQ R10, R10
	ADDQ    R10, BX
	VPADDQ  Y12, Y10, Y10
	VPADDD  X13, X11, X11
	ADDQ    $4, AX
	JMP     takeloop

takedone:
	MOVQ BX, cnt+120(FP)
	VMOVMSKPD Y14, R10
	MOVQ R10, inf+128(FP)
	VZEROUPPER
	RET

// func capLimAsm(u []float64, tau float64, ties int) (lim, cnt int)
// For u in blocks of 4 (len(u) a multiple of 4): counts the values with
// ReLU(v) == tau in index order; if the ties-th (ties ≥ 1) is at index p,
// returns lim = p+1; otherwise lim = -1 and cnt, the number counted.
TEXT ·capLimAsm(SB), NOSPLIT, $0-56
	MOVQ u_base+0(FP), SI
	MOVQ u_len+8(FP), CX
	VBROADCASTSD tau+24(FP), Y8
	MOVQ ties+32(FP), R9
	VXORPD Y0, Y0, Y0
	XORQ AX, AX                // i
	XORQ BX, BX                // cnt

limloop:
	CMPQ AX, CX
	JGE  limnone
	VMOVUPD (SI)(AX*8), Y1
	VCMPPD  $0x11, Y0, Y1, Y2  // v < 0
	VANDNPD Y1, Y2, Y1         // r = ReLU(v)
	VCMPPD  $0x00, Y8, Y1, Y3  // r == tau
	VMOVMSKPD Y3, R10
	POPCNTQ R10, R11
	LEAQ    (BX)(R11*1), R12
	CMPQ    R12, R9
	JGE     limfound
	MOVQ    R12, BX
	ADDQ    $4, AX
	JMP     limloop

limfound:
	// The (ties-cnt)-th set bit of R10 is the lane of the ties-th tie.
	MOVQ R9, R12
	SUBQ BX, R12               // 1 ≤ R12 ≤ popcount(R10)

limbit:
	BSFQ R10, R13              // the lowest set bit: lane R13
	DECQ R12
	JZ   limlane
	LEAQ -1(R10), R14
	ANDQ R14, R10              // clear it
	JMP  limbit

limlane:
	ADDQ R13, AX
	INCQ AX
	MOVQ AX, lim+40(FP)
	MOVQ R9, cnt+48(FP)
	VZEROUPPER
	RET

limnone:
	MOVQ $-1, lim+40(FP)
	MOVQ BX, cnt+48(FP)
	VZEROUPPER
	RET
