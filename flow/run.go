package flow

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Prompter answers the prompts of a sign-in, typically by asking the user.
type Prompter interface {
	Prompt(ctx context.Context, p *Prompt) (Answer, error)
}

// PrompterFunc adapts a function to Prompter.
type PrompterFunc func(ctx context.Context, p *Prompt) (Answer, error)

// Prompt calls f.
func (f PrompterFunc) Prompt(ctx context.Context, p *Prompt) (Answer, error) { return f(ctx, p) }

// maxSteps bounds a Run against a server that never stops challenging.
const maxSteps = 256

// Run drives m to its end: it sends each Request with t and asks p for each
// Prompt. p may be nil when no prompt is expected; a prompt then ends the run
// with ErrNoPrompter. An answer the machine refuses (ErrInvalidAnswer) is
// asked for again.
func Run(ctx context.Context, m *Machine, t Transport, p Prompter) (*Result, error) {
	step := m.Start()
	for i := 0; ; i++ {
		if i == maxSteps {
			return nil, fmt.Errorf("flow: more than %d steps", maxSteps)
		}
		switch step.Kind() {
		case StepRequest:
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			out, err := t.Call(ctx, step.Request.Op, step.Request.Input)
			step = m.Receive(out, err)
		case StepPrompt:
			if p == nil {
				return nil, ErrNoPrompter
			}
			a, err := p.Prompt(ctx, step.Prompt)
			if err != nil {
				return nil, err
			}
			step = m.Answer(a)
			for errors.Is(step.Err, ErrInvalidAnswer) && !m.Done() {
				if i++; i == maxSteps {
					return nil, step.Err
				}
				if a, err = p.Prompt(ctx, m.Prompt()); err != nil {
					return nil, err
				}
				step = m.Answer(a)
			}
		case StepResult:
			return step.Result, nil
		default:
			return nil, step.Err
		}
	}
}

// Advance sends the requests of s and those that follow with t until the
// machine stops at a prompt or ends, and returns that step. It is the
// building block of servers that show a prompt and get its answer in a
// later HTTP request: Advance(ctx, m, t, m.Start()), save at the prompt,
// then Advance(ctx, m, t, m.Answer(a)) on the restored machine.
func Advance(ctx context.Context, m *Machine, t Transport, s Step) Step {
	for i := 0; s.Request != nil; i++ {
		if i == maxSteps {
			return Step{Err: fmt.Errorf("flow: more than %d steps", maxSteps)}
		}
		if err := ctx.Err(); err != nil {
			return Step{Err: err}
		}
		out, err := t.Call(ctx, s.Request.Op, s.Request.Input)
		s = m.Receive(out, err)
	}
	return s
}

// ErrNoPrompter means a sign-in needs an answer but Run got no Prompter.
var ErrNoPrompter = errors.New("flow: a prompt came and there is no Prompter")

// Token is an OAuth 2.0 token in the shape of golang.org/x/oauth2's Token
// (AccessToken, TokenType, RefreshToken, Expiry), plus the Cognito ID
// token and the user's internal name. Convert it with a struct literal:
//
//	oauth2.Token{AccessToken: t.AccessToken, TokenType: t.TokenType,
//		RefreshToken: t.RefreshToken, Expiry: t.Expiry}
type Token struct {
	AccessToken  string
	TokenType    string
	RefreshToken string
	Expiry       time.Time
	IDToken      string
	// UserID is the internal user name (Result.UserID), which
	// REFRESH_TOKEN_AUTH's SECRET_HASH needs when the token is loaded
	// from a TokenStore after a restart.
	UserID string
}

// TokenStore keeps a TokenSource's token across restarts. The refresh token
// in it is a secret as long-lived as a password: keep it where only its
// owner can read it. Implementations must be safe for concurrent use.
type TokenStore interface {
	// LoadToken returns the saved token, or nil and no error when there is
	// none. TokenSource calls it once, at its first Token call.
	LoadToken() (*Token, error)
	// SaveToken is called with every new token (after a sign-in and after
	// each refresh). With refresh-token rotation, the refresh token used
	// stops working after the pool's grace period and only the one in t
	// does: a store that drops it signs the user out.
	SaveToken(t *Token) error
}

// TokenSource signs in once and then refreshes before the access token
// expires, with GetTokensFromRefreshToken (the default: Cognito's refresh
// that rotates the refresh token when the app client asks for it) or
// REFRESH_TOKEN_AUTH. It always keeps the newest refresh token, and hands
// each new token to Store when one is set. Its Token method has the shape of
// oauth2.TokenSource's: wrap it in a one-line adapter to use it there. It is
// safe for concurrent use; set the exported fields before the first Token
// call.
type TokenSource struct {
	ctx       context.Context
	cfg       Config
	transport Transport
	prompter  Prompter
	// Early is how long before expiry a token is refreshed; default 1 min.
	Early time.Duration
	// Refresh is the flow of refreshes: GetTokensFromRefreshToken (when
	// empty) or RefreshTokenAuth (InitiateAuth; it fails on app clients
	// that rotate refresh tokens).
	Refresh AuthFlow
	// Store, when set, loads the token at the first Token call and saves
	// every new one.
	Store TokenStore

	mu     sync.Mutex
	loaded bool
	tok    *Token
	device *Device
}

