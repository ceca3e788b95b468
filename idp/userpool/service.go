package userpool

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caldera-srp/caldera/idp/internal/rnd"
	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/idp/tokens"
)

// Defaults of Config.
const (
	DefaultRegion          = "us-east-1"
	DefaultSessionTTL      = 3 * time.Minute
	DefaultTimestampSkew   = 5 * time.Minute
	DefaultMaxFailures     = 5
	DefaultLockout         = time.Minute
	defaultAccessTokenTTL  = time.Hour
	defaultIDTokenTTL      = time.Hour
	defaultRefreshTokenTTL = 30 * 24 * time.Hour
	defaultMaxOutbox       = 1000
	maxMFAAttempts         = 3
	maxLockout             = 15 * time.Minute
)

// Config configures a Service. Store and SealKey are required; the rest
// have defaults.
type Config struct {
	Store   store.Store
	SealKey []byte // 32 bytes: AES-256-GCM key of SECRET_BLOCK
	// SigningKey, when set, is the RSA key of every pool (tests: key
	// generation dominates their time); each pool still has its own kid
	// and key set. When nil, each pool gets a key of its own, drawn when
	// the pool is created and kept in the store.
	SigningKey *rsa.PrivateKey
	// Clock and Rand default to time.Now and crypto/rand.Reader.
	Clock func() time.Time
	Rand  io.Reader
	// Logger receives the reasons behind refusals the wire keeps vague.
	Logger *slog.Logger
	// Region prefixes new pool ids (DefaultRegion).
	Region string
	// SessionTTL, TimestampSkew, MaxFailures and Lockout: see idp.Options.
	SessionTTL    time.Duration
	TimestampSkew time.Duration
	MaxFailures   int
	Lockout       time.Duration
	// CustomAuth answers CUSTOM_AUTH (refused without it).
	CustomAuth CustomAuth
	// Triggers are the other Lambda triggers, as Go functions.
	Triggers Triggers
	// MaxSessions and MaxSessionsPerUser cap the challenge sessions held
	// (DefaultMaxSessions, DefaultMaxSessionsPerUser when zero); at a cap
	// the oldest session gives way.
	MaxSessions        int
	MaxSessionsPerUser int
}

// Service is the user-pool domain. It is safe for concurrent use and holds
// no lock of its own over the model: the store's transactions guard
// records, and the only in-process state (challenge sessions, the outbox)
// has its own short critical sections. SRP, verifier and RSA computations
// run outside every transaction and lock.
type Service struct {
	cfg      Config
	store    store.Store
	issuers  sync.Map // pool id → *tokens.Issuer, loaded or drawn once
	sealer   *sealer
	log      *slog.Logger
	sessions *sessionTable
	outbox   *outbox
	// unknownKey derives the stand-ins of unknown users (existence.go).
	unknownKey []byte
	// eventSeq numbers the sign-in events (authevents.go).
	eventSeq atomic.Uint64
}

// New returns a Service over cfg.Store.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("idp/userpool: Config needs a Store")
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.TimestampSkew <= 0 {
		cfg.TimestampSkew = DefaultTimestampSkew
	}
	if cfg.MaxFailures <= 0 {
		cfg.MaxFailures = DefaultMaxFailures
	}
	if cfg.Lockout <= 0 {
		cfg.Lockout = DefaultLockout
	}
	sl, err := newSealer(cfg.SealKey)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, cfg.SealKey)
	mac.Write([]byte(unknownUserKeyLabel))
	return &Service{
		unknownKey: mac.Sum(nil),
		cfg:        cfg, store: cfg.Store, sealer: sl, log: cfg.Logger,
		sessions: newSessionTable(cfg.MaxSessions, cfg.MaxSessionsPerUser), outbox: &outbox{max: defaultMaxOutbox},
	}, nil
}

func (s *Service) now() time.Time { return s.cfg.Clock() }

func (s *Service) newID() string { return rnd.ID(s.cfg.Rand) }

func (s *Service) randomBytes(n int) ([]byte, error) { return rnd.Bytes(s.cfg.Rand, n) }

