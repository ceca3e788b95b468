package userpool

import (
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
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

// Config configures a Service. Store, Issuer and SealKey are required;
// the rest have defaults.
type Config struct {
	Store   store.Store
	Issuer  *tokens.Issuer
	SealKey []byte // 32 bytes: AES-256-GCM key of SECRET_BLOCK
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
}

// Service is the user-pool domain. It is safe for concurrent use and holds
// no lock of its own over the model: the store's transactions guard
// records, and the only in-process state (challenge sessions, the outbox)
// has its own short critical sections. SRP, verifier and RSA computations
// run outside every transaction and lock.
type Service struct {
	cfg      Config
	store    store.Store
	issuer   *tokens.Issuer
	sealer   *sealer
	log      *slog.Logger
	sessions *sessionTable
	outbox   *outbox
}

// New returns a Service over cfg.Store.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Issuer == nil {
		return nil, errors.New("idp/userpool: Config needs a Store and an Issuer")
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
	return &Service{
		cfg: cfg, store: cfg.Store, issuer: cfg.Issuer, sealer: sl, log: cfg.Logger,
		sessions: newSessionTable(), outbox: &outbox{max: defaultMaxOutbox},
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

// JWKS returns the key set that verifies the service's tokens.
func (s *Service) JWKS() tokens.JWKSet { return s.issuer.JWKS() }

// VerifyToken checks a token's signature and expiry (not revocation).
func (s *Service) VerifyToken(token string) (tokens.Claims, error) {
	return s.issuer.Verify(token, s.now())
}
