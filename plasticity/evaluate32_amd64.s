//go:build amd64 && !purego

#include "textflag.h"

// func gather32FMA(u, w []float32, stride int, idx []int32, c []float32)
// For the 64 rows of u: u[i] += c[p]*w[idx[p]*stride+i] for p in order,
// one fused multiply-add (VFMADD231PS) per product, the 64 sums in eight
// registers (eight independent chains hide the latency of each).
TEXT ·gather32FMA(SB), NOSPLIT, $0-104
	MOVQ u_base+0(FP), DI
	MOVQ w_base+24(FP), SI
	MOVQ stride+48(FP), DX
	SHLQ $2, DX
	MOVQ idx_base+56(FP), R8
	MOVQ idx_len+64(FP), R9
	MOVQ c_base+80(FP), R10
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	VMOVUPS 128(DI), Y4
	VMOVUPS 160(DI), Y5
	VMOVUPS 192(DI), Y6
	VMOVUPS 224(DI), Y7
	XORQ R11, R11

loop:
	CMPQ R11, R9
	JGE  done
	MOVLQSX      (R8)(R11*4), R12
	IMULQ        DX, R12
	ADDQ         SI, R12
	VBROADCASTSS (R10)(R11*4), Y8
	VFMADD231PS  (R12), Y8, Y0
	VFMADD231PS  32(R12), Y8, Y1
	VFMADD231PS  64(R12), Y8, Y2
	VFMADD231PS  96(R12), Y8, Y3
	VFMADD231PS  128(R12), Y8, Y4
	VFMADD231PS  160(R12), Y8, Y5
	VFMADD231PS  192(R12), Y8, Y6
	VFMADD231PS  224(R12), Y8, Y7
	INCQ         R11
	JMP          loop

done:
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	VMOVUPS Y6, 192(DI)
	VMOVUPS Y7, 224(DI)
	VZEROUPPER
	RET

// func dot32FMA(x, y []float32) float32
// Σ x[i]·y[i] over len(x), a multiple of 32: four chains of fused
// multiply-adds of eight lanes each, then the lanes added in a fixed order.
TEXT ·dot32FMA(SB), NOSPLIT, $0-52
	MOVQ   x_base+0(FP), SI
	MOVQ   x_len+8(FP), CX
	MOVQ   y_base+24(FP), DI
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	XORQ   AX, AX

dloop:
	CMPQ        AX, CX
	JGE         dsum
	VMOVUPS     (SI)(AX*4), Y4
	VMOVUPS     32(SI)(AX*4), Y5
	VMOVUPS     64(SI)(AX*4), Y6
	VMOVUPS     96(SI)(AX*4), Y7
	VFMADD231PS (DI)(AX*4), Y4, Y0
	VFMADD231PS 32(DI)(AX*4), Y5, Y1
	VFMADD231PS 64(DI)(AX*4), Y6, Y2
	VFMADD231PS 96(DI)(AX*4), Y7, Y3
	ADDQ        $32, AX
	JMP         dloop

dsum:
	VADDPS       Y1, Y0, Y0
	VADDPS       Y3, Y2, Y2
	VADDPS       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0
	MOVSS        X0, ret+48(FP)
	VZEROUPPER
	RET

// func gatherTile32FMA(u unsafe.Pointer, ustride int, w, idx, c unsafe.Pointer, istride int, pos unsafe.Pointer, pstride, nb int)
// For each image b < nb: with lo, hi = pos[b*pstride], pos[b*pstride+1]
// (int32), for p in [lo, hi) in order, adds c[b*istride+p] times the 64
// values at w[idx[b*istride+p]*64:] to the 64 values at u[b*ustride:],
// one fused multiply-add per product, the sums in eight registers.
TEXT ·gatherTile32FMA(SB), NOSPLIT, $0-72
	MOVQ u+0(FP), DI
	MOVQ w+16(FP), SI
	MOVQ idx+24(FP), R8
	MOVQ c+32(FP), R10
	MOVQ pos+48(FP), R9
	MOVQ nb+64(FP), CX

image:
	TESTQ   CX, CX
	JLE     tdone
	MOVLQSX (R9), R11
	MOVLQSX 4(R9), R12
	CMPQ    R11, R12
	JGE     next
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	VMOVUPS 128(DI), Y4
	VMOVUPS 160(DI), Y5
	VMOVUPS 192(DI), Y6
	VMOVUPS 224(DI), Y7

inner:
	MOVLQSX      (R8)(R11*4), AX
	SHLQ         $8, AX
	VBROADCASTSS (R10)(R11*4), Y8
	VFMADD231PS  (SI)(AX*1), Y8, Y0
	VFMADD231PS  32(SI)(AX*1), Y8, Y1
	VFMADD231PS  64(SI)(AX*1), Y8, Y2
	VFMADD231PS  96(SI)(AX*1), Y8, Y3
	VFMADD231PS  128(SI)(AX*1), Y8, Y4
	VFMADD231PS  160(SI)(AX*1), Y8, Y5
	VFMADD231PS  192(SI)(AX*1), Y8, Y6
	VFMADD231PS  224(SI)(AX*1), Y8, Y7
	INCQ         R11
	CMPQ         R11, R12
	JLT          inner
	VMOVUPS      Y0, (DI)
	VMOVUPS      Y1, 32(DI)
	VMOVUPS      Y2, 64(DI)
	VMOVUPS      Y3, 96(DI)
	VMOVUPS      Y4, 128(DI)
	VMOVUPS      Y5, 160(DI)
	VMOVUPS      Y6, 192(DI)
	VMOVUPS      Y7, 224(DI)

