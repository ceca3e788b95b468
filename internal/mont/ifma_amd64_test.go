//go:build amd64 && !purego

package mont

var ifmaAsm = map[string]mul52Fn{"zmm": montMulIFMA512, "ymm": montMulIFMA256}

// ifmaMissing says why the IFMA kernel is not tested.
const ifmaMissing = "the CPU reports no AVX-512 F, VL or IFMA; Valgrind hides them"
