//go:build amd64

// Vector helpers for the small-batch dense layer (a matrix-vector product needs no
// packing). AVX-512; callers handle the tails below 16 elements.

#include "textflag.h"

// func dotAVX512(a, b *float32, n int) float32
// Sum of a[i]*b[i] for n a multiple of 16.
TEXT ·dotAVX512(SB), NOSPLIT, $0-28
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ n+16(FP), CX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	CMPQ CX, $64
	JLT tail16
loop64:
	VMOVUPS (SI), Z4
	VMOVUPS 64(SI), Z5
	VMOVUPS 128(SI), Z6
	VMOVUPS 192(SI), Z7
	VFMADD231PS (DI), Z4, Z0
	VFMADD231PS 64(DI), Z5, Z1
	VFMADD231PS 128(DI), Z6, Z2
	VFMADD231PS 192(DI), Z7, Z3
	ADDQ $256, SI
	ADDQ $256, DI
	SUBQ $64, CX
	CMPQ CX, $64
	JGE loop64
tail16:
	TESTQ CX, CX
	JZ reduce
	VMOVUPS (SI), Z4
	VFMADD231PS (DI), Z4, Z0
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP tail16
reduce:
	VADDPS Z1, Z0, Z0
	VADDPS Z3, Z2, Z2
	VADDPS Z2, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPS Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VMOVHLPS X0, X1, X1
	VADDPS X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// func axpyAVX512(alpha float32, x, y *float32, n int)
// y[i] += alpha*x[i] for n a multiple of 16.
TEXT ·axpyAVX512(SB), NOSPLIT, $0-32
	VBROADCASTSS alpha+0(FP), Z0
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DI
	MOVQ n+24(FP), CX
	CMPQ CX, $64
	JLT atail16
aloop64:
	VMOVUPS (DI), Z4
	VMOVUPS 64(DI), Z5
	VMOVUPS 128(DI), Z6
	VMOVUPS 192(DI), Z7
	VFMADD231PS (SI), Z0, Z4
	VFMADD231PS 64(SI), Z0, Z5
	VFMADD231PS 128(SI), Z0, Z6
	VFMADD231PS 192(SI), Z0, Z7
	VMOVUPS Z4, (DI)
	VMOVUPS Z5, 64(DI)
	VMOVUPS Z6, 128(DI)
	VMOVUPS Z7, 192(DI)
	ADDQ $256, SI
	ADDQ $256, DI
	SUBQ $64, CX
	CMPQ CX, $64
	JGE aloop64
atail16:
	TESTQ CX, CX
	JZ adone
	VMOVUPS (DI), Z4
	VFMADD231PS (SI), Z0, Z4
	VMOVUPS Z4, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP atail16
adone:
	VZEROUPPER
	RET

