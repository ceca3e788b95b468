package idp

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Claims are the decoded claims of a token the server issued.
type Claims map[string]any

// String returns the claim name as a string, or "".
func (c Claims) String(name string) string {
	v, _ := c[name].(string)
	return v
}

// Unix returns a numeric claim (exp, iat, auth_time) as a time.
func (c Claims) Unix(name string) time.Time {
	switch v := c[name].(type) {
	case float64:
		return time.Unix(int64(v), 0)
	case json.Number:
		n, _ := v.Int64()
		return time.Unix(n, 0)
	}
	return time.Time{}
}

// ErrToken is returned by VerifyToken for a token that is malformed, not
// signed by this server, or expired.
var ErrToken = errors.New("idp: invalid token")

func (s *Server) signJWT(claims map[string]any) (string, error) {
	header := mustJSON(map[string]string{"kid": s.kid, "alg": "RS256"})
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signing := b64url(header) + "." + b64url(payload)
	h := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(nil, s.signKey, crypto.SHA256, h[:])
	if err != nil {
		return "", err
	}
	return signing + "." + b64url(sig), nil
}

// VerifyToken checks a token's RS256 signature against the server's key
// and its expiry against the server clock, and returns its claims. It does
// not check revocation; the API operations that take an access token do.
func (s *Server) VerifyToken(token string) (Claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: not a JWT", ErrToken)
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	pb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, fmt.Errorf("%w: bad base64", ErrToken)
	}
	var hdr struct{ Alg, Kid string }
	if json.Unmarshal(hb, &hdr) != nil || hdr.Alg != "RS256" || subtle.ConstantTimeCompare([]byte(hdr.Kid), []byte(s.kid)) != 1 {
		return nil, fmt.Errorf("%w: header", ErrToken)
	}
	h := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(&s.signKey.PublicKey, crypto.SHA256, h[:], sig) != nil {
		return nil, fmt.Errorf("%w: signature", ErrToken)
	}
	var c Claims
	if err := json.Unmarshal(pb, &c); err != nil {
		return nil, fmt.Errorf("%w: claims", ErrToken)
	}
	if exp := c.Unix("exp"); exp.IsZero() || !s.now().Before(exp) {
		return nil, fmt.Errorf("%w: expired", ErrToken)
	}
	return c, nil
}

// tokenSet is an AuthenticationResult.
type tokenSet struct {
	AccessToken       string             `json:"AccessToken"`
	IdToken           string             `json:"IdToken"`
	RefreshToken      string             `json:"RefreshToken,omitempty"`
	ExpiresIn         int64              `json:"ExpiresIn"`
	TokenType         string             `json:"TokenType"`
	NewDeviceMetadata *newDeviceMetadata `json:"NewDeviceMetadata,omitempty"`
}

type newDeviceMetadata struct {
	DeviceKey      string `json:"DeviceKey"`
	DeviceGroupKey string `json:"DeviceGroupKey"`
}

