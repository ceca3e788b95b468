//go:build ignore

// This program generates mont_amd64.s: the 48-word Montgomery multiplication
// and squaring kernels for CPUs with ADX and BMI2, and the AVX2 table scan;
// and ifma_amd64.s: the radix-2^52 multiplication for CPUs with AVX-512 IFMA
// (with 256-bit and 512-bit registers) and its table scan. Run it with go
// generate.
//
// Every inner step has the same shape, after Intel's "New Instructions
// Supporting Large Integer Arithmetic" (2012): MULX forms the 128-bit product
// without touching the flags, ADCX adds the low half and the old word with the
// carry flag, ADOX adds the previous high half with the overflow flag. The two
// carry chains run side by side, so no step waits for another's carry.
package main

import (
	"bytes"
	"fmt"
	"os"
)

const words = 48

var out bytes.Buffer

func p(format string, args ...any) { fmt.Fprintf(&out, "\t"+format+"\n", args...) }
func label(l string)               { fmt.Fprintf(&out, "%s:\n", l) }
func comment(c string)             { fmt.Fprintf(&out, "\n\t// %s\n", c) }

// step emits word += DX·src + carries, where hiPrev holds the high half of the
// previous step and hiNew receives this step's. dst == "" drops the result
// (it is zero by construction).
func step(src, word, dst, hiPrev, hiNew string) {
	p("MULXQ %s, R8, %s", src, hiNew)
	p("ADCXQ %s, R8", word)
	if hiPrev != "" {
		p("ADOXQ %s, R8", hiPrev)
	}
	if dst != "" {
		p("MOVQ R8, %s", dst)
	}
}

// finalSub emits z = t − n if hi·2^3072 + t ≥ n, else t, with t at tOff(SP),
// the carry word in register hi, n at (nReg) and z at (DI). The choice is made
// with CMOV on the borrow: no branch.
func finalSub(tOff int, hi, nReg string) {
	comment("z = t − n, then put t back if that borrowed (hi = 0 and t < n)")
	p("MOVQ z+0(FP), DI")
	for j := range words {
		p("MOVQ %d(SP), R8", tOff+8*j)
		if j == 0 {
			p("SUBQ (%s), R8", nReg)
		} else {
			p("SBBQ %d(%s), R8", 8*j, nReg)
		}
		p("MOVQ R8, %d(DI)", 8*j)
	}
	p("SBBQ $0, %s", hi) // borrows iff hi = 0 and t < n: then keep t
	for j := range words {
		p("MOVQ %d(DI), R8", 8*j)
		p("CMOVQCS %d(SP), R8", tOff+8*j)
		p("MOVQ R8, %d(DI)", 8*j)
	}
}

