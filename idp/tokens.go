package idp

import (
	"time"

	"github.com/caldera-srp/caldera/idp/tokens"
)

// Claims are the decoded claims of a token the server issued.
type Claims = tokens.Claims

// ErrToken is returned by VerifyToken for a token that is malformed, not
// signed by this server, or expired.
var ErrToken = tokens.ErrToken

// VerifyToken checks a token's RS256 signature against the server's key
// and its expiry against the server clock, and returns its claims. It does
// not check revocation; the API operations that take an access token do.
func (s *Server) VerifyToken(token string) (Claims, error) {
	return s.issuer.Verify(token, s.now())
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
	pair, err := s.issuer.Mint(tokens.Grant{
		Issuer: iss, ClientID: cl.ID, Username: u.Username, Sub: u.Sub, Attrs: u.Attrs,
		OriginJTI: o.JTI, DeviceKey: o.DeviceKey, AuthTime: o.AuthTime, Now: now,
		AccessTTL: accessTTL, IDTTL: idTTL, EventID: s.newID(), IDJTI: s.newID(), AccessJTI: s.newID(),
	})
	if err != nil {
		return nil, errInternal(err)
	}
	idTok, accTok := pair.IDToken, pair.AccessToken
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
		RefreshHash: tokens.RefreshHash(secret), AuthTime: authTime, IssuedAt: now, ExpiresAt: now.Add(ttl),
	}
	// The refresh token names its origin and carries the secret whose hash
	// the origin keeps: opaque to clients, found without a scan.
	refresh := tokens.EncodeRefresh(o.JTI, secret)
	return o, refresh, nil
}

// refreshOrigin finds the live origin of a refresh token. Called with s.mu
// held.
func (s *Server) refreshOrigin(token string) *originRecord {
	jti, secret, ok := tokens.ParseRefresh(token)
	if !ok {
		return nil
	}
	o := s.origins[string(jti)]
	if o == nil || o.Revoked || !s.now().Before(o.ExpiresAt) {
		return nil
	}
	if !tokens.RefreshMatches(secret, o.RefreshHash) {
		return nil
	}
	return o
}