// view runs fn in a read transaction; a refusal fn returns comes back as
// is, a store failure as an internal error.
func (s *Service) view(fn func(tx store.Tx) error) *Error {
	return asError(s.store.View(fn))
}

// update runs fn in a write transaction: all of fn's writes, or (when fn
// returns an error) none.
func (s *Service) update(fn func(tx store.Tx) error) *Error {
	if err := asError(s.store.Update(fn)); err != nil {
		if err.Type == "InternalErrorException" {
			s.log.Error("idp: store", "err", err.Message)
		}
		return err
	}
	return nil
}

// rsaBits is the size of the pools' signing keys (Cognito's are 2048).
const rsaBits = 2048

// Sessions returns the number of challenge sessions held, for tests and
// monitoring.
func (s *Service) Sessions() int { return s.sessions.len() }

// issuerFor returns the token issuer of an existing pool: its key from the
// store, or (first use, or a pool from an older file) a new key. No lock
// is held while a key is drawn: two first uses may both draw one, and the
// store transaction that writes it keeps whichever came first.
func (s *Service) issuerFor(poolID string) (*tokens.Issuer, *Error) {
	if is, ok := s.issuers.Load(poolID); ok {
		return is.(*tokens.Issuer), nil
	}
	var der []byte
	load := func(tx store.Tx) error {
		p, err := store.GetPool(tx, poolID)
		if err != nil {
			return err
		}
		if p == nil {
			return errPoolNotFound(poolID)
		}
		der, err = store.GetPoolKey(tx, poolID)
		return err
	}
	if err := s.view(load); err != nil {
		return nil, err
	}
	key := s.cfg.SigningKey
	if key == nil && der == nil {
		k, err := rsa.GenerateKey(s.cfg.Rand, rsaBits)
		if err != nil {
			return nil, errInternal(fmt.Errorf("generate the signing key of %s: %w", poolID, err))
		}
		nd, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return nil, errInternal(err)
		}
		if err := s.update(func(tx store.Tx) error {
			if err := load(tx); err != nil || der != nil {
				return err
			}
			der = nd
			return store.PutPoolKey(tx, poolID, nd)
		}); err != nil {
			return nil, err
		}
	}
	if key == nil {
		k, err := x509.ParsePKCS8PrivateKey(der)
		rk, ok := k.(*rsa.PrivateKey)
		if err != nil || !ok {
			return nil, errInternal(fmt.Errorf("stored signing key of %s: %v", poolID, err))
		}
		key = rk
	}
	is, err := tokens.NewIssuer(poolID, key, s.cfg.Clock)
	if err != nil {
		return nil, errInternal(err)
	}
	got, _ := s.issuers.LoadOrStore(poolID, is)
	return got.(*tokens.Issuer), nil
}

// JWKS returns the key set that verifies a pool's tokens: its key only.
func (s *Service) JWKS(poolID string) (tokens.JWKSet, *Error) {
	is, err := s.issuerFor(poolID)
	if err != nil {
		return tokens.JWKSet{}, err
	}
	return is.JWKS(), nil
}

// VerifyToken checks a token's signature (against the key of the pool its
// iss names), expiry and issuer (not revocation).
func (s *Service) VerifyToken(token string) (tokens.Claims, error) {
	return s.VerifyPoolToken(tokens.PoolOf(token), token)
}

// VerifyPoolToken checks that a token is one of pool poolID's: signed by
// that pool's key, unexpired, with an iss that names the pool (not
// revocation).
func (s *Service) VerifyPoolToken(poolID, token string) (tokens.Claims, error) {
	if poolID == "" {
		return nil, fmt.Errorf("%w: no pool in iss", tokens.ErrToken)
	}
	is, err := s.issuerFor(poolID)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", tokens.ErrToken, err)
	}
	c, verr := is.Verify(token)
	if verr != nil {
		return nil, verr
	}
	if !strings.HasSuffix(c.String("iss"), "/"+poolID) {
		return nil, fmt.Errorf("%w: iss names another pool", tokens.ErrToken)
	}
	return c, nil
}
