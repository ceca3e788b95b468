package testvectors

import (
	_ "crypto/sha1"   // registers crypto.SHA1
	_ "crypto/sha512" // registers crypto.SHA384 and crypto.SHA512
	"hash"

	"golang.org/x/crypto/blake2b"
	_ "golang.org/x/crypto/blake2s" // registers crypto.BLAKE2s_256
)

// newBLAKE2b224 returns an unkeyed BLAKE2b with a 28-byte digest.
func newBLAKE2b224() hash.Hash {
	h, err := blake2b.New(28, nil)
	if err != nil {
		panic("blake2b-224: " + err.Error()) // cannot happen: size 28, no key
	}
	return h
}
