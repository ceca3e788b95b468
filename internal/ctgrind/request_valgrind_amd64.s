//go:build valgrind && linux

#include "textflag.h"

// func request(code, a1, a2 uintptr) uintptr
//
// Valgrind's client request convention on amd64 (valgrind.h,
// VALGRIND_DO_CLIENT_REQUEST_EXPR): RAX points to six words (the request code
// and five arguments), RDX holds the default result, and the "special
// instruction preamble" — four rotations of RDI summing to 128 bits, which
// leave it unchanged — followed by XCHGQ BX, BX makes Valgrind serve the
// request and put its result in RDX. On a real CPU the sequence is a no-op.
TEXT ·request(SB), NOSPLIT, $48-32
	MOVQ code+0(FP), AX
	MOVQ AX, 0(SP)
	MOVQ a1+8(FP), AX
	MOVQ AX, 8(SP)
	MOVQ a2+16(FP), AX
	MOVQ AX, 16(SP)
	MOVQ $0, 24(SP)
	MOVQ $0, 32(SP)
	MOVQ $0, 40(SP)
	LEAQ 0(SP), AX
	XORQ DX, DX
	ROLQ $3, DI
	ROLQ $13, DI
	ROLQ $61, DI
	ROLQ $51, DI
	XCHGQ BX, BX
	MOVQ DX, ret+24(FP)
	RET