// NewTokenSource returns a TokenSource that signs in with cfg through t,
// answering prompts with p, and uses ctx for every call. When cfg.Devices is
// set, a new device is remembered there and the remembered device is sent
// with refreshes (DeviceKey).
func NewTokenSource(ctx context.Context, cfg Config, t Transport, p Prompter) *TokenSource {
	return &TokenSource{ctx: ctx, cfg: cfg, transport: t, prompter: p, Early: time.Minute}
}

func (s *TokenSource) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now()
}

// Token returns a valid token: the cached one, a refreshed one, or one from
// a new sign-in when there is no refresh token or the refresh was refused
// (NotAuthorizedException, RefreshTokenReuseException). When that sign-in
// fails too, its error comes with the refusal (errors.Is finds both).
func (s *TokenSource) Token() (*Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.loaded && s.Store != nil {
		t, err := s.Store.LoadToken()
		if err != nil {
			return nil, fmt.Errorf("flow: loading the token: %w", err)
		}
		if t != nil {
			c := *t
			s.tok = &c
		}
	}
	s.loaded = true
	if s.tok != nil && s.tok.AccessToken != "" && s.now().Add(s.Early).Before(s.tok.Expiry) {
		c := *s.tok
		return &c, nil
	}
	var refused error
	if s.tok != nil && s.tok.RefreshToken != "" {
		err := s.refresh()
		if err == nil {
			return s.saved()
		}
		if !errors.Is(err, ErrNotAuthorized) && !errors.Is(err, ErrRefreshTokenReuse) {
			return nil, err
		}
		refused = err
	}
	if err := s.signIn(); err != nil {
		// The sign-in's error first; the refused refresh stays visible
		// to errors.Is (a caller without a password learns why it is
		// asked to sign in).
		return nil, errors.Join(err, refused)
	}
	return s.saved()
}

// saved hands the new token to the Store and returns a copy.
func (s *TokenSource) saved() (*Token, error) {
	if s.Store != nil {
		c := *s.tok
		if err := s.Store.SaveToken(&c); err != nil {
			return nil, fmt.Errorf("flow: saving the token: %w", err)
		}
	}
	c := *s.tok
	return &c, nil
}

func (s *TokenSource) signIn() error {
	m, err := New(s.cfg)
	if err != nil {
		return err
	}
	r, err := Run(s.ctx, m, s.transport, s.prompter)
	if err != nil {
		return err
	}
	if s.cfg.Devices != nil {
		if err := Remember(s.cfg.Devices, s.cfg.UserPoolID, s.cfg.Username, r); err != nil {
			return err
		}
	}
	s.device = r.Device
	s.tok = tokenOf(r)
	return nil
}

func (s *TokenSource) refresh() error {
	cfg := s.cfg
	cfg.Flow, cfg.RefreshToken, cfg.Password = s.Refresh, s.tok.RefreshToken, ""
	if cfg.Flow == "" {
		cfg.Flow = GetTokensFromRefreshToken
	}
	if !cfg.Flow.isRefresh() {
		return cfg.configError("TokenSource.Refresh", "is neither GetTokensFromRefreshToken nor RefreshTokenAuth")
	}
	if s.tok.UserID != "" {
		cfg.Username = s.tok.UserID
	}
	cfg.Device, cfg.Devices = s.device, nil
	if cfg.Device == nil && s.cfg.Devices != nil {
		// After a restart: the device remembered for the user.
		for _, name := range []string{s.tok.UserID, s.cfg.Username} {
			if name == "" {
				continue
			}
			if d, err := s.cfg.Devices.Get(s.cfg.UserPoolID, name); err == nil {
				cfg.Device = d
				break
			}
		}
	}
	m, err := New(cfg)
	if err != nil {
		return err
	}
	r, err := Run(s.ctx, m, s.transport, nil)
	if err != nil {
		return err
	}
	s.device = r.Device
	userID := s.tok.UserID
	s.tok = tokenOf(r)
	if userID != "" {
		s.tok.UserID = userID // the refresh knows only what the token says
	}
	return nil
}

func tokenOf(r *Result) *Token {
	return &Token{
		AccessToken:  r.Tokens.AccessToken,
		TokenType:    r.Tokens.TokenType,
		RefreshToken: r.Tokens.RefreshToken,
		Expiry:       r.Tokens.Expiry,
		IDToken:      r.Tokens.IDToken,
		UserID:       r.UserID,
	}
}
