// Package hkdf derives the Cognito SRP session key: the 16-byte key that signs
// PASSWORD_CLAIM_SIGNATURE (docs/protocol.md §3 step 6).
//
// The derivation is HKDF-SHA256 (RFC 5869) with ikm = padHex(S), salt =
// padHex(u), info = "Caldera Derived Key" and a 16-byte output, which is one
// expand block:
//
//	PRK = HMAC-SHA256(key = salt, msg = ikm)
//	key = HMAC-SHA256(key = PRK, msg = info || 0x01)[:16]
//
// [CognitoKey] computes exactly that with a single reused SHA-256 state, so it
// makes one allocation (the returned key) where crypto/hkdf.Key makes sixteen
// (1.2 kB) and takes about twice as long. Its output is tested to be equal to crypto/hkdf.Key(sha256.New,
// ikm, salt, Info, KeySize) for thousands of random inputs. It does not go
// through the Go FIPS 140-3 module; callers who need that should call
// crypto/hkdf.Key with those arguments instead.
//
// Constant time: the contents of ikm and salt (both secret or derived from
// secrets in the protocol) are only ever fed to SHA-256 and XORed with the
// HMAC pads; no branch or memory index depends on them. Their lengths are
// treated as public, as HMAC itself does (a salt longer than 64 bytes is
// hashed first).
package hkdf

import "crypto/sha256"

// Info is the HKDF info string of the Cognito key derivation (docs/protocol.md §3
// step 6). Despite the name it is the string every Cognito client uses.
const Info = "Caldera Derived Key"

// KeySize is the length in bytes of the key returned by [CognitoKey].
const KeySize = 16

// expandMsg is the message of the single expand block: T(1) = HMAC(PRK, T(0)
// || info || 0x01) with T(0) empty (RFC 5869, Section 2.3).
const expandMsg = Info + "\x01"

// CognitoKey returns HKDF-SHA256(ikm, salt, [Info], [KeySize]): the key that
// signs the password claim, where ikm is padHex(S) and salt is padHex(u)
// (docs/protocol.md §3 step 6). Any lengths are accepted, including empty ones.
// The result is a new 16-byte slice.
func CognitoKey(ikm, salt []byte) []byte {
	key := make([]byte, KeySize)
	CognitoKeyTo((*[KeySize]byte)(key), ikm, salt)
	return key
}

// CognitoKeyTo is [CognitoKey] writing into out; it does not allocate.
func CognitoKeyTo(out *[KeySize]byte, ikm, salt []byte) {
	// One SHA-256 state, kept local so that the compiler sees its concrete
	// type, devirtualizes the calls and keeps the buffers on the stack.
	h := sha256.New()
	var pad [sha256.BlockSize]byte
	var inner [sha256.Size]byte

	// hmacSum sets out = HMAC-SHA256(key, msg || suffix) (RFC 2104).
	hmacSum := func(out *[sha256.Size]byte, key, msg []byte, suffix string) {
		var k0 [sha256.BlockSize]byte
		if len(key) > sha256.BlockSize { // the length is public
			d := sha256.Sum256(key)
			copy(k0[:], d[:])
		} else {
			copy(k0[:], key)
		}
		for i := range pad {
			pad[i] = k0[i] ^ 0x36
		}
		h.Reset()
		h.Write(pad[:])
		h.Write(msg)
		h.Write([]byte(suffix))
		h.Sum(inner[:0])
		for i := range pad {
			pad[i] = k0[i] ^ 0x5c
		}
		h.Reset()
		h.Write(pad[:])
		h.Write(inner[:])
		h.Sum(out[:0])
		clear(k0[:])
	}

	var prk, okm [sha256.Size]byte
	hmacSum(&prk, salt, ikm, "")          // HKDF-Extract, RFC 5869 Section 2.2
	hmacSum(&okm, prk[:], nil, expandMsg) // HKDF-Expand, one block (Section 2.3)
	copy(out[:], okm[:KeySize])
	clear(prk[:])
	clear(okm[:])
	clear(inner[:])
	clear(pad[:])
	h.Reset()
}