func mul() {
	out.WriteString(`
// func montMulADX(z, x, y, n *[48]uint64, n0 uint64)
//
// Word-by-word Montgomery multiplication. t (50 words) lives at 0(SP):
// each of the 48 rounds adds x·y[i], then m·n with m = t[0]·n0, and shifts t
// down one word.
TEXT ·montMulADX(SB), 0, $400-40
	MOVQ x+8(FP), DI
	MOVQ y+16(FP), SI
	MOVQ n+24(FP), CX
	XORL AX, AX // AX stays zero
`)
	for j := range words + 2 {
		p("MOVQ AX, %d(SP)", 8*j)
	}
	p("MOVQ $%d, BX", words)
	label("mulRound")
	comment("t += x·y[i]")
	p("MOVQ (SI), DX")
	p("XORL R9, R9") // clears CF and OF; R9 = previous high half = 0
	hi := [2]string{"R9", "R10"}
	for j := range words {
		step(fmt.Sprintf("%d(DI)", 8*j), fmt.Sprintf("%d(SP)", 8*j), fmt.Sprintf("%d(SP)", 8*j), hi[j%2], hi[(j+1)%2])
	}
	h := hi[words%2]
	p("MOVQ %d(SP), R8", 8*words)
	p("ADCXQ %s, R8", h)
	p("ADOXQ AX, R8")
	p("MOVQ R8, %d(SP)", 8*words)
	p("MOVQ AX, R8")
	p("ADCXQ AX, R8")
	p("ADOXQ AX, R8")
	p("MOVQ R8, %d(SP)", 8*words+8)

	comment("t = (t + m·n) / 2^64 with m = t[0]·n0")
	p("MOVQ (SP), DX")
	p("IMULQ n0+32(FP), DX")
	p("XORL R9, R9")
	for j := range words {
		dst := fmt.Sprintf("%d(SP)", 8*(j-1))
		if j == 0 {
			dst = ""
		}
		step(fmt.Sprintf("%d(CX)", 8*j), fmt.Sprintf("%d(SP)", 8*j), dst, hi[j%2], hi[(j+1)%2])
	}
	p("MOVQ %d(SP), R8", 8*words)
	p("ADCXQ %s, R8", h)
	p("ADOXQ AX, R8")
	p("MOVQ R8, %d(SP)", 8*(words-1))
	p("MOVQ %d(SP), R8", 8*words+8)
	p("ADCXQ AX, R8")
	p("ADOXQ AX, R8")
	p("MOVQ R8, %d(SP)", 8*words)

	p("ADDQ $8, SI")
	p("DECQ BX")
	p("JNZ mulRound")

	p("MOVQ %d(SP), BX", 8*words)
	finalSub(0, "BX", "CX")
	p("RET")
}

