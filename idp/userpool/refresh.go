package userpool

import (
	"crypto/subtle"
	"time"

	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/idp/tokens"
)

// maxGracePeriod bounds RetryGracePeriodSeconds (botocore's
// RetryGracePeriodSecondsType: 0–60).
const maxGracePeriod = 60

// rotates reports whether a client has refresh token rotation enabled.
func rotates(cl *store.Client) bool {
	return cl.RefreshRotation != nil && cl.RefreshRotation.Feature == "ENABLED"
}

// checkRotation validates a RefreshTokenRotation setting.
func checkRotation(r *store.RefreshTokenRotation) *Error {
	if r == nil {
		return nil
	}
	if r.Feature != "ENABLED" && r.Feature != "DISABLED" {
		return errParam("1 validation error detected: Value '%s' at 'refreshTokenRotation.feature' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]", r.Feature)
	}
	if r.RetryGracePeriodSeconds < 0 || r.RetryGracePeriodSeconds > maxGracePeriod {
		return errParam("1 validation error detected: Value '%d' at 'refreshTokenRotation.retryGracePeriodSeconds' failed to satisfy constraint: Member must have value less than or equal to 60", r.RetryGracePeriodSeconds)
	}
	return nil
}

// rotate retires an origin's current refresh token before a new one
// replaces it. Rotated from the current token, the retired one stays valid
// for grace; rotated from a retired one (a client's retry), the current
// one stays valid as long as that retry's grace lasts, so that neither
// copy of a response the client may have lost is dead at once. Expired
// entries are dropped.
func rotate(o *store.Origin, now time.Time, grace time.Duration, fromRetired bool) {
	var keep []store.RetiredRefresh
	until := now.Add(grace)
	if fromRetired {
		until = time.Time{} // the latest grace still running
	}
	for _, r := range o.Retired {
		if now.Before(r.Until) {
			keep = append(keep, r)
			if fromRetired && r.Until.After(until) {
				until = r.Until
			}
		}
	}
	if grace > 0 && now.Before(until) {
		keep = append(keep, store.RetiredRefresh{Hash: o.RefreshHash, Until: until})
	}
	o.Retired = keep
}

// RefreshInput is GetTokensFromRefreshToken's request.
type RefreshInput struct {
	RefreshToken string
	ClientID     string
	ClientSecret string // required for a client with a secret
	DeviceKey    string // a device of the user, put in the access token
	Metadata     map[string]string
	Endpoint     string
}

// GetTokensFromRefreshToken issues new ID and access tokens for a live
// refresh token of the client. With the client's RefreshTokenRotation
// enabled it also issues a new refresh token; the one it was given keeps
// working for RetryGracePeriodSeconds (for a client's retries) and then
// no more. Unlike REFRESH_TOKEN_AUTH, a client with a secret sends the
// secret itself (ClientSecret, compared in constant time), not
// SECRET_HASH.
func (s *Service) GetTokensFromRefreshToken(in RefreshInput) (*TokenSet, *Error) {
	if in.RefreshToken == "" {
		return nil, errParam("1 validation error detected: Value null at 'refreshToken' failed to satisfy constraint: Member must not be null")
	}
	if in.ClientID == "" {
		return nil, errParam("1 validation error detected: Value null at 'clientId' failed to satisfy constraint: Member must not be null")
	}
	cl, err := s.Client(in.ClientID)
	if err != nil {
		return nil, err
	}
	if cl.Secret != "" {
		if in.ClientSecret == "" {
			return nil, apiErr("NotAuthorizedException", "Client %s is configured with secret but ClientSecret was not received", cl.ID)
		}
		if subtle.ConstantTimeCompare([]byte(cl.Secret), []byte(in.ClientSecret)) != 1 {
			return nil, apiErr("NotAuthorizedException", "Client secret is invalid.")
		}
	}
	var secret []byte
	if rotates(cl) {
		var rerr error
		if secret, rerr = s.randomBytes(32); rerr != nil {
			return nil, errInternal(rerr)
		}
	}
	var o *store.Origin
	var u *store.User
	// Without rotation nothing is written: a read transaction will do.
	run := s.view
	if secret != nil {
		run = s.update
	}
	if err := run(func(tx store.Tx) error {
		var err error
		var prev bool
		if o, u, prev, err = s.liveRefresh(tx, cl, in.RefreshToken); err != nil {
			return err
		}
		if in.DeviceKey != "" {
			d, err := store.GetDevice(tx, in.DeviceKey)
			if err != nil {
				return err
			}
			if d == nil || d.PoolID != u.PoolID || d.Username != u.Username {
				return apiErr("ResourceNotFoundException", msgDeviceNotExist)
			}
			o.DeviceKey = d.Key
		}
		if secret == nil {
			return nil
		}
		rotate(o, s.now(), time.Duration(cl.RefreshRotation.RetryGracePeriodSeconds)*time.Second, prev)
		now := s.now()
		ttl := cl.RefreshTTL
		if ttl <= 0 {
			ttl = defaultRefreshTokenTTL
		}
		o.RefreshHash, o.IssuedAt, o.ExpiresAt = tokens.RefreshHash(secret), now, now.Add(ttl)
		return store.PutOrigin(tx, o)
	}); err != nil {
		return nil, err
	}
	ts, err := s.signTokens(in.Endpoint, cl, u, o, "", SourceTokenRefresh, "", in.Metadata)
	if err != nil {
		return nil, err
	}
	if secret != nil {
		ts.RefreshToken = tokens.EncodeRefresh(o.JTI, secret)
	}
	return ts, nil
}
