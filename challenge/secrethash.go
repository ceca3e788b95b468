package challenge

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// SecretHash returns the SECRET_HASH parameter of docs/protocol.md §5:
// Base64(HMAC-SHA256(key = clientSecret, msg = username || clientID)), in
// standard base64 with padding.
//
// username must be the USERNAME sent in the same request (on an alias pool,
// the challenge's USERNAME once the server has named the user), and clientID
// the app client id. All three strings are used as their UTF-8 bytes, as
// given: no normalization, trimming or case folding.
func SecretHash(clientSecret, username, clientID string) string {
	m := hmac.New(sha256.New, []byte(clientSecret))
	m.Write([]byte(username))
	m.Write([]byte(clientID))
	var sum [sha256.Size]byte
	return base64.StdEncoding.EncodeToString(m.Sum(sum[:0]))
}