// sqr emits the squaring kernel. The product p (96 words) lives at 0(SP).
//
// Cross products x[i]·x[j], i < j, are added row by row (row i uses DX = x[i]).
// Rows are grouped in blocks of 8: row i = 8k + r first covers the rest of its
// own block (j = i+1 .. 8k+7, unrolled), then the following blocks 8 words at
// a time in a loop whose control (LEAQ, JCXZ) leaves CF and OF alone, so the
// two carry chains run across the whole row.
func sqr() {
	out.WriteString(`
// func montSqrADX(z, x, n *[48]uint64, n0 uint64)
//
// The square from its cross products, doubled, plus the squares x[i]², then a
// Montgomery reduction of the 96-word product.
TEXT ·montSqrADX(SB), 0, $768-32
	MOVQ x+8(FP), SI
	XORL AX, AX // AX stays zero
`)
	for j := range words {
		p("MOVQ AX, %d(SP)", 8*j)
	}
	hi := [2]string{"R9", "R10"}
	// row emits row r of the block at DI (x) and R11 (p at the block's
	// diagonal, index 16k); chunks says whether blocks follow (k < 5).
	row := func(blk string, r int, chunks bool) {
		p("MOVQ %d(DI), DX", 8*r)
		p("XORL R9, R9")
		n := 0
		for s := r + 1; s < 8; s++ {
			step(fmt.Sprintf("%d(DI)", 8*s), fmt.Sprintf("%d(R11)", 8*(r+s)), fmt.Sprintf("%d(R11)", 8*(r+s)), hi[n%2], hi[(n+1)%2])
			n++
		}
		if n%2 == 1 {
			p("MOVQ R10, R9") // the loop expects the high half in R9
		}
		if !chunks {
			p("ADCXQ AX, R9")
			p("ADOXQ AX, R9")
			p("MOVQ R9, %d(R11)", 8*(r+8))
			return
		}
		// p index of x[8c+s] in row 8k+r is 8k+r+8c+s: R13 = &p[8k+8c], R12 = &x[8c].
		p("LEAQ 64(DI), R12")
		p("LEAQ 64(R11), R13")
		p("MOVQ BX, CX") // 5−k blocks follow
		l := fmt.Sprintf("%sRow%dChunk", blk, r)
		label(l)
		for s := range 8 {
			step(fmt.Sprintf("%d(R12)", 8*s), fmt.Sprintf("%d(R13)", 8*(r+s)), fmt.Sprintf("%d(R13)", 8*(r+s)), hi[s%2], hi[(s+1)%2])
		}
		p("LEAQ 64(R12), R12")
		p("LEAQ 64(R13), R13")
		p("LEAQ -1(CX), CX")
		p("JCXZQ %sRow%dEnd", blk, r)
		p("JMP %s", l)
		label(fmt.Sprintf("%sRow%dEnd", blk, r))
		// R13 = &p[8k+48]: the row's top word, p[8k+r+48], is new.
		p("ADCXQ AX, R9")
		p("ADOXQ AX, R9")
		p("MOVQ R9, %d(R13)", 8*r)
	}
	comment("cross products, blocks 0 to 4")
	p("MOVQ SI, DI")
	p("MOVQ SP, R11")
	p("MOVQ $5, BX")
	label("sqrBlock")
	for r := range 8 {
		row("sqrBlock", r, true)
	}
	p("ADDQ $64, DI")
	p("ADDQ $128, R11")
	p("DECQ BX")
	p("JNZ sqrBlock")
	comment("cross products, block 5")
	for r := range 7 {
		row("sqrLast", r, false)
	}
	p("MOVQ AX, %d(SP)", 8*95)

	comment("p = 2·p + Σ x[i]²·2^(128i): doubling on the CF chain, squares on the OF chain")
	p("XORL R8, R8")
	for i := range words {
		p("MOVQ %d(SI), DX", 8*i)
		p("MULXQ DX, R9, R10")
		p("MOVQ %d(SP), R8", 16*i)
		p("ADCXQ R8, R8")
		p("ADOXQ R9, R8")
		p("MOVQ R8, %d(SP)", 16*i)
		p("MOVQ %d(SP), R8", 16*i+8)
		p("ADCXQ R8, R8")
		p("ADOXQ R10, R8")
		p("MOVQ R8, %d(SP)", 16*i+8)
	}

	comment("Montgomery reduction: 48 rounds adding m·n·2^(64i), m = p[i]·n0; BX carries into p[i+48]")
	p("MOVQ n+16(FP), R12")
	p("MOVQ SP, R11")
	p("XORL BX, BX")
	p("MOVQ $%d, CX", words)
	label("sqrReduce")
	p("MOVQ (R11), DX")
	p("IMULQ n0+24(FP), DX")
	p("XORL R9, R9")
	for j := range words {
		dst := fmt.Sprintf("%d(R11)", 8*j)
		if j == 0 {
			dst = ""
		}
		step(fmt.Sprintf("%d(R12)", 8*j), fmt.Sprintf("%d(R11)", 8*j), dst, hi[j%2], hi[(j+1)%2])
	}
	h := hi[words%2]
	p("MOVQ %d(R11), R8", 8*words)
	p("ADCXQ %s, R8", h)
	p("ADOXQ BX, R8")
	p("MOVQ R8, %d(R11)", 8*words)
	p("MOVQ AX, BX")
	p("ADCXQ AX, BX")
	p("ADOXQ AX, BX")
	p("ADDQ $8, R11")
	p("DECQ CX")
	p("JNZ sqrReduce")

	finalSub(8*words, "BX", "R12")
	p("RET")
}

// lookup emits the constant-time table scan: every entry is read and ANDed
// with a mask that is all ones for the wanted index only, built by a vector
// compare (no branch, no secret-dependent address).
func lookup() {
	out.WriteString(`
// func lookupAVX2(z *[48]uint64, table *[32]Elem, idx int)
TEXT ·lookupAVX2(SB), NOSPLIT, $0-24
	MOVQ table+8(FP), SI
	MOVQ idx+16(FP), AX
	VMOVQ AX, X13
	VPBROADCASTQ X13, Y13
`)
	for k := range 12 {
		p("VPXOR Y%d, Y%d, Y%d", k, k, k)
	}
	p("XORQ CX, CX")
	label("lookupEntry")
	p("VMOVQ CX, X14")
	p("VPBROADCASTQ X14, Y14")
	p("VPCMPEQQ Y13, Y14, Y12")
	for k := range 12 {
		p("VPAND %d(SI), Y12, Y15", 32*k)
		p("VPOR Y15, Y%d, Y%d", k, k)
	}
	p("ADDQ $%d, SI", 8*words)
	p("INCQ CX")
	p("CMPQ CX, $32")
	p("JNE lookupEntry")
	p("MOVQ z+0(FP), DI")
	for k := range 12 {
		p("VMOVDQU Y%d, %d(DI)", k, 32*k)
	}
	p("VZEROUPPER")
	p("RET")
}

