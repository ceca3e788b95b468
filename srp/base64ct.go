package srp

// appendBase64 appends the standard, padded base64 encoding (RFC 4648,
// Section 4) of src to dst in constant time: each character is computed
// from its 6-bit value by arithmetic, not looked up in a table, so neither
// a branch nor a memory address depends on the data. It is used for the
// device password, which is secret; encoding/base64 indexes a table.
func appendBase64(dst, src []byte) []byte {
	for len(src) >= 3 {
		v := uint32(src[0])<<16 | uint32(src[1])<<8 | uint32(src[2])
		dst = append(dst, b64char(v>>18), b64char(v>>12), b64char(v>>6), b64char(v))
		src = src[3:]
	}
	switch len(src) { // the length is public
	case 2:
		v := uint32(src[0])<<16 | uint32(src[1])<<8
		dst = append(dst, b64char(v>>18), b64char(v>>12), b64char(v>>6), '=')
	case 1:
		v := uint32(src[0]) << 16
		dst = append(dst, b64char(v>>18), b64char(v>>12), '=', '=')
	}
	return dst
}

// b64char returns the base64 character of the low 6 bits of v: 'A'+v, then
// shifted into 'a'…'z' from 26, '0'…'9' from 52, '+' at 62 and '/' at 63.
func b64char(v uint32) byte {
	v &= 63
	c := int32(v) + 'A'
	c += geMask(v, 26) & ('a' - 'A' - 26)
	c += geMask(v, 52) & ('0' - 'a' - 26)
	c += geMask(v, 62) & ('+' - '0' - 10)
	c += geMask(v, 63) & ('/' - '+' - 1)
	return byte(c)
}

// geMask returns −1 (all ones) if v ≥ k and 0 otherwise, for v, k < 2^31.
func geMask(v, k uint32) int32 { return int32(k-1-v) >> 31 }
