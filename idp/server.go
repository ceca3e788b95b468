package idp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/caldera-srp/caldera/idp/tokens"
)

const timeoutOpen = time.Second

// Defaults of Options.
const (
	DefaultRegion           = "us-east-1"
	DefaultSessionTTL       = 3 * time.Minute
	DefaultTimestampSkew    = 5 * time.Minute
	DefaultMaxFailures      = 5
	DefaultLockout          = time.Minute
	DefaultMaxBodyBytes     = 1 << 20
	DefaultCodeTTL          = 3 * time.Minute
	defaultAccessTokenTTL   = time.Hour
	defaultIDTokenTTL       = time.Hour
	defaultRefreshTokenTTL  = 30 * 24 * time.Hour
	defaultMaxOutbox        = 1000
	maxMFAAttempts          = 3
	defaultRSABits          = 2048
	amzTargetPrefix         = "AWSCognitoIdentityProviderService."
	contentTypeAmzJSON      = "application/x-amz-json-1.1"
	outboxPath              = "/_caldera/outbox"
	wellKnownJWKSPathSuffix = "/.well-known/jwks.json"
)

// Options configure a Server. The zero value is usable: real clock,
// crypto/rand, in-memory state, no logging.
type Options struct {
	// Clock returns the current time (time.Now when nil). Sessions, codes,
	// TIMESTAMP skew, lockouts and token lifetimes all follow it.
	Clock func() time.Time
	// Rand is the source of every secret the server draws: SRP b, keys,
	// codes, tokens (crypto/rand.Reader when nil).
	Rand io.Reader
	// Store persists state (MemoryStore when nil). The server closes it in
	// Close.
	Store Store
	// Logger receives one line per request and the reason behind refusals
	// that the wire answer keeps vague (nil: discard). Secrets are never
	// logged.
	Logger *slog.Logger
	// Region prefixes new pool ids and device keys (DefaultRegion when empty).
	Region string
	// Endpoint is the base URL clients use (e.g. "http://127.0.0.1:9229"):
	// token issuers are Endpoint + "/" + poolId. When empty, Start's address
	// is used, or else the Host of each request.
	Endpoint string
	// SessionTTL is how long a challenge Session stays valid
	// (DefaultSessionTTL when zero).
	SessionTTL time.Duration
	// TimestampSkew is how far a PASSWORD_VERIFIER TIMESTAMP may be from the
	// server's clock (DefaultTimestampSkew when zero).
	TimestampSkew time.Duration
	// MaxFailures consecutive failed sign-ins lock a user for Lockout
	// (DefaultMaxFailures and DefaultLockout when zero). Each further failure
	// after the lock doubles it, up to 15 minutes.
	MaxFailures int
	Lockout     time.Duration
	// MaxBodyBytes bounds request bodies (DefaultMaxBodyBytes when zero).
	MaxBodyBytes int64
	// SigningKey, when set, signs tokens instead of a key generated on first
	// start (and stored). Tests share one to save RSA key generation.
	SigningKey *rsa.PrivateKey
	// CustomAuth answers the CUSTOM_AUTH flow; without it CUSTOM_AUTH is
	// refused as Cognito refuses it for a pool without triggers.
	CustomAuth CustomAuth
}

// Server is a Cognito-compatible identity provider: an http.Handler speaking
// the AWS JSON 1.1 protocol of AWSCognitoIdentityProviderService, plus Go
// methods to set it up directly. It is safe for concurrent use.
type Server struct {
	opts  Options
	clock func() time.Time
	rand  io.Reader
	store Store
	log   *slog.Logger

	issuer *tokens.Issuer
	sealer *sealer

	mu       sync.Mutex
	pools    map[string]*poolRecord
	clients  map[string]*clientRecord
	users    map[string]*userRecord // userKey(pool, username)
	devices  map[string]*deviceRecord
	origins  map[string]*originRecord
	sessions map[string]*authSession
	failures map[string]*failureState // userKey
	outbox   []Message

	httpMu   sync.Mutex
	httpSrv  *http.Server
	listener net.Listener
	closed   bool
}