// IFMA kernels (radix 2^52). An element is 60 limbs of 52 bits, one per 64-bit
// lane, padded with zeros to 64 lanes (512 bytes); see ifma.go.
const (
	ifmaLimbs = 60
	ifmaLanes = 64
)

// ifmaMul emits montMulIFMA<bits>: almost Montgomery multiplication in radix
// 2^52 with the accumulator in vector registers of vec lanes (4: ymm, 8: zmm).
//
// Round i adds x·y[i] and m·n (m = t[0]·k0 mod 2^52) to t and shifts t down
// one limb. VPMADD52LUQ adds the low 52 bits of each lane's product, which
// belong to the lane itself, before the shift; VPMADD52HUQ adds the high 52
// bits, which belong to the next limb, after it. Limb 0 is kept in scalar
// registers (R12:R11) with whole 104-bit products, so that m does not wait for
// a vector lane: after the shift, the new lane 0 is moved into the scalar
// accumulator, and whatever the vector adds to lane 0 afterwards is dropped by
// the next shift (the scalar side has counted it). Lanes never exceed 2^61
// (at most 4 terms below 2^52 per round, 60 rounds), so no carry is
// propagated until the end, where one scalar pass normalizes t to 52-bit limbs.
func ifmaMul(vec int) {
	bits := 64 * vec
	nreg := (ifmaLimbs + vec - 1) / vec
	r := "Y"
	if vec == 8 {
		r = "Z"
	}
	acc := func(k int) string { return fmt.Sprintf("%s%d", r, k) }
	bi, yi, zero := r+"16", r+"17", r+"18"
	fmt.Fprintf(&out, `
// func montMulIFMA%d(z, x, y, n *[64]uint64, k0 uint64)
TEXT ·montMulIFMA%d(SB), NOSPLIT, $0-40
	MOVQ x+8(FP), DI
	MOVQ y+16(FP), SI
	MOVQ n+24(FP), CX
	MOVQ k0+32(FP), R14
	MOVQ $0xfffffffffffff, R10 // 2^52 − 1
	MOVQ (DI), R13             // x[0]
	XORL R11, R11              // scalar limb 0: R12:R11
	XORL R12, R12
	VPXORQ %s, %s, %s
`, bits, bits, zero, zero, zero)
	for k := range nreg {
		p("VPXORQ %s, %s, %s", acc(k), acc(k), acc(k))
	}
	p("MOVQ $%d, BX", ifmaLimbs)
	label(fmt.Sprintf("ifma%dRound", bits))
	p("MOVQ (SI), DX")
	p("VPBROADCASTQ DX, %s", bi)
	comment("limb 0: t0 += x[0]·y[i]; m = t0·k0 mod 2^52; t0 += n[0]·m; t0 >>= 52")
	p("MULXQ R13, AX, R8")
	p("ADDQ AX, R11")
	p("ADCQ R8, R12")
	p("MOVQ R11, DX")
	p("IMULQ R14, DX")
	p("ANDQ R10, DX")
	p("VPBROADCASTQ DX, %s", yi)
	p("MULXQ (CX), AX, R8")
	p("ADDQ AX, R11")
	p("ADCQ R8, R12")
	p("SHRQ $52, R12, R11")
	p("XORL R12, R12") // t0 < 2^105 before the shift, so the high word is now 0
	comment("low halves, then shift down one lane")
	for k := range nreg {
		p("VPMADD52LUQ %d(DI), %s, %s", k*8*vec, bi, acc(k))
		p("VPMADD52LUQ %d(CX), %s, %s", k*8*vec, yi, acc(k))
	}
	for k := range nreg {
		next := zero
		if k+1 < nreg {
			next = acc(k + 1)
		}
		p("VALIGNQ $1, %s, %s, %s", acc(k), next, acc(k))
	}
	p("VMOVQ X0, AX")
	p("ADDQ AX, R11")
	comment("high halves")
	for k := range nreg {
		p("VPMADD52HUQ %d(DI), %s, %s", k*8*vec, bi, acc(k))
		p("VPMADD52HUQ %d(CX), %s, %s", k*8*vec, yi, acc(k))
	}
	p("ADDQ $8, SI")
	p("DECQ BX")
	p("JNZ ifma%dRound", bits)

	comment("store, then normalize to 52-bit limbs (lane 0 is the scalar limb)")
	p("MOVQ z+0(FP), DI")
	for k := range nreg {
		p("VMOVDQU64 %s, %d(DI)", acc(k), k*8*vec)
	}
	for j := nreg * vec; j < ifmaLanes; j++ {
		p("MOVQ $0, %d(DI)", 8*j)
	}
	p("MOVQ R11, AX")
	for j := range ifmaLimbs {
		if j > 0 {
			p("MOVQ %d(DI), AX", 8*j)
			p("ADDQ R11, AX")
		}
		p("MOVQ AX, R11")
		p("ANDQ R10, AX")
		p("SHRQ $52, R11")
		p("MOVQ AX, %d(DI)", 8*j)
	}
	p("VZEROUPPER")
	p("RET")
}

