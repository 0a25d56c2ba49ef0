#include "textflag.h"

// func prefetchRows(a, b *uint64, lines int)
// Issues PREFETCHT0 for lines cache lines (64 bytes) starting at a and at b.
TEXT ·prefetchRows(SB), NOSPLIT|NOFRAME, $0-24
	MOVQ a+0(FP), AX
	MOVQ b+8(FP), BX
	MOVQ lines+16(FP), CX
	TESTQ CX, CX
	JLE done
loop:
	PREFETCHT0 (AX)
	PREFETCHT0 (BX)
	ADDQ $64, AX
	ADDQ $64, BX
	DECQ CX
	JNZ loop
done:
	RET