// mintTokens signs an ID and an access token for u in origin o.
// Called with s.mu held.
func (s *Server) mintTokens(endpoint string, cl *clientRecord, u *userRecord, o *originRecord) (*tokenSet, *Error) {
	now := s.now()
	iss := endpoint + "/" + u.PoolID
	accessTTL, idTTL := cl.AccessTTL, cl.IDTTL
	if accessTTL <= 0 {
		accessTTL = defaultAccessTokenTTL
	}
	if idTTL <= 0 {
		idTTL = defaultIDTokenTTL
	}
	eventID := s.newID()
	id := map[string]any{
		"sub":              u.Sub,
		"iss":              iss,
		"cognito:username": u.Username,
		"origin_jti":       o.JTI,
		"aud":              cl.ID,
		"event_id":         eventID,
		"token_use":        "id",
		"auth_time":        o.AuthTime.Unix(),
		"exp":              now.Add(idTTL).Unix(),
		"iat":              now.Unix(),
		"jti":              s.newID(),
	}
	for k, v := range u.Attrs {
		if k == "sub" {
			continue
		}
		switch v {
		case "true", "false":
			if strings.HasSuffix(k, "_verified") {
				id[k] = v == "true"
				continue
			}
		}
		id[k] = v
	}
	access := map[string]any{
		"sub":        u.Sub,
		"iss":        iss,
		"client_id":  cl.ID,
		"origin_jti": o.JTI,
		"event_id":   eventID,
		"token_use":  "access",
		"scope":      "aws.cognito.signin.user.admin",
		"auth_time":  o.AuthTime.Unix(),
		"exp":        now.Add(accessTTL).Unix(),
		"iat":        now.Unix(),
		"jti":        s.newID(),
		"username":   u.Username,
	}
	if o.DeviceKey != "" {
		access["device_key"] = o.DeviceKey
	}
	idTok, err := s.signJWT(id)
	if err != nil {
		return nil, errInternal(err)
	}
	accTok, err := s.signJWT(access)
	if err != nil {
		return nil, errInternal(err)
	}
	return &tokenSet{AccessToken: accTok, IdToken: idTok, ExpiresIn: int64(accessTTL / time.Second), TokenType: "Bearer"}, nil
}

// accessUser validates an access token for an API call: signature, expiry,
// token_use, that its sign-in has not been revoked, and that the user
// exists. Called with s.mu held.
func (s *Server) accessUser(token string) (*userRecord, Claims, *Error) {
	if token == "" {
		return nil, nil, errParam("Missing required parameter AccessToken")
	}
	c, err := s.VerifyToken(token)
	if err != nil || c.String("token_use") != "access" {
		return nil, nil, apiErr("NotAuthorizedException", msgBadAccessToken)
	}
	o := s.origins[c.String("origin_jti")]
	if o == nil || o.Revoked {
		return nil, nil, apiErr("NotAuthorizedException", msgRevokedToken)
	}
	u := s.users[userKey(o.PoolID, o.Username)]
	if u == nil || u.Sub != c.String("sub") {
		return nil, nil, apiErr("NotAuthorizedException", msgBadAccessToken)
	}
	if !u.Enabled {
		return nil, nil, apiErr("NotAuthorizedException", msgDisabled)
	}
	return u, c, nil
}

// newOrigin starts a sign-in record with a fresh refresh token. Called with
// s.mu held; the caller persists it.
func (s *Server) newOrigin(cl *clientRecord, u *userRecord, deviceKey string, authTime time.Time) (*originRecord, string, *Error) {
	secret, err := s.randomBytes(32)
	if err != nil {
		return nil, "", errInternal(err)
	}
	ttl := cl.RefreshTTL
	if ttl <= 0 {
		ttl = defaultRefreshTokenTTL
	}
	now := s.now()
	o := &originRecord{
		JTI: s.newID(), PoolID: u.PoolID, ClientID: cl.ID, Username: u.Username, DeviceKey: deviceKey,
		RefreshHash: sha256Sum(secret), AuthTime: authTime, IssuedAt: now, ExpiresAt: now.Add(ttl),
	}
	// The refresh token names its origin and carries the secret whose hash
	// the origin keeps: opaque to clients, found without a scan.
	refresh := b64url([]byte(o.JTI)) + "." + b64url(secret)
	return o, refresh, nil
}

// refreshOrigin finds the live origin of a refresh token. Called with s.mu
// held.
func (s *Server) refreshOrigin(token string) *originRecord {
	id, sec, ok := strings.Cut(token, ".")
	if !ok {
		return nil
	}
	jti, err1 := base64.RawURLEncoding.DecodeString(id)
	secret, err2 := base64.RawURLEncoding.DecodeString(sec)
	if err1 != nil || err2 != nil {
		return nil
	}
	o := s.origins[string(jti)]
	if o == nil || o.Revoked || !s.now().Before(o.ExpiresAt) {
		return nil
	}
	if subtle.ConstantTimeCompare(sha256Sum(secret), o.RefreshHash) != 1 {
		return nil
	}
	return o
}
