package idp

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/caldera-srp/caldera/idp/tokens"
)

// sealer seals SECRET_BLOCKs with AES-256-GCM under the server key, so a
// SECRET_BLOCK is opaque to clients and any change to it is detected
// before it is used.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("idp: seal key: %w", err)
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, fmt.Errorf("idp: seal key: %w", err)
	}
	return &sealer{aead: g}, nil
}

var errUnseal = errors.New("idp: sealed value does not authenticate")

// seal returns nonce ‖ AES-GCM(plaintext) with additional data ad.
func (s *sealer) seal(rand io.Reader, plaintext, ad []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := io.ReadFull(rand, nonce); err != nil {
		return nil, err
	}
	return s.aead.Seal(nonce, nonce, plaintext, ad), nil
}

func (s *sealer) open(sealed, ad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, errUnseal
	}
	pt, err := s.aead.Open(nil, sealed[:n], sealed[n:], ad)
	if err != nil {
		return nil, errUnseal
	}
	return pt, nil
}

// randomBytes draws n bytes from the server's random source.
func (s *Server) randomBytes(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return nil, fmt.Errorf("idp: random: %w", err)
	}
	return b, nil
}

// newID returns a random RFC 4122 version 4 UUID (for sub, jti, request
// ids: identifiers, not secrets). If the random source fails, the id is
// all zeros but for the version bits; every path that draws a secret checks
// the source's error itself.
func (s *Server) newID() string {
	b, err := s.randomBytes(16)
	if err != nil {
		b = make([]byte, 16)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

const alnum = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// randomString returns n characters drawn uniformly from alphabet.
func (s *Server) randomString(n int, alphabet string) (string, error) {
	var sb strings.Builder
	buf := make([]byte, 1)
	limit := 256 - 256%len(alphabet)
	for sb.Len() < n {
		if _, err := io.ReadFull(s.rand, buf); err != nil {
			return "", fmt.Errorf("idp: random: %w", err)
		}
		if int(buf[0]) >= limit {
			continue
		}
		sb.WriteByte(alphabet[int(buf[0])%len(alphabet)])
	}
	return sb.String(), nil
}

// randomCode returns a 6-digit one-time code.
func (s *Server) randomCode() (string, error) { return s.randomString(6, "0123456789") }

func sha256Sum(b []byte) []byte {
	h := sha256.Sum256(b)
	return h[:]
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// JWK is one key of a JSON Web Key Set (RFC 7517), as Cognito publishes it.
type JWK = tokens.JWK

// JWKSet is the document served at <issuer>/.well-known/jwks.json.
type JWKSet = tokens.JWKSet

// JWKS returns the key set that verifies the server's tokens.
func (s *Server) JWKS() JWKSet { return s.issuer.JWKS() }

// subtleEq compares two strings in constant time (for equal lengths).
func subtleEq(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
