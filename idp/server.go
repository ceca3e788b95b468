package idp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/caldera-srp/caldera/idp/identity"
	"github.com/caldera-srp/caldera/idp/internal/rnd"
	"github.com/caldera-srp/caldera/idp/oauth"
	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/idp/userpool"
	"github.com/caldera-srp/caldera/idp/wire"
)

// Defaults of Options.
const (
	DefaultRegion        = userpool.DefaultRegion
	DefaultSessionTTL    = userpool.DefaultSessionTTL
	DefaultTimestampSkew = userpool.DefaultTimestampSkew
	DefaultMaxFailures   = userpool.DefaultMaxFailures
	DefaultLockout       = userpool.DefaultLockout
	// DefaultMaxSessions and DefaultMaxSessionsPerUser: see Options.
	DefaultMaxSessions        = userpool.DefaultMaxSessions
	DefaultMaxSessionsPerUser = userpool.DefaultMaxSessionsPerUser
	DefaultMaxBodyBytes       = 1 << 20
	DefaultCodeTTL            = 3 * time.Minute
	defaultRSABits            = 2048
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
	// Store persists state (an in-memory store when nil). The server
	// closes it in Close.
	Store Store
	// Logger receives one line per request and the reason behind refusals
	// that the wire answer keeps vague (nil: discard). Secrets are never
	// logged.
	Logger *slog.Logger
	// Region prefixes new pool ids and device keys (DefaultRegion when empty).
	Region string
	// Endpoint is the base URL clients use (e.g. "http://127.0.0.1:9229"):
	// token issuers are Endpoint + "/" + poolId. When empty, Start's
	// address is used; a Server that was not started (a bare http.Handler)
	// then issues no tokens unless IssuerFromHost is set.
	Endpoint string
	// IssuerFromHost, when Endpoint is empty and the server was not
	// started, takes the issuer from each request's Host header. Anyone
	// who reaches the server then chooses the iss of the tokens it mints,
	// so this is only for a handler behind a proxy that sets Host itself.
	IssuerFromHost bool
	// AdminCredentials is the IAM-style access key every control-plane
	// operation (those Cognito authorises with IAM: Admin*, pool, client,
	// group and listing operations) must be signed with, AWS Signature
	// Version 4, service cognito-idp, any region. When it is zero and
	// InsecureAdmin is false, New draws a random key (see
	// Server.AdminCredentials). Its secret also opens the outbox
	// (Authorization: Bearer SECRET_ACCESS_KEY).
	AdminCredentials AdminCredentials
	// InsecureAdmin answers control-plane operations and the outbox
	// without any signature or token, as a server without this option
	// did before: anyone who reaches the port administers every pool.
	InsecureAdmin bool
	// RefuseSignatureReplay accepts each signature once within the skew
	// window. By default a signature is accepted again within the window,
	// as AWS does (only X-Amz-Date's window limits it): botocore (the AWS
	// CLI, boto3) signs no per-call id, so two identical calls within one
	// second carry the same signature, and refusing the second would break
	// the AWS CLI. The AWS SDKs for Go and JavaScript sign a fresh
	// amz-sdk-invocation-id per call and work either way.
	RefuseSignatureReplay bool
	// SignatureSkew is how far a signed request's X-Amz-Date may be from
	// the clock (wire.DefaultSignatureSkew, 5 minutes as AWS, when zero).
	SignatureSkew time.Duration
	// SessionTTL is how long a challenge Session stays valid
	// (DefaultSessionTTL when zero).
	SessionTTL time.Duration
	// MaxSessions and MaxSessionsPerUser cap the challenge sessions held
	// in memory (DefaultMaxSessions, 10000, and DefaultMaxSessionsPerUser,
	// 32, when zero). At a cap the oldest session gives way, so a flood of
	// unanswered InitiateAuth calls neither grows memory nor keeps the
	// flooded user from signing in.
	MaxSessions        int
	MaxSessionsPerUser int
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
	// SigningKey, when set, signs the tokens of every pool instead of a key
	// of the pool's own, generated when the pool is created and stored
	// (each pool still has its own kid and key set). Tests share one to
	// save RSA key generation; a server people use leaves it nil.
	SigningKey *rsa.PrivateKey
	// CustomAuth answers the CUSTOM_AUTH flow; without it CUSTOM_AUTH is
	// refused as Cognito refuses it for a pool without triggers.
	CustomAuth CustomAuth
	// IdentityCredentialsTTL is the lifetime of the fake AWS credentials
	// the identity-pool API (GetCredentialsForIdentity) hands out
	// (identity.DefaultCredentialsTTL, one hour, when zero).
	IdentityCredentialsTTL time.Duration
	// MaxIdentities caps the identities of each identity pool
	// (identity.DefaultMaxIdentities, 100000, when zero): past it GetId
	// answers LimitExceededException, so unauthenticated GetId calls
	// cannot grow the store without end.
	MaxIdentities int
	// Triggers are Cognito's other Lambda triggers as Go functions: pre
	// sign-up, post confirmation, pre token generation (event version 2:
	// claims of both tokens and groups) and custom message. HTTPTriggers
	// forwards them to URLs.
	Triggers Triggers
}