// func sumAVX512(x *float32, n int) float32
// Sum of x[i] for n a multiple of 16.
TEXT ·sumAVX512(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	CMPQ CX, $32
	JLT stail
sloop:
	VADDPS (SI), Z0, Z0
	VADDPS 64(SI), Z1, Z1
	ADDQ $128, SI
	SUBQ $32, CX
	CMPQ CX, $32
	JGE sloop
stail:
	TESTQ CX, CX
	JZ sreduce
	VADDPS (SI), Z0, Z0
sreduce:
	VADDPS Z1, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPS Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VMOVHLPS X0, X1, X1
	VADDPS X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0
	VZEROUPPER
	MOVSS X0, ret+16(FP)
	RET

// func affineAVX512(out, x *float32, n int, scale, shift float32)
// out[i] = x[i]*scale + shift for any n: whole blocks of 16, then one masked block.
TEXT ·affineAVX512(SB), NOSPLIT, $0-32
	MOVQ out+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS scale+24(FP), Z0
	VBROADCASTSS shift+28(FP), Z1
floop:
	CMPQ CX, $16
	JLT ftail
	VMOVUPS (SI), Z2
	VFMADD213PS Z1, Z0, Z2
	VMOVUPS Z2, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP floop
ftail:
	TESTQ CX, CX
	JZ fdone
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
	VMOVUPS.Z (SI), K1, Z2
	VFMADD213PS Z1, Z0, Z2
	VMOVUPS Z2, K1, (DI)
fdone:
	VZEROUPPER
	RET

// func dotCenteredAVX512(dy, x *float32, n int, mu float32) (sdy, sdyx float32)
// Sums of dy[i] and dy[i]*(x[i]-mu) for n a multiple of 16.
TEXT ·dotCenteredAVX512(SB), NOSPLIT, $0-40
	MOVQ dy+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS mu+24(FP), Z4
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
dloop:
	TESTQ CX, CX
	JZ dreduce
	VMOVUPS (DI), Z2
	VMOVUPS (SI), Z3
	VSUBPS Z4, Z3, Z3
	VADDPS Z2, Z0, Z0
	VFMADD231PS Z3, Z2, Z1
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP dloop
dreduce:
	VEXTRACTF64X4 $1, Z0, Y2
	VADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X2
	VADDPS X2, X0, X0
	VMOVHLPS X0, X2, X2
	VADDPS X2, X0, X0
	VMOVSHDUP X0, X2
	VADDSS X2, X0, X0
	MOVSS X0, sdy+32(FP)
	VEXTRACTF64X4 $1, Z1, Y2
	VADDPS Y2, Y1, Y1
	VEXTRACTF128 $1, Y1, X2
	VADDPS X2, X1, X1
	VMOVHLPS X1, X2, X2
	VADDPS X2, X1, X1
	VMOVSHDUP X1, X2
	VADDSS X2, X1, X1
	MOVSS X1, sdyx+36(FP)
	VZEROUPPER
	RET

// func bnBackAVX512(di, dy, x *float32, n int, gs, k1, mu, k2 float32)
// di[i] = gs*(dy[i] - k1 - (x[i]-mu)*k2) for n a multiple of 16.
TEXT ·bnBackAVX512(SB), NOSPLIT, $0-48
	MOVQ di+0(FP), DX
	MOVQ dy+8(FP), DI
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
	VBROADCASTSS gs+32(FP), Z0
	VBROADCASTSS k1+36(FP), Z1
	VBROADCASTSS mu+40(FP), Z2
	VBROADCASTSS k2+44(FP), Z3
bloop:
	TESTQ CX, CX
	JZ bdone
	VMOVUPS (SI), Z4
	VMOVUPS (DI), Z5
	VSUBPS Z2, Z4, Z4
	VSUBPS Z1, Z5, Z5
	VFNMADD231PS Z3, Z4, Z5
	VMULPS Z0, Z5, Z5
	VMOVUPS Z5, (DX)
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $64, DX
	SUBQ $16, CX
	JMP bloop
bdone:
	VZEROUPPER
	RET

// func reluAVX512(out, x *float32, n int)
// out[i] = max(x[i], 0) for n a multiple of 16.
TEXT ·reluAVX512(SB), NOSPLIT, $0-24
	MOVQ out+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VPXORD Z0, Z0, Z0
rloop:
	TESTQ CX, CX
	JZ rdone
	VMAXPS (SI), Z0, Z1
	VMOVUPS Z1, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP rloop
rdone:
	VZEROUPPER
	RET

// func reluBackAVX512(di, dy, out *float32, n int)
// di[i] = dy[i] where out[i] > 0, else 0, for n a multiple of 16. ReLU outputs are +0 or
// positive, so the integer compare bits(out) > 0 is that test.
TEXT ·reluBackAVX512(SB), NOSPLIT, $0-32
	MOVQ di+0(FP), DX
	MOVQ dy+8(FP), DI
	MOVQ out+16(FP), SI
	MOVQ n+24(FP), CX
	VPXORD Z0, Z0, Z0
mloop:
	TESTQ CX, CX
	JZ mdone
	VMOVUPS (SI), Z1
	VPCMPGTD Z0, Z1, K1
	VMOVUPS.Z (DI), K1, Z2
	VMOVUPS Z2, (DX)
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $64, DX
	SUBQ $16, CX
	JMP mloop
mdone:
	VZEROUPPER
	RET

// func sumSqAVX512(x *float32, n int, shift float32) (s1, s2 float32)
// Sums of d and d*d with d = x[i]-shift, for n a multiple of 16.
TEXT ·sumSqAVX512(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VBROADCASTSS shift+16(FP), Z4
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	CMPQ CX, $32
	JLT wtail
wloop:
	VMOVUPS (SI), Z5
	VMOVUPS 64(SI), Z6
	VSUBPS Z4, Z5, Z5
	VSUBPS Z4, Z6, Z6
	VADDPS Z5, Z0, Z0
	VADDPS Z6, Z2, Z2
	VFMADD231PS Z5, Z5, Z1
	VFMADD231PS Z6, Z6, Z3
	ADDQ $128, SI
	SUBQ $32, CX
	CMPQ CX, $32
	JGE wloop
wtail:
	TESTQ CX, CX
	JZ wreduce
	VMOVUPS (SI), Z5
	VSUBPS Z4, Z5, Z5
	VADDPS Z5, Z0, Z0
	VFMADD231PS Z5, Z5, Z1
wreduce:
	VADDPS Z2, Z0, Z0
	VADDPS Z3, Z1, Z1
	VEXTRACTF64X4 $1, Z0, Y2
	VADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X2
	VADDPS X2, X0, X0
	VMOVHLPS X0, X2, X2
	VADDPS X2, X0, X0
	VMOVSHDUP X0, X2
	VADDSS X2, X0, X0
	MOVSS X0, s1+24(FP)
	VEXTRACTF64X4 $1, Z1, Y2
	VADDPS Y2, Y1, Y1
	VEXTRACTF128 $1, Y1, X2
	VADDPS X2, X1, X1
	VMOVHLPS X1, X2, X2
	VADDPS X2, X1, X1
	VMOVSHDUP X1, X2
	VADDSS X2, X1, X1
	MOVSS X1, s2+28(FP)
	VZEROUPPER
	RET
