// Package rnd draws the local server's random values (identifiers, codes,
// secrets) from a given source, so that tests and the demo can seed it.
// It imports nothing else of idp.
package rnd

import (
	"encoding/hex"
	"fmt"
	"io"
	"strings"
)

// Bytes draws n bytes from r.
func Bytes(r io.Reader, n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("idp: random: %w", err)
	}
	return b, nil
}

// ID returns a random RFC 4122 version 4 UUID (for sub, jti, request ids:
// identifiers, not secrets). If the source fails, the id is all zeros but
// for the version bits; every path that draws a secret checks the source's
// error itself.
func ID(r io.Reader) string {
	b, err := Bytes(r, 16)
	if err != nil {
		b = make([]byte, 16)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Alnum is the alphabet of pool-id suffixes and device group keys.
const Alnum = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// String returns n characters drawn uniformly from alphabet (rejection
// sampling: bytes at or above the largest multiple of len(alphabet) are
// drawn again).
func String(r io.Reader, n int, alphabet string) (string, error) {
	var sb strings.Builder
	buf := make([]byte, 1)
	limit := 256 - 256%len(alphabet)
	for sb.Len() < n {
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", fmt.Errorf("idp: random: %w", err)
		}
		if int(buf[0]) >= limit {
			continue
		}
		sb.WriteByte(alphabet[int(buf[0])%len(alphabet)])
	}
	return sb.String(), nil
}

// Code returns a 6-digit one-time code.
func Code(r io.Reader) (string, error) { return String(r, 6, "0123456789") }
