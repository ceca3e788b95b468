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
// token. Convert it with a struct literal:
//
//	oauth2.Token{AccessToken: t.AccessToken, TokenType: t.TokenType,
//		RefreshToken: t.RefreshToken, Expiry: t.Expiry}
type Token struct {
	AccessToken  string
	TokenType    string
	RefreshToken string
	Expiry       time.Time
	IDToken      string
}

// TokenSource signs in once and then refreshes with REFRESH_TOKEN_AUTH
// before the access token expires. Its Token method has the shape of
// oauth2.TokenSource's: wrap it in a one-line adapter to use it there. It is
// safe for concurrent use.
type TokenSource struct {
	ctx       context.Context
	cfg       Config
	transport Transport
	prompter  Prompter
	// Early is how long before expiry a token is refreshed; default 1 min.
	Early time.Duration

	mu     sync.Mutex
	tok    *Token
	userID string
	device *Device
}

// NewTokenSource returns a TokenSource that signs in with cfg through t,
// answering prompts with p, and uses ctx for every call. When cfg.Devices is
// set, a new device is remembered there.
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
// with NotAuthorizedException.
func (s *TokenSource) Token() (*Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok != nil && s.now().Add(s.Early).Before(s.tok.Expiry) {
		c := *s.tok
		return &c, nil
	}
	if s.tok != nil && s.tok.RefreshToken != "" {
		err := s.refresh()
		if err == nil {
			c := *s.tok
			return &c, nil
		}
		if !errors.Is(err, ErrNotAuthorized) {
			return nil, err
		}
	}
	if err := s.signIn(); err != nil {
		return nil, err
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
	s.userID, s.device = r.UserID, r.Device
	s.tok = tokenOf(r)
	return nil
}

func (s *TokenSource) refresh() error {
	cfg := s.cfg
	cfg.Flow, cfg.RefreshToken, cfg.Username, cfg.Password = RefreshTokenAuth, s.tok.RefreshToken, s.userID, ""
	cfg.Device, cfg.Devices = s.device, nil
	m, err := New(cfg)
	if err != nil {
		return err
	}
	r, err := Run(s.ctx, m, s.transport, nil)
	if err != nil {
		return err
	}
	s.tok = tokenOf(r)
	return nil
}

func tokenOf(r *Result) *Token {
	return &Token{
		AccessToken:  r.Tokens.AccessToken,
		TokenType:    r.Tokens.TokenType,
		RefreshToken: r.Tokens.RefreshToken,
		Expiry:       r.Tokens.Expiry,
		IDToken:      r.Tokens.IDToken,
	}
}
