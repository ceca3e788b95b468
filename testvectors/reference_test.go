package testvectors

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
)

// This file is an independent reference implementation of the Cognito
// client computation (docs/protocol.md §§2–3, 6) on math/big. It shares no code
// with srp or hkdf and is NOT constant-time: it exists only to check srp in
// the accumulated test and to compute what srp has no primitive for.

// refPadHex is padHex of a non-negative n: minimal big-endian bytes, plus a
// 0x00 byte when the top bit is set; zero is 0x00 (docs/protocol.md §2).
func refPadHex(n *big.Int) []byte {
	b := n.Bytes()
	if len(b) == 0 || b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	return b
}

// refSignedPadHex is Java's BigInteger.toByteArray for any sign: the
// minimal two's-complement big-endian encoding.
func refSignedPadHex(n *big.Int) []byte {
	if n.Sign() >= 0 {
		return refPadHex(n)
	}
	// Smallest k with -2^(8k-1) <= n, then n + 2^(8k).
	for k := 1; ; k++ {
		lim := new(big.Int).Lsh(big.NewInt(1), uint(8*k-1))
		if new(big.Int).Neg(lim).Cmp(n) <= 0 {
			v := new(big.Int).Add(n, new(big.Int).Lsh(big.NewInt(1), uint(8*k)))
			b := v.Bytes()
			for len(b) < k {
				b = append([]byte{0}, b...)
			}
			return b
		}
	}
}

func refSHA256(parts ...[]byte) []byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

func refHMAC(key []byte, parts ...[]byte) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// refPremaster is S = (B − k·g^x)^(a + u·x) mod N with the base reduced into
// [0, N) and the exponent not reduced (docs/protocol.md §3 step 5).
func refPremaster(N, g, k, B, x, a, u *big.Int) *big.Int {
	gx := new(big.Int).Exp(g, x, N)
	base := new(big.Int).Mul(k, gx)
	base.Sub(new(big.Int).Mod(B, N), base)
	base.Mod(base, N)
	e := new(big.Int).Mul(u, x)
	e.Add(e, a)
	return new(big.Int).Exp(base, e, N)
}

// refClaim holds every output of one reference claim.
type refClaim struct {
	A, U, X, S         *big.Int
	IKM, Salt, Key     []byte
	Signature          string
	SecretBlockDecoded []byte
}

// refCognitoClaim computes a PASSWORD_VERIFIER claim (docs/protocol.md §3) from
// the integer a, B and salt (salt may be negative), with the Cognito group.
func refCognitoClaim(a, B, salt *big.Int, poolName, userID, password string, secretBlock []byte, timestamp string) refClaim {
	N := cognitoN()
	g := big.NewInt(2)
	k := new(big.Int).SetBytes(refSHA256(refPadHex(N), refPadHex(g)))
	A := new(big.Int).Exp(g, a, N)
	u := new(big.Int).SetBytes(refSHA256(refPadHex(A), refPadHex(B)))
	inner := refSHA256([]byte(poolName + userID + ":" + password))
	x := new(big.Int).SetBytes(refSHA256(refSignedPadHex(salt), inner))
	S := refPremaster(N, g, k, B, x, a, u)
	ikm, hsalt := refPadHex(S), refPadHex(u)
	prk := refHMAC(hsalt, ikm)
	key := refHMAC(prk, []byte("Caldera Derived Key"), []byte{1})[:16]
	sig := refHMAC(key, []byte(poolName), []byte(userID), secretBlock, []byte(timestamp))
	return refClaim{
		A: A, U: u, X: x, S: S, IKM: ikm, Salt: hsalt, Key: key,
		Signature: base64.StdEncoding.EncodeToString(sig),
	}
}