next:
	MOVQ ustride+8(FP), AX
	SHLQ $2, AX
	ADDQ AX, DI
	MOVQ istride+40(FP), AX
	SHLQ $2, AX
	ADDQ AX, R8
	ADDQ AX, R10
	MOVQ pstride+56(FP), AX
	SHLQ $2, AX
	ADDQ AX, R9
	DECQ CX
	JMP  image

tdone:
	VZEROUPPER
	RET

// func capScan32AVX2(buf, u []float32, lut *cap32LUT) (m, bad int)
// Packs the values of u above 0, in order, to the front of buf (eight
// lanes stored at a time, so up to 7 past the last one are overwritten)
// and returns their number m; bad is 1 if a value of u is not finite
// (v − v is NaN), else 0. len(u) is a multiple of 8, len(buf) ≥ len(u).
TEXT ·capScan32AVX2(SB), NOSPLIT, $0-72
	MOVQ   buf_base+0(FP), DI
	MOVQ   u_base+24(FP), SI
	MOVQ   u_len+32(FP), CX
	MOVQ   lut+48(FP), R8
	XORQ   AX, AX
	XORQ   DX, DX
	VXORPS Y15, Y15, Y15
	VXORPS Y14, Y14, Y14

sloop:
	CMPQ      AX, CX
	JGE       sdone
	VMOVUPS   (SI)(AX*4), Y0
	VSUBPS    Y0, Y0, Y1
	VORPS     Y1, Y14, Y14
	VCMPPS    $0x1e, Y15, Y0, Y2
	VMOVMSKPS Y2, BX
	MOVQ      BX, R9
	SHLQ      $5, R9
	VMOVDQU   (R8)(R9*1), Y3
	VPERMPS   Y0, Y3, Y4
	VMOVUPS   Y4, (DI)(DX*4)
	POPCNTL   BX, BX
	ADDQ      BX, DX
	ADDQ      $8, AX
	JMP       sloop

sdone:
	MOVQ    DX, m+56(FP)
	XORQ    AX, AX
	VPTEST  Y14, Y14
	SETNE   AX
	MOVQ    AX, bad+64(FP)
	VZEROUPPER
	RET

// func capTake32AVX2(h, u []float32, tau float32, lim int, lut *cap32LUT)
// h[i] = u[i] where u[i] > tau, or u[i] == tau and i < lim; else +0.
// len(u) is a multiple of 8, len(h) ≥ len(u), 0 ≤ lim < 2³¹.
TEXT ·capTake32AVX2(SB), NOSPLIT, $0-72
	MOVQ         h_base+0(FP), DI
	MOVQ         u_base+24(FP), SI
	MOVQ         u_len+32(FP), CX
	VBROADCASTSS tau+48(FP), Y15
	VPBROADCASTD lim+56(FP), Y14
	MOVQ         lut+64(FP), R8
	VMOVDQU      8192(R8), Y13
	VMOVDQU      8224(R8), Y12
	XORQ         AX, AX

tloop:
	CMPQ     AX, CX
	JGE      tdone2
	VMOVUPS  (SI)(AX*4), Y0
	VCMPPS   $0x1e, Y15, Y0, Y1
	VCMPPS   $0x00, Y15, Y0, Y2
	VPCMPGTD Y13, Y14, Y3
	VPAND    Y3, Y2, Y2
	VPOR     Y2, Y1, Y1
	VANDPS   Y0, Y1, Y1
	VMOVUPS  Y1, (DI)(AX*4)
	VPADDD   Y12, Y13, Y13
	ADDQ     $8, AX
	JMP      tloop

tdone2:
	VZEROUPPER
	RET

// func cvt32AVX(dst []float32, src []float64) (bad int)
// dst[i] = float32(src[i]) (rounded to nearest even, VCVTPD2PS) for i in
// [0, len(src)), a multiple of 8; bad is 1 if a result is not finite.
TEXT ·cvt32AVX(SB), NOSPLIT, $0-56
	MOVQ   dst_base+0(FP), DI
	MOVQ   src_base+24(FP), SI
	MOVQ   src_len+32(FP), CX
	XORQ   AX, AX
	VXORPS Y15, Y15, Y15

cloop:
	CMPQ        AX, CX
	JGE         cdone
	VCVTPD2PSY  (SI)(AX*8), X0
	VCVTPD2PSY  32(SI)(AX*8), X1
	VINSERTF128 $1, X1, Y0, Y0
	VMOVUPS     Y0, (DI)(AX*4)
	VSUBPS      Y0, Y0, Y2
	VORPS       Y2, Y15, Y15
	ADDQ        $8, AX
	JMP         cloop

cdone:
	XORQ   AX, AX
	VPTEST Y15, Y15
	SETNE  AX
	MOVQ   AX, bad+48(FP)
	VZEROUPPER
	RET