// AdminCredentials is an IAM-style access key: the key of the control
// plane (Options.AdminCredentials). Its Provider method gives an
// aws-sdk-go-v2 credentials provider and SignRequest signs a plain
// http.Request.
type AdminCredentials = wire.Credentials

// ParseAdminCredentials parses "ACCESS_KEY_ID:SECRET_ACCESS_KEY" (the form
// of caldera serve --admin-credentials).
func ParseAdminCredentials(s string) (AdminCredentials, error) {
	id, secret, ok := strings.Cut(s, ":")
	if !ok || id == "" || secret == "" || strings.ContainsAny(id, "/ ,=") {
		return AdminCredentials{}, errors.New("idp: admin credentials must be ACCESS_KEY_ID:SECRET_ACCESS_KEY")
	}
	return AdminCredentials{AccessKeyID: id, SecretAccessKey: secret}, nil
}

// Store persists the server's records in transactions; see package
// idp/store. MemoryStore and BoltStore are its two engines.
type Store = store.Store

// MemoryStore keeps state in the process only; it is the default.
type MemoryStore = store.Memory

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return store.NewMemory() }

// BoltStore is a Store in a go.etcd.io/bbolt database file: every
// operation's writes are one transaction, committed with fsync before the
// answer is sent, and concurrent operations share commits.
type BoltStore = store.Bolt

// ErrStoreClosed is returned by a store after Close.
var ErrStoreClosed = store.ErrClosed

// OpenBoltStore opens (creating if needed, mode 0600) the database at path.
// Only one process may hold it: a second opener waits up to a second and
// then fails.
func OpenBoltStore(path string) (*BoltStore, error) { return store.OpenBolt(path, time.Second) }

// Server is a Cognito-compatible identity provider: an http.Handler speaking
// the AWS JSON 1.1 protocol of AWSCognitoIdentityProviderService, plus Go
// methods to set it up directly. It is safe for concurrent use.
type Server struct {
	opts  Options
	clock func() time.Time
	store Store
	log   *slog.Logger
	svc   *userpool.Service
	wire  *wire.Handler
	oauth *oauth.Handler
	ids   *identity.Service
	idh   *identity.Handler

	httpMu   sync.Mutex
	httpSrv  *http.Server
	listener net.Listener
	closed   bool
}