// ifmaLookup emits the constant-time scan of a 32-entry table of radix-2^52
// elements: every entry is read whole and ANDed with a mask that is all ones
// for the wanted index only (a vector compare into K1, then a zero-masked
// register move: no branch, no secret-dependent address).
func ifmaLookup() {
	out.WriteString(`
// func lookupIFMA(z *[64]uint64, table *[32][64]uint64, idx int)
TEXT ·lookupIFMA(SB), NOSPLIT, $0-24
	MOVQ table+8(FP), SI
	MOVQ idx+16(FP), AX
	VPBROADCASTQ AX, Z8
	VPTERNLOGQ $0xff, Z10, Z10, Z10 // all ones
`)
	for k := range 8 {
		p("VPXORQ Z%d, Z%d, Z%d", k, k, k)
	}
	p("XORQ CX, CX")
	label("lookupIFMAEntry")
	p("VPBROADCASTQ CX, Z9")
	p("VPCMPEQQ Z8, Z9, K1")
	p("VMOVDQA64.Z Z10, K1, Z11")
	for k := range 8 {
		p("VPANDQ %d(SI), Z11, Z12", 64*k)
		p("VPORQ Z12, Z%d, Z%d", k, k)
	}
	p("ADDQ $%d, SI", 8*ifmaLanes)
	p("INCQ CX")
	p("CMPQ CX, $32")
	p("JNE lookupIFMAEntry")
	p("MOVQ z+0(FP), DI")
	for k := range 8 {
		p("VMOVDQU64 Z%d, %d(DI)", k, 64*k)
	}
	p("VZEROUPPER")
	p("RET")
}

func main() {
	out.WriteString("// Code generated by gen_amd64.go; DO NOT EDIT.\n\n//go:build amd64 && !purego\n\n#include \"textflag.h\"\n")
	mul()
	sqr()
	lookup()
	write("mont_amd64.s")
	out.WriteString("// Code generated by gen_amd64.go; DO NOT EDIT.\n\n//go:build amd64 && !purego\n\n#include \"textflag.h\"\n")
	ifmaMul(8)
	ifmaMul(4)
	ifmaLookup()
	write("ifma_amd64.s")
}

func write(name string) {
	if err := os.WriteFile(name, out.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out.Reset()
}
