//go:build amd64 && !purego

package mont

var ifmaAsm = map[string]mul52Fn{"zmm": montMulIFMA512, "ymm": montMulIFMA256}