// New returns a Server with the given options over the state the Store
// holds (generating and storing the server keys on first start).
func New(opts Options) (*Server, error) {
	s := &Server{opts: opts, clock: opts.Clock, store: opts.Store, log: opts.Logger}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.opts.Rand == nil {
		s.opts.Rand = rand.Reader
	}
	if s.store == nil {
		s.store = store.NewMemory()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.opts.MaxBodyBytes <= 0 {
		s.opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if err := s.store.Update(store.Migrate); err != nil {
		return nil, fmt.Errorf("idp: migrate store: %w", err)
	}
	sealKey, err := s.initKeys()
	if err != nil {
		return nil, err
	}
	s.svc, err = userpool.New(userpool.Config{
		Store: s.store, SigningKey: opts.SigningKey, SealKey: sealKey, Clock: s.clock, Rand: s.opts.Rand, Logger: s.log,
		Region: opts.Region, SessionTTL: opts.SessionTTL, TimestampSkew: opts.TimestampSkew,
		MaxFailures: opts.MaxFailures, Lockout: opts.Lockout, CustomAuth: opts.CustomAuth,
		Triggers:    opts.Triggers,
		MaxSessions: opts.MaxSessions, MaxSessionsPerUser: opts.MaxSessionsPerUser,
	})
	if err != nil {
		return nil, err
	}
	s.wire = &wire.Handler{
		Service: s.svc, Endpoint: s.requestEndpoint, MaxBodyBytes: s.opts.MaxBodyBytes,
		Logger: s.log, Rand: s.opts.Rand,
	}
	if !s.opts.InsecureAdmin {
		if s.opts.AdminCredentials == (AdminCredentials{}) {
			if s.opts.AdminCredentials, err = wire.NewCredentials(s.opts.Rand); err != nil {
				return nil, err
			}
		} else if _, err := ParseAdminCredentials(s.opts.AdminCredentials.AccessKeyID + ":" + s.opts.AdminCredentials.SecretAccessKey); err != nil {
			return nil, err
		}
		s.wire.Admin = wire.NewVerifier(s.opts.AdminCredentials, s.clock, s.opts.SignatureSkew)
		s.wire.Admin.AllowReplay = !s.opts.RefuseSignatureReplay
		s.wire.OutboxSecret = s.opts.AdminCredentials.SecretAccessKey
	}
	s.oauth = &oauth.Handler{Service: s.svc, Endpoint: s.issuerEndpoint, Rand: s.opts.Rand, Clock: s.clock, Logger: s.log}
	if err := s.initIdentity(); err != nil {
		return nil, err
	}
	return s, nil
}

// initKeys loads the server's SECRET_BLOCK key, or draws and stores it.
// (Token signing keys are per pool: package userpool keeps them.)
func (s *Server) initKeys() ([]byte, error) {
	var keys *store.Keys
	if err := s.store.View(func(tx store.Tx) error {
		var err error
		keys, err = store.GetKeys(tx)
		return err
	}); err != nil {
		return nil, fmt.Errorf("idp: load keys: %w", err)
	}
	if keys == nil {
		keys = new(store.Keys)
	}
	if len(keys.SealKey) != 32 {
		k, err := rnd.Bytes(s.opts.Rand, 32)
		if err != nil {
			return nil, err
		}
		keys.SealKey = k
		if err := s.store.Update(func(tx store.Tx) error { return store.PutKeys(tx, keys) }); err != nil {
			return nil, fmt.Errorf("idp: store keys: %w", err)
		}
	}
	return keys.SealKey, nil
}

// ServeHTTP implements http.Handler: POST / with X-Amz-Target for the API,
// GET /<poolId>/.well-known/jwks.json for a pool's keys and
// GET /_caldera/outbox?username=&pool= for the local message outbox; a
// pool's OAuth 2.0 endpoints and hosted pages (package idp/oauth) at
// /<poolId>/oauth2/…, /<poolId>/login, /<poolId>/logout and
// /<poolId>/.well-known/openid-configuration, and at the same paths on
// http://<domain>.localhost:PORT for a pool with a domain.
//
// The identity-pool API (X-Amz-Target AWSCognitoIdentityService.*, and GET
// /.well-known/jwks_uri) is answered on the same port by package
// idp/identity.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.Header.Get("X-Amz-Target"), identity.TargetPrefix) ||
		(r.Method == http.MethodGet && r.URL.Path == identity.JWKSPath) {
		s.idh.ServeHTTP(w, r)
		return
	}
	if s.routeOAuth(w, r) {
		return
	}
	s.wire.ServeHTTP(w, r)
}

// Operations returns the names of the API operations the server answers,
// for documentation and tests.
func Operations() []string { return wire.Operations() }

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

// Addr returns the address Start listens on ("" before Start).
func (s *Server) Addr() string {
	s.httpMu.Lock()
	defer s.httpMu.Unlock()
	if s.listener == nil {
		return ""
	}
	return s.listener.Addr().String()
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

// requestEndpoint is the base URL of a request's token issuers: the
// configured or listening endpoint, never the request's Host unless
// Options.IssuerFromHost asks for it ("" otherwise: no token is minted).
func (s *Server) requestEndpoint(r *http.Request) string {
	if e := s.Endpoint(); e != "" || !s.opts.IssuerFromHost {
		return e
	}
	return s.baseURL(r)
}

// AdminCredentials returns the key control-plane requests must be signed
// with (Options.AdminCredentials or the one New drew), or the zero value
// under Options.InsecureAdmin.
func (s *Server) AdminCredentials() AdminCredentials {
	if s.opts.InsecureAdmin {
		return AdminCredentials{}
	}
	return s.opts.AdminCredentials
}

// AdminAWSConfig returns an aws-sdk-go-v2 configuration that reaches this
// server (Endpoint()) and signs with its admin key: give it to
// cognitoidentityprovider.NewFromConfig. The SDK signs with the real
// clock; a server on a test clock must be given a signer that follows it.
func (s *Server) AdminAWSConfig() aws.Config {
	region := s.opts.Region
	if region == "" {
		region = DefaultRegion
	}
	cfg := aws.Config{Region: region, Credentials: s.AdminCredentials().Provider(), RetryMaxAttempts: 1}
	if e := s.Endpoint(); e != "" {
		cfg.BaseEndpoint = aws.String(e)
	}
	return cfg
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
	if cerr := s.store.Close(); err == nil {
		err = cerr
	}
	return err
}

func (s *Server) now() time.Time { return s.clock() }
