package flow

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/srp"
)

// phase is what the machine waits for.
type phase uint8

const (
	phaseNew          phase = iota
	phaseInitiate           // InitiateAuth output
	phaseRespond            // RespondToAuthChallenge output
	phaseAssociate          // AssociateSoftwareToken output
	phaseVerify             // VerifySoftwareToken output
	phaseConfirm            // ConfirmDevice output
	phaseUpdateDevice       // UpdateDeviceStatus output
	phasePrompt             // an Answer
	phaseDone
)

// maxOutput bounds the answers the machine parses.
const maxOutput = 1 << 20

// Machine is a sign-in in progress. It performs no I/O: each input (Start,
// Receive, Answer) returns the next Step. A Machine is not safe for
// concurrent use.
type Machine struct {
	cfg      Config
	poolName string
	rand     io.Reader
	now      func() time.Time

	phase    phase
	session  string
	username string // USERNAME of the next request
	userID   string // USER_ID_FOR_SRP or the server's USERNAME, once known
	deadline time.Time

	device          *Device // remembered device in use
	deviceForgotten bool
	retried         bool

	srpClient    *srp.Client // the a of SRP_A, until PASSWORD_VERIFIER
	deviceClient *srp.Client // the a of DEVICE_SRP_AUTH's SRP_A

	// The challenge last answered, and its responses, for the forgotten
	// device retry (docs/protocol.md §6).
	lastChallenge challenge.Name
	lastResponses challenge.Responses

	// At a prompt: what rebuilds it (and what is saved).
	prompt     *Prompt
	promptKind PromptKind
	promptName challenge.Name
	params     challenge.Parameters
	options    []challenge.Name

	// After tokens.
	tokens    Tokens
	newDevice *Device
}

// New validates cfg and returns a Machine ready to Start.
func New(cfg Config) (*Machine, error) {
	poolName, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	m := newMachine(cfg, poolName)
	if m.device == nil && cfg.Devices != nil && cfg.Username != "" {
		d, err := cfg.Devices.Get(cfg.UserPoolID, cfg.Username)
		if err != nil && !errors.Is(err, ErrDeviceNotFound) {
			return nil, err
		}
		m.device = d
	}
	return m, nil
}

func newMachine(cfg Config, poolName string) *Machine {
	cfg.ClientMetadata = cloneMap(cfg.ClientMetadata)
	cfg.UserContextData, cfg.ContextData = cloneContext(cfg.UserContextData, cfg.ContextData)
	m := &Machine{cfg: cfg, poolName: poolName, rand: cfg.Rand, now: cfg.Now, username: cfg.Username}
	if m.rand == nil {
		m.rand = rand.Reader
	}
	if m.now == nil {
		m.now = time.Now
	}
	if cfg.Device != nil {
		d := *cfg.Device
		m.device = &d
	}
	return m
}