// New returns a Server with the given options, loading any state the Store
// holds.
func New(opts Options) (*Server, error) {
	s := &Server{
		opts:     opts,
		clock:    opts.Clock,
		rand:     opts.Rand,
		store:    opts.Store,
		log:      opts.Logger,
		pools:    map[string]*poolRecord{},
		clients:  map[string]*clientRecord{},
		users:    map[string]*userRecord{},
		devices:  map[string]*deviceRecord{},
		origins:  map[string]*originRecord{},
		sessions: map[string]*authSession{},
		failures: map[string]*failureState{},
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if s.store == nil {
		s.store = MemoryStore{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.opts.Region == "" {
		s.opts.Region = DefaultRegion
	}
	if s.opts.SessionTTL <= 0 {
		s.opts.SessionTTL = DefaultSessionTTL
	}
	if s.opts.TimestampSkew <= 0 {
		s.opts.TimestampSkew = DefaultTimestampSkew
	}
	if s.opts.MaxFailures <= 0 {
		s.opts.MaxFailures = DefaultMaxFailures
	}
	if s.opts.Lockout <= 0 {
		s.opts.Lockout = DefaultLockout
	}
	if s.opts.MaxBodyBytes <= 0 {
		s.opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	var keys *metaKeys
	err := s.store.Load(func(kind, key string, v []byte) error {
		var err error
		switch kind {
		case kindMeta:
			if key == "keys" {
				keys = new(metaKeys)
				err = json.Unmarshal(v, keys)
			}
		case kindPool:
			r := new(poolRecord)
			if err = json.Unmarshal(v, r); err == nil {
				s.pools[r.ID] = r
			}
		case kindClient:
			r := new(clientRecord)
			if err = json.Unmarshal(v, r); err == nil {
				s.clients[r.ID] = r
			}
		case kindUser:
			r := new(userRecord)
			if err = json.Unmarshal(v, r); err == nil {
				s.users[userKey(r.PoolID, r.Username)] = r
			}
		case kindDevice:
			r := new(deviceRecord)
			if err = json.Unmarshal(v, r); err == nil {
				s.devices[r.Key] = r
			}
		case kindOrigin:
			r := new(originRecord)
			if err = json.Unmarshal(v, r); err == nil {
				s.origins[r.JTI] = r
			}
		}
		if err != nil {
			return fmt.Errorf("idp: stored %s %q: %w", kind, key, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.initKeys(keys); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Server) initKeys(keys *metaKeys) error {
	if keys == nil {
		keys = new(metaKeys)
	}
	changed := false
	var signKey *rsa.PrivateKey
	if len(keys.SealKey) != 32 {
		keys.SealKey = make([]byte, 32)
		if _, err := io.ReadFull(s.rand, keys.SealKey); err != nil {
			return fmt.Errorf("idp: random: %w", err)
		}
		changed = true
	}
	switch {
	case s.opts.SigningKey != nil:
		signKey = s.opts.SigningKey
	case len(keys.RSAKey) > 0:
		k, err := x509.ParsePKCS8PrivateKey(keys.RSAKey)
		rk, ok := k.(*rsa.PrivateKey)
		if err != nil || !ok {
			return fmt.Errorf("idp: stored signing key: %v", err)
		}
		signKey = rk
	default:
		// rsa.GenerateKey ignores its reader in recent Go versions unless
		// asked otherwise; keys are random in every case.
		k, err := rsa.GenerateKey(s.rand, defaultRSABits)
		if err != nil {
			return fmt.Errorf("idp: generate signing key: %w", err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return fmt.Errorf("idp: signing key: %w", err)
		}
		signKey, keys.RSAKey = k, der
		changed = true
	}
	if changed {
		if err := s.store.Put(kindMeta, "keys", mustJSON(keys)); err != nil {
			return fmt.Errorf("idp: store keys: %w", err)
		}
	}
	var err error
	if s.issuer, err = tokens.NewIssuer(signKey); err != nil {
		return err
	}
	s.sealer, err = newSealer(keys.SealKey)
	return err
}

// Start listens on addr (":0" picks a free port) and serves in the
// background. Endpoint returns the URL to give clients.
func (s *Server) Start(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("idp: listen: %w", err)
	}
	s.httpMu.Lock()
	defer s.httpMu.Unlock()
	if s.closed || s.httpSrv != nil {
		ln.Close()
		return errors.New("idp: server already started or closed")
	}
	s.listener = ln
	s.httpSrv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() {
		if err := s.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("idp: serve", "err", err)
		}
	}()
	return nil
}

// Endpoint returns the base URL of the server: Options.Endpoint, or
// http://<address> once Start has been called, or "" before.
func (s *Server) Endpoint() string {
	if s.opts.Endpoint != "" {
		return strings.TrimRight(s.opts.Endpoint, "/")
	}
	s.httpMu.Lock()
	defer s.httpMu.Unlock()
	if s.listener == nil {
		return ""
	}
	return "http://" + s.listener.Addr().String()
}

// Issuer returns the token issuer of a pool: Endpoint() + "/" + poolID.
func (s *Server) Issuer(poolID string) string { return s.Endpoint() + "/" + poolID }

// Close stops the HTTP server started by Start (waiting up to five seconds
// for requests in flight) and closes the Store.
func (s *Server) Close() error {
	s.httpMu.Lock()
	srv := s.httpSrv
	already := s.closed
	s.closed = true
	s.httpMu.Unlock()
	if already {
		return nil
	}
	var err error
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = srv.Shutdown(ctx)
		cancel()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cerr := s.store.Close(); err == nil {
		err = cerr
	}
	return err
}

func (s *Server) now() time.Time { return s.clock() }

// persist writes a record through to the store. Called with s.mu held.
func (s *Server) persist(kind, key string, v any) *Error {
	if err := s.store.Put(kind, key, mustJSON(v)); err != nil {
		s.log.Error("idp: store put", "kind", kind, "err", err)
		return errInternal(err)
	}
	return nil
}

func (s *Server) unpersist(kind, key string) *Error {
	if err := s.store.Delete(kind, key); err != nil {
		s.log.Error("idp: store delete", "kind", kind, "err", err)
		return errInternal(err)
	}
	return nil
}
