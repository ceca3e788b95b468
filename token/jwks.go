package token

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// keySet is one issuer's JSON Web Key Set (RFC 7517, Section 5) and the
// rules for fetching it: once on first use, again only when a token names a
// kid the set lacks, and then at most once per Config.RefetchInterval.
// A keySet made from Pool.JWKS is never fetched.
type keySet struct {
	url string // "" when offline
	v   *Verifier

	fetchMu sync.Mutex // held while fetching: one fetch per issuer at a time

	mu      sync.RWMutex
	keys    map[string]jose.JSONWebKey
	fetched time.Time // the last fetch attempt, successful or not
	tried   bool
}

// key returns the key named kid, fetching the set when kid is unknown and
// a fetch is allowed.
func (ks *keySet) key(ctx context.Context, kid string) (jose.JSONWebKey, error) {
	if k, ok := ks.lookup(kid); ok {
		return k, nil
	}
	if ks.url == "" {
		return jose.JSONWebKey{}, fmt.Errorf("%w: kid %s is not in the key set", ErrUnknownKey, clip(kid))
	}
	ks.fetchMu.Lock()
	defer ks.fetchMu.Unlock()
	// Another caller may have fetched while this one waited.
	if k, ok := ks.lookup(kid); ok {
		return k, nil
	}
	now := ks.v.now()
	ks.mu.RLock()
	wait := ks.tried && now.Sub(ks.fetched) < ks.v.refetch
	loaded := ks.keys != nil
	ks.mu.RUnlock()
	switch {
	case wait && !loaded:
		// No set was ever had: the token may be good.
		return jose.JSONWebKey{}, fmt.Errorf("%w: the last fetch of %s failed less than %v ago", ErrKeySet, ks.url, ks.v.refetch)
	case wait:
		return jose.JSONWebKey{}, fmt.Errorf("%w: kid %s is not in the key set (fetched less than %v ago)", ErrUnknownKey, clip(kid), ks.v.refetch)
	}
	// The fetch outlives a caller that goes away: its result serves the
	// next caller, and a cancelled request must not count as the
	// issuer's failure.
	keys, err := ks.v.fetch(context.WithoutCancel(ctx), ks.url)
	ks.mu.Lock()
	ks.fetched, ks.tried = now, true
	if err == nil {
		ks.keys = keys
	}
	ks.mu.Unlock()
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	if k, ok := ks.lookup(kid); ok {
		return k, nil
	}
	return jose.JSONWebKey{}, fmt.Errorf("%w: kid %s is not in the key set", ErrUnknownKey, clip(kid))
}

func (ks *keySet) lookup(kid string) (jose.JSONWebKey, bool) {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	k, ok := ks.keys[kid]
	return k, ok
}

// fetch downloads and parses a key set, with Config.FetchTimeout and
// Config.MaxJWKSBytes.
func (v *Verifier) fetch(ctx context.Context, url string) (map[string]jose.JSONWebKey, error) {
	ctx, cancel := context.WithTimeout(ctx, v.fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeySet, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeySet, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: HTTP %d from %s", ErrKeySet, resp.StatusCode, url)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, v.maxJWKS+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %v", ErrKeySet, url, err)
	}
	if int64(len(body)) > v.maxJWKS {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrKeySet, url, v.maxJWKS)
	}
	keys, err := parseKeySet(body)
	if err != nil {
		return nil, fmt.Errorf("%w (from %s)", err, url)
	}
	return keys, nil
}

// parseKeySet parses a JWKS document with go-jose, keeping every public
// signing key that has a kid. A key go-jose cannot parse (an unknown kty, a
// bad modulus) is skipped, not fatal: a set may hold keys for other uses.
// Whether a key may verify a token is decided when a token names it.
func parseKeySet(b []byte) (map[string]jose.JSONWebKey, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%w: not a JWKS document: %v", ErrKeySet, err)
	}
	keys := make(map[string]jose.JSONWebKey, len(doc.Keys))
	for _, raw := range doc.Keys {
		var k jose.JSONWebKey
		if k.UnmarshalJSON(raw) != nil || k.KeyID == "" || !k.Valid() {
			continue
		}
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		if !k.IsPublic() {
			k = k.Public() // a private key published by mistake: keep only its public half
			if !k.Valid() {
				continue // symmetric: there is no public half
			}
		}
		if _, dup := keys[k.KeyID]; !dup {
			keys[k.KeyID] = k
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no usable signing key", ErrKeySet)
	}
	return keys, nil
}

// rsaKey returns the RSA public key of k if k may verify RS256.
func rsaKey(k jose.JSONWebKey) (*rsa.PublicKey, error) {
	pub, ok := k.Key.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: key %s is %T, not an RSA public key", ErrAlgorithm, clip(k.KeyID), k.Key)
	}
	if k.Algorithm != "" && k.Algorithm != string(jose.RS256) {
		return nil, fmt.Errorf("%w: key %s is for %s, not RS256", ErrAlgorithm, clip(k.KeyID), clip(k.Algorithm))
	}
	if pub.N.BitLen() < minRSABits {
		return nil, fmt.Errorf("%w: key %s has %d bits, fewer than %d", ErrAlgorithm, clip(k.KeyID), pub.N.BitLen(), minRSABits)
	}
	return pub, nil
}

// minRSABits is the smallest RSA modulus accepted (NIST SP 800-131A;
// Cognito's keys have 2048 bits).
const minRSABits = 2048