func cloneMap(in map[string]string) map[string]string {
	if in == nil {
		return nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

func cloneContext(u *UserContextData, d *ContextData) (*UserContextData, *ContextData) {
	if u != nil {
		c := *u
		u = &c
	}
	if d != nil {
		c := *d
		c.HTTPHeaders = slices.Clone(d.HTTPHeaders)
		d = &c
	}
	return u, d
}

// Done reports whether the machine has ended (with a Result or an error).
func (m *Machine) Done() bool { return m.phase == phaseDone }

// Start returns the first request: InitiateAuth (or AdminInitiateAuth).
func (m *Machine) Start() Step {
	if m.phase == phaseDone {
		return Step{Err: ErrFinished}
	}
	if m.phase != phaseNew {
		return m.notWaiting()
	}
	c := &m.cfg
	if c.Flow == GetTokensFromRefreshToken {
		in := refreshInput{ClientID: c.ClientID, ClientMetadata: c.ClientMetadata,
			ClientSecret: c.ClientSecret, RefreshToken: c.RefreshToken}
		if m.device != nil {
			in.DeviceKey = m.device.DeviceKey
		}
		m.phase = phaseInitiate
		return m.request(OpGetTokensFromRefreshToken, "", in)
	}
	p := map[string]string{}
	switch c.Flow {
	case RefreshTokenAuth:
		p["REFRESH_TOKEN"] = c.RefreshToken
	case UserSRPAuth, CustomAuthSRP:
		p["USERNAME"] = c.Username
		if err := m.newSRP(p); err != nil {
			return m.fail(err)
		}
		if c.Flow == CustomAuthSRP {
			p["CHALLENGE_NAME"] = "SRP_A"
		}
	case CustomAuth:
		p["USERNAME"] = c.Username
	case UserPasswordAuth, AdminUserPasswordAuth:
		p["USERNAME"] = c.Username
		p["PASSWORD"] = c.Password
	case UserAuth:
		p["USERNAME"] = c.Username
		if c.PreferredChallenge != "" {
			p["PREFERRED_CHALLENGE"] = c.PreferredChallenge
		}
		switch c.PreferredChallenge {
		case "PASSWORD_SRP":
			if err := m.newSRP(p); err != nil {
				return m.fail(err)
			}
		case "PASSWORD":
			p["PASSWORD"] = c.Password
		}
	}
	if m.device != nil {
		p["DEVICE_KEY"] = m.device.DeviceKey
	}
	if c.ClientSecret != "" {
		// Over the USERNAME of this very request; REFRESH_TOKEN_AUTH sends
		// none, and Config.Username is then the internal name (§5).
		p["SECRET_HASH"] = challenge.SecretHash(c.ClientSecret, c.Username, c.ClientID)
	}
	in := initiateInput{AuthFlow: c.Flow.wire(), AuthParameters: p, ClientID: c.ClientID, ClientMetadata: c.ClientMetadata}
	in.AnalyticsMetadata, in.UserContextData, in.ContextData = c.wireContext()
	op := OpInitiateAuth
	if c.Admin {
		op, in.UserPoolID = OpAdminInitiateAuth, c.UserPoolID
	}
	m.phase = phaseInitiate
	return m.request(op, "", in)
}

func (m *Machine) newSRP(p map[string]string) error {
	cl, err := srp.Cognito().NewClient(m.rand)
	if err != nil {
		return fmt.Errorf("flow: drawing SRP a: %w", err)
	}
	m.srpClient = cl
	p["SRP_A"] = cl.PublicHex()
	return nil
}

// Receive gives the machine the answer to its last Request: the output JSON,
// or the error the transport returned (an *APIError for service errors).
func (m *Machine) Receive(output json.RawMessage, err error) Step {
	switch m.phase {
	case phaseDone:
		return Step{Err: ErrFinished}
	case phaseNew, phasePrompt:
		return m.notWaiting()
	}
	if err != nil {
		return m.receiveError(err)
	}
	if len(output) > maxOutput {
		return m.fail(fmt.Errorf("%w: answer larger than %d bytes", ErrMalformedResponse, maxOutput))
	}
	switch m.phase {
	case phaseInitiate, phaseRespond:
		return m.receiveAuth(output)
	case phaseAssociate:
		return m.receiveAssociate(output)
	case phaseVerify:
		return m.receiveVerify(output)
	case phaseConfirm:
		return m.receiveConfirm(output)
	case phaseUpdateDevice:
		return m.finish(nil)
	}
	return m.notWaiting()
}

func (m *Machine) receiveError(err error) Step {
	// A forgotten device: drop it and re-send the same claim without
	// DEVICE_KEY, once (docs/protocol.md §6, §9).
	if m.phase == phaseRespond && m.lastChallenge == challenge.PasswordVerifier &&
		m.device != nil && !m.retried && errors.Is(err, ErrResourceNotFound) {
		m.retried = true
		m.device = nil
		m.deviceForgotten = true
		delete(m.lastResponses, "DEVICE_KEY")
		return m.respond(challenge.PasswordVerifier, m.lastResponses)
	}
	switch m.phase {
	case phaseConfirm:
		m.newDevice = nil
		return m.finish(fmt.Errorf("flow: ConfirmDevice: %w", err))
	case phaseUpdateDevice:
		return m.finish(fmt.Errorf("flow: UpdateDeviceStatus: %w", err))
	}
	return m.fail(fmt.Errorf("flow: %s: %w", m.opForPhase(), err))
}

func (m *Machine) opForPhase() Operation {
	switch m.phase {
	case phaseInitiate:
		if m.cfg.Flow == GetTokensFromRefreshToken {
			return OpGetTokensFromRefreshToken
		}
		return m.op(OpInitiateAuth)
	case phaseRespond:
		return m.op(OpRespondToAuthChallenge)
	case phaseAssociate:
		return OpAssociateSoftwareToken
	case phaseVerify:
		return OpVerifySoftwareToken
	case phaseConfirm:
		return OpConfirmDevice
	}
	return OpUpdateDeviceStatus
}

// op maps the user operations to their admin variants when Config.Admin.
func (m *Machine) op(o Operation) Operation {
	if !m.cfg.Admin {
		return o
	}
	switch o {
	case OpInitiateAuth:
		return OpAdminInitiateAuth
	case OpRespondToAuthChallenge:
		return OpAdminRespondToAuthChallenge
	}
	return o
}

func (m *Machine) receiveAuth(output json.RawMessage) Step {
	out, err := parseAuthOutput(output)
	if err != nil {
		return m.fail(err)
	}
	if out.result != nil {
		return m.tokensReceived(out.result)
	}
	if m.cfg.Flow == GetTokensFromRefreshToken {
		return m.fail(fmt.Errorf("%w: GetTokensFromRefreshToken answered without AuthenticationResult", ErrUnexpectedResponse))
	}
	if out.challengeName == "" {
		return m.fail(fmt.Errorf("%w: neither a challenge nor tokens", ErrUnexpectedResponse))
	}
	name := challenge.Name(out.challengeName)
	if !name.Known() {
		return m.fail(fmt.Errorf("flow: %w", &challenge.UnknownChallengeError{Name: name}))
	}
	params, err := challenge.ParseParameters(name, out.params)
	if err != nil {
		return m.fail(fmt.Errorf("flow: %w", err))
	}
	// Thread the Session of this very answer (docs/protocol.md §7). The SRP
	// challenges may come without one (their SECRET_BLOCK carries the
	// state); every other challenge needs it.
	m.session = out.session
	switch name {
	case challenge.PasswordVerifier, challenge.DeviceSRPAuth, challenge.DevicePasswordVerifier:
	default:
		if m.session == "" {
			return m.fail(fmt.Errorf("%w (%s)", ErrMissingSession, name))
		}
	}
	m.deadline = m.now().Add(m.cfg.sessionLifetime())
	if u := params["USERNAME"]; u != "" && name != challenge.PasswordVerifier {
		m.username = u
		if m.userID == "" {
			m.userID = u
		}
	}
	switch name {
	case challenge.PasswordVerifier:
		return m.passwordVerifier(params)
	case challenge.DeviceSRPAuth:
		return m.deviceSRPAuth()
	case challenge.DevicePasswordVerifier:
		return m.devicePasswordVerifier(params)
	case challenge.SMSMFA, challenge.SoftwareTokenMFA, challenge.EmailOTP, challenge.SMSOTP:
		return m.toPrompt(PromptMFACode, name, params, nil)
	case challenge.SelectMFAType:
		opts, err := challenge.ParseSelectMFAType(params)
		if err != nil {
			return m.fail(fmt.Errorf("flow: %w", err))
		}
		return m.toPrompt(PromptSelectMFAType, name, params, opts)
	case challenge.SelectChallenge:
		raw := out.available
		if len(raw) == 0 || string(raw) == "null" {
			raw = json.RawMessage(params["AVAILABLE_CHALLENGES"])
		}
		opts, err := challenge.ParseNames(name, "AvailableChallenges", raw)
		if err != nil {
			return m.fail(fmt.Errorf("flow: %w", err))
		}
		return m.toPrompt(PromptSelectChallenge, name, params, opts)
	case challenge.MFASetup:
		opts, err := challenge.ParseMFASetup(params)
		if err != nil {
			return m.fail(fmt.Errorf("flow: %w", err))
		}
		if !slices.Contains(opts, challenge.EmailOTP) {
			if !slices.Contains(opts, challenge.SoftwareTokenMFA) {
				return m.fail(fmt.Errorf("%w: MFA_SETUP offers nothing this client can set up", ErrUnexpectedResponse))
			}
			m.promptName, m.params, m.options = name, params, opts
			return m.associate()
		}
		return m.toPrompt(PromptMFASetup, name, params, opts)
	case challenge.NewPasswordRequired:
		return m.toPrompt(PromptNewPassword, name, params, nil)
	case challenge.CustomChallenge:
		return m.toPrompt(PromptCustomChallenge, name, params, nil)
	case challenge.WebAuthn:
		return m.toPrompt(PromptWebAuthn, name, params, nil)
	}
	return m.fail(fmt.Errorf("flow: %w", &challenge.UnknownChallengeError{Name: name}))
}

func (m *Machine) passwordVerifier(params challenge.Parameters) Step {
	if m.srpClient == nil {
		return m.fail(fmt.Errorf("%w: PASSWORD_VERIFIER but no SRP_A was sent", ErrUnexpectedResponse))
	}
	sp, err := challenge.ParsePasswordVerifier(params)
	if err != nil {
		return m.fail(fmt.Errorf("flow: %w", err))
	}
	claim, err := m.srpClient.PasswordClaim(srp.PasswordClaimParams{
		PoolName:     m.poolName,
		UserIDForSRP: sp.UserIDForSRP,
		Password:     m.cfg.Password,
		SRPB:         sp.SRPB,
		Salt:         sp.Salt,
		SecretBlock:  sp.SecretBlock,
		Timestamp:    challenge.FormatTimestamp(m.now()),
	})
	m.srpClient = nil // one exchange per a
	if err != nil {
		return m.fail(fmt.Errorf("flow: PASSWORD_VERIFIER: %w", err))
	}
	m.userID, m.username = sp.UserIDForSRP, sp.Username
	dk := ""
	if m.device != nil {
		dk = m.device.DeviceKey
	}
	return m.respond(challenge.PasswordVerifier, challenge.PasswordVerifierResponse(m.username, claim, dk))
}

func (m *Machine) deviceSRPAuth() Step {
	if m.device == nil {
		return m.fail(ErrNoDevice)
	}
	cl, err := srp.Cognito().NewClient(m.rand)
	if err != nil {
		return m.fail(fmt.Errorf("flow: drawing device SRP a: %w", err))
	}
	m.deviceClient = cl
	return m.respond(challenge.DeviceSRPAuth, challenge.DeviceSRPAuthResponse(m.username, m.device.DeviceKey, cl.PublicHex()))
}

func (m *Machine) devicePasswordVerifier(params challenge.Parameters) Step {
	if m.device == nil {
		return m.fail(ErrNoDevice)
	}
	if m.deviceClient == nil {
		return m.fail(fmt.Errorf("%w: DEVICE_PASSWORD_VERIFIER before DEVICE_SRP_AUTH", ErrUnexpectedResponse))
	}
	sp, err := challenge.ParseDevicePasswordVerifier(params)
	if err != nil {
		return m.fail(fmt.Errorf("flow: %w", err))
	}
	d := m.device
	claim, err := m.deviceClient.DeviceClaim(d.DeviceGroupKey, d.DeviceKey, d.DevicePassword,
		sp.SRPB, sp.Salt, sp.SecretBlock, challenge.FormatTimestamp(m.now()))
	m.deviceClient = nil
	if err != nil {
		return m.fail(fmt.Errorf("flow: DEVICE_PASSWORD_VERIFIER: %w", err))
	}
	return m.respond(challenge.DevicePasswordVerifier, challenge.DevicePasswordVerifierResponse(m.username, d.DeviceKey, claim))
}

// toPrompt stops at a prompt. Everything it records is what Save keeps.
func (m *Machine) toPrompt(kind PromptKind, name challenge.Name, params challenge.Parameters, opts []challenge.Name) Step {
	p, err := buildPrompt(kind, name, params, opts)
	if err != nil {
		return m.fail(fmt.Errorf("flow: %w", err))
	}
	p.Username, p.Deadline = m.username, m.deadline
	m.phase, m.prompt = phasePrompt, p
	m.promptKind, m.promptName, m.params, m.options = kind, name, params, opts
	return Step{Prompt: clonePrompt(p)}
}

// buildPrompt makes the Prompt of a kind from the challenge alone, so that
// a restored machine shows the same prompt.
func buildPrompt(kind PromptKind, name challenge.Name, params challenge.Parameters, opts []challenge.Name) (*Prompt, error) {
	p := &Prompt{Kind: kind, Challenge: name, Options: slices.Clone(opts)}
	switch kind {
	case PromptMFACode:
		if name.CodeParameter() == "" {
			return nil, fmt.Errorf("%w: %s is not a code challenge", ErrUnexpectedResponse, name)
		}
		p.Delivery = challenge.ParseCodeDelivery(params)
	case PromptNewPassword:
		np, err := challenge.ParseNewPasswordRequired(params)
		if err != nil {
			return nil, err
		}
		p.UserAttributes, p.RequiredAttributes = np.UserAttributes, np.RequiredAttributes
	case PromptCustomChallenge:
		p.Parameters = cloneMap(params)
	case PromptWebAuthn:
		o, err := challenge.ParseWebAuthn(params)
		if err != nil {
			return nil, err
		}
		p.CredentialRequestOptions = o
	case PromptSelectMFAType, PromptSelectChallenge, PromptMFASetup, PromptTOTPSetup:
	default:
		return nil, fmt.Errorf("%w: prompt kind %d", ErrUnexpectedResponse, kind)
	}
	return p, nil
}

func clonePrompt(p *Prompt) *Prompt {
	c := *p
	c.Options = slices.Clone(p.Options)
	c.UserAttributes = cloneMap(p.UserAttributes)
	c.RequiredAttributes = slices.Clone(p.RequiredAttributes)
	c.Parameters = cloneMap(p.Parameters)
	c.CredentialRequestOptions = slices.Clone(p.CredentialRequestOptions)
	return &c
}

// Prompt returns the current prompt, or nil when the machine is not waiting
// for an Answer.
func (m *Machine) Prompt() *Prompt {
	if m.phase != phasePrompt {
		return nil
	}
	return clonePrompt(m.prompt)
}

// Answer gives the machine the user's answer to its Prompt. An answer that
// does not fit gives an ErrInvalidAnswer step and the machine keeps waiting.
func (m *Machine) Answer(a Answer) Step {
	switch m.phase {
	case phaseDone:
		return Step{Err: ErrFinished}
	case phasePrompt:
	default:
		return m.notWaiting()
	}
	if !m.now().Before(m.deadline) {
		return m.fail(fmt.Errorf("%w: the Session ended at %s", ErrExpired, m.deadline.UTC().Format(time.RFC3339)))
	}
	invalid := func(why string) Step {
		return Step{Err: fmt.Errorf("%w: %s", ErrInvalidAnswer, why)}
	}
	name := m.promptName
	switch m.promptKind {
	case PromptMFACode:
		r, err := challenge.CodeResponse(name, m.username, a.Code)
		if err != nil {
			return invalid("empty code")
		}
		return m.respond(name, r)
	case PromptSelectMFAType:
		if !slices.Contains(m.options, a.Choice) {
			return invalid("choice is not one of the options")
		}
		return m.respond(name, challenge.AnswerResponse(m.username, string(a.Choice)))
	case PromptSelectChallenge:
		if !slices.Contains(m.options, a.Choice) {
			return invalid("choice is not one of the options")
		}
		r := challenge.AnswerResponse(m.username, string(a.Choice))
		pw := a.Password
		if pw == "" {
			pw = m.cfg.Password
		}
		switch a.Choice {
		case challenge.PasswordSRP:
			if pw == "" {
				return invalid("PASSWORD_SRP needs a password")
			}
			m.cfg.Password = pw
			if err := m.newSRP(r); err != nil {
				return m.fail(err)
			}
		case challenge.Password:
			if !m.cfg.PlainPasswordAllowed() {
				return Step{Err: ErrPlainPassword}
			}
			if pw == "" {
				return invalid("PASSWORD needs a password")
			}
			r["PASSWORD"] = pw
		}
		return m.respond(name, r)
	case PromptCustomChallenge:
		if a.Text == "" {
			return invalid("empty answer")
		}
		return m.respond(name, challenge.AnswerResponse(m.username, a.Text))
	case PromptNewPassword:
		if a.NewPassword == "" {
			return invalid("empty new password")
		}
		for _, r := range m.prompt.RequiredAttributes {
			if a.Attributes[r] == "" {
				return invalid("required attribute " + r + " is missing")
			}
		}
		return m.respond(name, challenge.NewPasswordResponse(m.username, a.NewPassword, a.Attributes))
	case PromptMFASetup:
		if !slices.Contains(m.options, a.Choice) {
			return invalid("choice is not one of the options")
		}
		switch a.Choice {
		case challenge.SoftwareTokenMFA:
			return m.associate()
		case challenge.EmailOTP:
			if a.Email == "" {
				return invalid("EMAIL_OTP set-up needs an email address")
			}
			return m.respond(name, challenge.MFASetupResponse(m.username, a.Email))
		}
		return invalid("this client sets up SOFTWARE_TOKEN_MFA or EMAIL_OTP only")
	case PromptTOTPSetup:
		if a.Code == "" {
			return invalid("empty code")
		}
		m.phase = phaseVerify
		return m.request(OpVerifySoftwareToken, name, verifyInput{
			FriendlyDeviceName: m.cfg.FriendlyDeviceName, Session: m.session, UserCode: a.Code})
	case PromptWebAuthn:
		r, err := challenge.WebAuthnResponse(m.username, a.Credential)
		if err != nil {
			return invalid("credential is not JSON")
		}
		return m.respond(name, r)
	}
	return m.fail(fmt.Errorf("%w: prompt kind %d", ErrUnexpectedResponse, m.promptKind))
}

func (m *Machine) associate() Step {
	m.phase = phaseAssociate
	return m.request(OpAssociateSoftwareToken, challenge.MFASetup, sessionInput{Session: m.session})
}

func (m *Machine) receiveAssociate(output json.RawMessage) Step {
	var out struct {
		SecretCode *string
		Session    *string
	}
	if err := json.Unmarshal(output, &out); err != nil || out.SecretCode == nil || *out.SecretCode == "" {
		return m.fail(fmt.Errorf("%w: AssociateSoftwareToken has no SecretCode", ErrMalformedResponse))
	}
	if out.Session != nil && *out.Session != "" {
		m.session = *out.Session
		m.deadline = m.now().Add(m.cfg.sessionLifetime())
	}
	st := m.toPrompt(PromptTOTPSetup, challenge.MFASetup, m.params, m.options)
	if st.Prompt != nil {
		m.prompt.SecretCode = *out.SecretCode
		m.prompt.OTPAuthURI = m.otpauthURI(*out.SecretCode)
		st.Prompt.SecretCode, st.Prompt.OTPAuthURI = m.prompt.SecretCode, m.prompt.OTPAuthURI
	}
	return st
}

// otpauthURI renders the Key Uri Format of Google Authenticator:
// otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=ISSUER.
func (m *Machine) otpauthURI(secret string) string {
	issuer := m.cfg.TOTPIssuer
	if issuer == "" {
		issuer = "Cognito"
	}
	account := m.cfg.Username
	if account == "" {
		account = m.username
	}
	q := url.Values{"secret": {secret}, "issuer": {issuer}}
	return "otpauth://totp/" + url.PathEscape(issuer+":"+account) + "?" + q.Encode()
}

func (m *Machine) receiveVerify(output json.RawMessage) Step {
	var out struct {
		Status  *string
		Session *string
	}
	if err := json.Unmarshal(output, &out); err != nil {
		return m.fail(fmt.Errorf("%w: VerifySoftwareToken: not a JSON object", ErrMalformedResponse))
	}
	if out.Status == nil || *out.Status != "SUCCESS" {
		return m.fail(ErrSoftwareTokenNotVerified)
	}
	if out.Session == nil || *out.Session == "" {
		return m.fail(fmt.Errorf("%w (VerifySoftwareToken)", ErrMissingSession))
	}
	m.session = *out.Session
	return m.respond(challenge.MFASetup, challenge.MFASetupResponse(m.username, ""))
}

func (m *Machine) tokensReceived(r *authResult) Step {
	m.tokens = Tokens{
		AccessToken:  r.AccessToken,
		IDToken:      r.IDToken,
		RefreshToken: r.RefreshToken,
		TokenType:    r.TokenType,
		ExpiresIn:    r.ExpiresIn,
		Expiry:       m.now().Add(time.Duration(r.ExpiresIn) * time.Second),
	}
	// A refresh answers a new refresh token only when the app client
	// rotates them; otherwise the one used stays valid.
	if m.tokens.RefreshToken == "" && m.cfg.Flow.isRefresh() {
		m.tokens.RefreshToken = m.cfg.RefreshToken
	}
	m.session = ""
	nd := r.NewDeviceMetadata
	if nd == nil || m.cfg.DevicePolicy == IgnoreDevice || m.cfg.Flow.isRefresh() {
		return m.finish(nil)
	}
	if nd.DeviceKey == "" || nd.DeviceGroupKey == "" {
		return m.finish(fmt.Errorf("%w: NewDeviceMetadata without DeviceKey or DeviceGroupKey", ErrMalformedResponse))
	}
	v, err := srp.NewDeviceVerifier(m.rand, nd.DeviceGroupKey, nd.DeviceKey)
	if err != nil {
		return m.finish(fmt.Errorf("flow: device verifier: %w", err))
	}
	m.newDevice = &Device{DeviceKey: nd.DeviceKey, DeviceGroupKey: nd.DeviceGroupKey, DevicePassword: v.DevicePassword}
	name := m.cfg.DeviceName
	if name == "" {
		name = "caldera"
	}
	m.phase = phaseConfirm
	return m.request(OpConfirmDevice, "", confirmDeviceInput{
		AccessToken: m.tokens.AccessToken,
		DeviceKey:   nd.DeviceKey,
		DeviceName:  name,
		DeviceSecretVerifierConfig: verifierConfig{
			PasswordVerifier: v.Config.PasswordVerifier,
			Salt:             v.Config.Salt,
		},
	})
}

func (m *Machine) receiveConfirm(output json.RawMessage) Step {
	var out struct{ UserConfirmationNecessary *bool }
	if err := json.Unmarshal(output, &out); err != nil {
		m.newDevice = nil
		return m.finish(fmt.Errorf("%w: ConfirmDevice: not a JSON object", ErrMalformedResponse))
	}
	status := ""
	if out.UserConfirmationNecessary != nil && *out.UserConfirmationNecessary {
		switch m.cfg.DevicePolicy {
		case RememberDevice:
			status = "remembered"
		case DoNotRememberDevice:
			status = "not_remembered"
		}
	}
	if status == "" {
		return m.finish(nil)
	}
	m.phase = phaseUpdateDevice
	return m.request(OpUpdateDeviceStatus, "", updateDeviceInput{
		AccessToken: m.tokens.AccessToken, DeviceKey: m.newDevice.DeviceKey, DeviceRememberedStatus: status})
}

// finish ends with tokens; deviceErr is a failure of the device steps.
func (m *Machine) finish(deviceErr error) Step {
	m.phase = phaseDone
	r := &Result{Tokens: m.tokens, UserID: m.resultUserID(), DeviceForgotten: m.deviceForgotten, DeviceErr: deviceErr}
	switch {
	case m.newDevice != nil:
		d := *m.newDevice
		r.Device, r.NewDevice = &d, true
	case m.device != nil:
		d := *m.device
		r.Device = &d
	}
	m.clearSecrets()
	return Step{Result: r}
}

func (m *Machine) resultUserID() string {
	if m.userID != "" {
		return m.userID
	}
	if u := accessTokenUsername(m.tokens.AccessToken); u != "" {
		return u
	}
	return m.cfg.Username
}

// accessTokenUsername reads the "username" claim of a JWT access token
// without verifying it: only to name the user for device records and
// SECRET_HASH, never to trust anything.
func accessTokenUsername(tok string) string {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || len(parts[1]) > 16<<10 {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ""
	}
	var c struct {
		Username string `json:"username"`
	}
	if json.Unmarshal(b, &c) != nil {
		return ""
	}
	return c.Username
}

func (m *Machine) fail(err error) Step {
	m.phase = phaseDone
	m.clearSecrets()
	return Step{Err: err}
}

// clearSecrets drops what the machine no longer needs once it ended.
func (m *Machine) clearSecrets() {
	m.cfg.Password = ""
	m.srpClient, m.deviceClient = nil, nil
	m.lastResponses = nil
	m.newDevice, m.device = nil, nil
	m.tokens = Tokens{}
}

func (m *Machine) notWaiting() Step {
	return Step{Err: ErrNotWaiting}
}

// respond sends RespondToAuthChallenge with the Session and ClientMetadata,
// and SECRET_HASH over the response's own USERNAME (docs/protocol.md §5, §7).
func (m *Machine) respond(name challenge.Name, r challenge.Responses) Step {
	r.WithSecretHash(m.cfg.ClientSecret, m.cfg.ClientID)
	m.lastChallenge, m.lastResponses = name, r
	in := respondInput{
		ChallengeName:      string(name),
		ChallengeResponses: r,
		ClientID:           m.cfg.ClientID,
		ClientMetadata:     m.cfg.ClientMetadata,
		Session:            m.session,
	}
	in.AnalyticsMetadata, in.UserContextData, in.ContextData = m.cfg.wireContext()
	if m.cfg.Admin {
		in.UserPoolID = m.cfg.UserPoolID
	}
	m.phase = phaseRespond
	m.prompt = nil
	return m.request(m.op(OpRespondToAuthChallenge), name, in)
}

func (m *Machine) request(op Operation, name challenge.Name, in any) Step {
	b, err := json.Marshal(in)
	if err != nil { // cannot happen: the inputs are strings and maps of strings
		return m.fail(fmt.Errorf("flow: encoding %s: %w", op, err))
	}
	return Step{Request: &Request{Op: op, Input: b, Challenge: name}}
}
