package userpool

import (
	"crypto/subtle"
	"slices"
	"strings"

	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/idp/tokens"
)

// ScopeUserAdmin is the scope an access token needs for the user-side
// API operations (GetUser, ChangePassword, …). Tokens of API sign-ins
// carry it; an OAuth 2.0 sign-in's only if it was asked for, and a pre
// token generation trigger may take it away.
const ScopeUserAdmin = "aws.cognito.signin.user.admin"

// verifyAccess checks an access token for a user-side API operation: its
// signature, expiry and token_use, outside any transaction (it is an RSA
// verification), and its scope, which must hold ScopeUserAdmin (Cognito's
// NotAuthorizedException "Access Token does not have required scopes").
func (s *Service) verifyAccess(token string) (tokens.Claims, *Error) {
	c, err := s.verifyAccessToken(token)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(strings.Fields(c.String("scope")), ScopeUserAdmin) {
		return nil, apiErr("NotAuthorizedException", msgMissingScope)
	}
	return c, nil
}

// verifyAccessToken checks an access token's signature, expiry and
// token_use, whatever its scopes.
func (s *Service) verifyAccessToken(token string) (tokens.Claims, *Error) {
	if token == "" {
		return nil, errParam("Missing required parameter AccessToken")
	}
	c, err := s.VerifyToken(token)
	if err != nil || c.String("token_use") != "access" {
		return nil, apiErr("NotAuthorizedException", msgBadAccessToken)
	}
	return c, nil
}

// accessUser finds the user of verified access-token claims in tx: the
// sign-in must not be revoked and the user must exist and be enabled.
func accessUser(tx store.Tx, c tokens.Claims) (*store.User, error) {
	o, err := store.GetOrigin(tx, c.String("origin_jti"))
	if err != nil {
		return nil, err
	}
	if o == nil || o.Revoked {
		return nil, apiErr("NotAuthorizedException", msgRevokedToken)
	}
	u, err := store.GetUser(tx, o.PoolID, o.Username)
	if err != nil {
		return nil, err
	}
	if u == nil || u.Sub != c.String("sub") || (o.Sub != "" && o.Sub != u.Sub) {
		return nil, apiErr("NotAuthorizedException", msgBadAccessToken)
	}
	if !u.Enabled {
		return nil, apiErr("NotAuthorizedException", msgDisabled)
	}
	return u, nil
}

// accessView runs fn on the user of an access token in a read
// transaction.
func (s *Service) accessView(token string, fn func(tx store.Tx, u *store.User) error) *Error {
	c, err := s.verifyAccess(token)
	if err != nil {
		return err
	}
	return s.view(func(tx store.Tx) error {
		u, err := accessUser(tx, c)
		if err != nil {
			return err
		}
		return fn(tx, u)
	})
}

// accessUpdate runs fn on the user of an access token in a write
// transaction.
func (s *Service) accessUpdate(token string, fn func(tx store.Tx, u *store.User) error) *Error {
	c, err := s.verifyAccess(token)
	if err != nil {
		return err
	}
	return s.update(func(tx store.Tx) error {
		u, err := accessUser(tx, c)
		if err != nil {
			return err
		}
		return fn(tx, u)
	})
}

// accessEdit changes the user of an access token and stores it.
func (s *Service) accessEdit(token string, fn func(tx store.Tx, u *store.User) error) *Error {
	return s.accessUpdate(token, func(tx store.Tx, u *store.User) error {
		if err := fn(tx, u); err != nil {
			return err
		}
		return s.editUser(tx, u, func(*store.User) {})
	})
}

// GetUser returns the user of an access token.
func (s *Service) GetUser(accessToken string) (*store.User, *Error) {
	var out *store.User
	err := s.accessView(accessToken, func(_ store.Tx, u *store.User) error { out = u; return nil })
	return out, err
}

// GlobalSignOut revokes every refresh token of the user, and with them the
// access tokens of those sign-ins, in one transaction.
func (s *Service) GlobalSignOut(accessToken string) *Error {
	return s.accessUpdate(accessToken, revokeAll)
}

// RevokeToken revokes a refresh token and the access tokens it produced.
// A token that is already invalid is not an error (as in Cognito).
func (s *Service) RevokeToken(token, clientID, clientSecret string) *Error {
	cl, err := s.Client(clientID)
	if err != nil {
		return err
	}
	if cl.Secret != "" && subtle.ConstantTimeCompare([]byte(cl.Secret), []byte(clientSecret)) != 1 {
		return apiErr("NotAuthorizedException", "Client secret is invalid.")
	}
	return s.update(func(tx store.Tx) error {
		o, err := s.refreshOrigin(tx, token)
		if err != nil || o == nil {
			return err
		}
		if o.ClientID != cl.ID {
			return apiErr("UnauthorizedException", "Token is not from this client.")
		}
		o.Revoked = true
		return store.PutOrigin(tx, o)
	})
}
