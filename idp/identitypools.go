package idp

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/caldera-srp/caldera/idp/identity"
	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/idp/wire"
)

// IdentityPoolConfig describes an identity pool for CreateIdentityPool and
// the seed file (botocore cognito-identity 2014-06-30,
// CreateIdentityPoolInput; IdentityPoolId fixes the id).
type IdentityPoolConfig = identity.PoolConfig

// IdentityProvider is a user pool an identity pool trusts: ProviderName
// cognito-idp.REGION.amazonaws.com/POOL (or the server's issuer without
// scheme, HOST:PORT/POOL) and the app client whose ID tokens it takes.
type IdentityProvider = store.IdentityProvider

// IdentityPool identifies a created identity pool.
type IdentityPool struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// initIdentity sets up the identity-pool service over the same store and
// its handler, whose IAM operations are checked with the admin key under
// service cognito-identity.
func (s *Server) initIdentity() error {
	var err error
	s.ids, err = identity.New(identity.Config{
		Store: s.store, Clock: s.clock, Rand: s.opts.Rand, Logger: s.log, Region: s.opts.Region,
		CredentialsTTL: s.opts.IdentityCredentialsTTL, SigningKey: s.opts.SigningKey, MaxIdentities: s.opts.MaxIdentities,
		PoolKeys: func(poolID string) ([]byte, error) {
			set, err := s.svc.JWKS(poolID)
			if err != nil {
				return nil, err
			}
			return json.Marshal(set)
		},
	})
	if err != nil {
		return err
	}
	s.idh = &identity.Handler{Service: s.ids, Endpoint: s.requestEndpoint, MaxBodyBytes: s.opts.MaxBodyBytes,
		Logger: s.log, Rand: s.opts.Rand}
	if !s.opts.InsecureAdmin {
		v := wire.NewVerifier(s.opts.AdminCredentials, s.clock, s.opts.SignatureSkew)
		v.Service = identity.SigningService
		v.AllowReplay = !s.opts.RefuseSignatureReplay
		s.idh.Admin = v.Verify
	}
	return nil
}

// CreateIdentityPool creates an identity pool (as the IAM operation
// CreateIdentityPool does, unsigned: the Go API is trusted).
func (s *Server) CreateIdentityPool(cfg IdentityPoolConfig) (IdentityPool, error) {
	p, err := s.ids.CreateIdentityPool(cfg)
	if err != nil {
		return IdentityPool{}, err
	}
	return IdentityPool{ID: p.ID, Name: p.Name}, nil
}

// DeleteIdentityPool deletes an identity pool and its identities.
func (s *Server) DeleteIdentityPool(id string) error { return errOf(s.ids.DeleteIdentityPool(id)) }

// IdentityProviderName returns the login key of a user pool for this
// server's identity pools as the server's issuer spells it, without the
// scheme: HOST:PORT/POOL ("" before Start when no Endpoint is set). The
// Cognito spelling, cognito-idp.REGION.amazonaws.com/POOL, works too.
func (s *Server) IdentityProviderName(poolID string) string {
	e := s.Endpoint()
	if e == "" {
		return ""
	}
	if _, rest, ok := strings.Cut(e, "://"); ok {
		e = rest
	}
	return e + "/" + poolID
}

// IdentityCredentialsTTL returns the lifetime of the credentials the
// identity-pool API hands out.
func (s *Server) IdentityCredentialsTTL() time.Duration {
	if s.opts.IdentityCredentialsTTL > 0 {
		return s.opts.IdentityCredentialsTTL
	}
	return identity.DefaultCredentialsTTL
}
