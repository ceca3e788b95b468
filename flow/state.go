package flow

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/caldera-srp/caldera/challenge"
)

// Saved state formats. The first byte is the version.
//
//	plain:  0x01 ‖ body ‖ SHA-256(0x01 ‖ body)[:8]
//	sealed: 0x81 ‖ nonce (12) ‖ AES-GCM(key, nonce, body, ad)
//
// with ad = 0x81 ‖ "caldera flow state" ‖ 0x00 ‖ UserPoolID ‖ 0x00 ‖
// ClientID, so a state only opens for the app client that saved it. The
// plain checksum catches accidents only; only the sealed form resists a
// client that wants to read or alter its state.
const (
	stateVersionPlain  byte = 0x01
	stateVersionSealed byte = 0x81
	stateChecksumLen        = 8
	maxStateLen             = 256 << 10
	maxStateEntries         = 256
)

// Errors of Save and Restore.
var (
	// ErrStateVersion means the saved state has a version byte this
	// package does not know.
	ErrStateVersion = errors.New("flow: saved state has an unknown version")
	// ErrStateCorrupt means the saved state is truncated, altered, sealed
	// with another key or for another app client.
	ErrStateCorrupt = errors.New("flow: saved state is truncated or altered")
	// ErrStateKey means a key of the wrong size, a sealed state restored
	// without a key, or a plain state restored with one.
	ErrStateKey = errors.New("flow: saved state key mismatch")
	// ErrStateMismatch means the state belongs to another user pool, app
	// client, user, device or admin mode than the Config restoring it.
	ErrStateMismatch = errors.New("flow: saved state does not match the config")
	// ErrNotAtPrompt means Save was called while the machine was not
	// waiting for an Answer.
	ErrNotAtPrompt = errors.New("flow: a machine can be saved only at a prompt")
)

// MarshalBinary saves the machine at a prompt, unsealed. It holds the
// Session, the user names, the challenge name and parameters, the device key
// (a reference: never the device password), the pool and client ids and the
// Session's deadline; never the password, an SRP exponent, a derived key, a
// code, a token or the TOTP secret. It holds the sign-in's context
// (AnalyticsEndpointID, UserContextData, ContextData: personal data). The
// Session is a bearer credential for the rest of the sign-in: prefer Seal
// when the state leaves the server.
func (m *Machine) MarshalBinary() ([]byte, error) {
	body, err := m.encodeState()
	if err != nil {
		return nil, err
	}
	out := append([]byte{stateVersionPlain}, body...)
	sum := sha256.Sum256(out)
	return append(out, sum[:stateChecksumLen]...), nil
}

// Seal saves the machine at a prompt as MarshalBinary does, encrypted and
// authenticated with AES-GCM under key (16, 24 or 32 bytes), with a random
// nonce from crypto/rand.
func (m *Machine) Seal(key []byte) ([]byte, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	body, err := m.encodeState()
	if err != nil {
		return nil, err
	}
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(body)+aead.Overhead())
	out[0] = stateVersionSealed
	rand.Read(out[1:]) // never fails (crypto/rand, Go 1.24+)
	return aead.Seal(out, out[1:], body, stateAD(m.cfg.UserPoolID, m.cfg.ClientID)), nil
}

// UnmarshalBinary restores an unsealed state into m, which must come fresh
// from New (its Config supplies the password, secret, metadata and
// randomness). Use Restore for sealed states or a Config without password.
func (m *Machine) UnmarshalBinary(data []byte) error {
	if m.phase != phaseNew {
		return ErrNotWaiting
	}
	r, err := Restore(m.cfg, data, nil)
	if err != nil {
		return err
	}
	*m = *r
	return nil
}

// Restore returns a Machine at the prompt saved in state, by MarshalBinary
// (key nil) or by Seal (the same key). cfg must name the same user pool and
// app client; its Flow, Username and Password may be empty (the password is
// only needed if the user picks PASSWORD or PASSWORD_SRP afterwards). A
// remembered device is taken from cfg.Device or cfg.Devices when its key is
// the saved one. The sign-in's context is the saved one, unless cfg gives
// its own (cfg.UserContextData or cfg.ContextData, cfg.AnalyticsEndpointID):
// a server restoring in the user's next request passes that request's
// address. A state whose Session deadline has passed by cfg.Now gives
// ErrExpired.
func Restore(cfg Config, state, key []byte) (*Machine, error) {
	poolName, err := cfg.validateBase()
	if err != nil {
		return nil, err
	}
	if len(state) == 0 || len(state) > maxStateLen {
		return nil, fmt.Errorf("%w: length %d", ErrStateCorrupt, len(state))
	}
	var body []byte
	switch state[0] {
	case stateVersionPlain:
		if key != nil {
			return nil, fmt.Errorf("%w: a plain state given with a key", ErrStateKey)
		}
		if len(state) < 1+stateChecksumLen {
			return nil, fmt.Errorf("%w: truncated", ErrStateCorrupt)
		}
		n := len(state) - stateChecksumLen
		sum := sha256.Sum256(state[:n])
		if subtle.ConstantTimeCompare(sum[:stateChecksumLen], state[n:]) != 1 {
			return nil, fmt.Errorf("%w: checksum", ErrStateCorrupt)
		}
		body = state[1:n]
	case stateVersionSealed:
		if key == nil {
			return nil, fmt.Errorf("%w: a sealed state needs its key", ErrStateKey)
		}
		aead, err := newAEAD(key)
		if err != nil {
			return nil, err
		}
		ns := aead.NonceSize()
		if len(state) < 1+ns+aead.Overhead() {
			return nil, fmt.Errorf("%w: truncated", ErrStateCorrupt)
		}
		body, err = aead.Open(nil, state[1:1+ns], state[1+ns:], stateAD(cfg.UserPoolID, cfg.ClientID))
		if err != nil {
			return nil, fmt.Errorf("%w: authentication failed", ErrStateCorrupt)
		}
	default:
		return nil, fmt.Errorf("%w: 0x%02x", ErrStateVersion, state[0])
	}
	s, err := decodeState(body)
	if err != nil {
		return nil, err
	}
	if s.poolID != cfg.UserPoolID || s.clientID != cfg.ClientID || s.admin != cfg.Admin {
		return nil, fmt.Errorf("%w: pool, client or admin mode", ErrStateMismatch)
	}
	if cfg.Username != "" && cfg.Username != s.typedUsername && cfg.Username != s.userID {
		return nil, fmt.Errorf("%w: user", ErrStateMismatch)
	}
	if cfg.Device != nil && s.deviceKey != "" && cfg.Device.DeviceKey != s.deviceKey {
		return nil, fmt.Errorf("%w: device", ErrStateMismatch)
	}
	cfg.Flow, cfg.Username = AuthFlow(s.flow), s.typedUsername
	// The context of the request that restores wins (a web server's next
	// request comes with the user's current address); else the saved one.
	if cfg.AnalyticsEndpointID == "" {
		cfg.AnalyticsEndpointID = s.analyticsEndpointID
	}
	if cfg.UserContextData == nil && cfg.ContextData == nil {
		cfg.UserContextData, cfg.ContextData = s.userContext, s.context
	}
	if err := cfg.validateContext(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrStateCorrupt, err)
	}
	if s.deviceKey == "" {
		cfg.Device = nil
	}
	m := newMachine(cfg, poolName)
	if !m.now().Before(s.deadline) {
		return nil, fmt.Errorf("%w: the Session ended at %s", ErrExpired, s.deadline.UTC().Format(time.RFC3339))
	}
	if m.device == nil && s.deviceKey != "" && cfg.Devices != nil {
		for _, name := range []string{s.userID, s.typedUsername} {
			if d, err := cfg.Devices.Get(cfg.UserPoolID, name); err == nil && d.DeviceKey == s.deviceKey {
				m.device = d
				break
			}
		}
	}
	m.username, m.userID, m.session, m.deadline = s.username, s.userID, s.session, s.deadline
	m.deviceForgotten, m.retried = s.deviceForgotten, s.retried
	p, err := buildPrompt(s.kind, s.name, s.params, s.options)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrStateCorrupt, err)
	}
	p.Username, p.Deadline = m.username, m.deadline
	m.phase, m.prompt = phasePrompt, p
	m.promptKind, m.promptName, m.params, m.options = s.kind, s.name, s.params, s.options
	return m, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	switch len(key) {
	case 16, 24, 32:
	default:
		return nil, fmt.Errorf("%w: AES key of %d bytes", ErrStateKey, len(key))
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrStateKey, err)
	}
	return cipher.NewGCM(b)
}

func stateAD(poolID, clientID string) []byte {
	ad := []byte{stateVersionSealed}
	ad = append(ad, "caldera flow state\x00"...)
	ad = append(ad, poolID...)
	ad = append(ad, 0)
	return append(ad, clientID...)
}

// savedState is the body of a saved state, in encoding order.
type savedState struct {
	poolID, clientID, flow string
	admin                  bool
	typedUsername          string
	username, userID       string
	session                string
	deadline               time.Time
	deviceKey              string
	deviceForgotten        bool
	retried                bool
	kind                   PromptKind
	name                   challenge.Name
	params                 challenge.Parameters
	options                []challenge.Name
	// The sign-in's context (Config.AnalyticsEndpointID, UserContextData,
	// ContextData), in an optional trailer: a state without it encodes as
	// before.
	analyticsEndpointID string
	userContext         *UserContextData
	context             *ContextData
}

func (m *Machine) encodeState() ([]byte, error) {
	if m.phase != phasePrompt {
		return nil, ErrNotAtPrompt
	}
	var b []byte
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	flag := func(v bool) {
		if v {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	}
	str(m.cfg.UserPoolID)
	str(m.cfg.ClientID)
	str(string(m.cfg.Flow))
	flag(m.cfg.Admin)
	str(m.cfg.Username)
	str(m.username)
	str(m.userID)
	str(m.session)
	b = binary.BigEndian.AppendUint64(b, uint64(m.deadline.UnixNano()))
	dk := ""
	if m.device != nil {
		dk = m.device.DeviceKey
	}
	str(dk)
	flag(m.deviceForgotten)
	flag(m.retried)
	b = append(b, byte(m.promptKind))
	str(string(m.promptName))
	keys := make([]string, 0, len(m.params))
	for k := range m.params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		str(k)
		str(m.params[k])
	}
	b = binary.AppendUvarint(b, uint64(len(m.options)))
	for _, o := range m.options {
		str(string(o))
	}
	c := &m.cfg
	if c.AnalyticsEndpointID != "" || c.UserContextData != nil || c.ContextData != nil {
		// Trailer: analytics id, then a flag and the fields of each
		// context.
		str(c.AnalyticsEndpointID)
		flag(c.UserContextData != nil)
		if u := c.UserContextData; u != nil {
			str(u.IPAddress)
			str(u.EncodedData)
		}
		flag(c.ContextData != nil)
		if d := c.ContextData; d != nil {
			str(d.IPAddress)
			str(d.ServerName)
			str(d.ServerPath)
			str(d.EncodedData)
			b = binary.AppendUvarint(b, uint64(len(d.HTTPHeaders)))
			for _, h := range d.HTTPHeaders {
				str(h.Name)
				str(h.Value)
			}
		}
	}
	return b, nil
}

// stateReader decodes a body; the first error sticks.
type stateReader struct {
	b   []byte
	err error
}

func (r *stateReader) fail(why string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", ErrStateCorrupt, why)
	}
}

func (r *stateReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("bad length")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *stateReader) str() string {
	n := r.uvarint()
	if r.err != nil {
		return ""
	}
	if n > uint64(len(r.b)) {
		r.fail("truncated")
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *stateReader) byte() byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) == 0 {
		r.fail("truncated")
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *stateReader) flag() bool {
	switch r.byte() {
	case 0:
		return false
	case 1:
		return true
	}
	r.fail("bad flag")
	return false
}

func (r *stateReader) count() int {
	n := r.uvarint()
	if n > maxStateEntries {
		r.fail("too many entries")
		return 0
	}
	return int(n)
}

func decodeState(b []byte) (*savedState, error) {
	r := &stateReader{b: b}
	s := &savedState{}
	s.poolID, s.clientID, s.flow = r.str(), r.str(), r.str()
	s.admin = r.flag()
	s.typedUsername, s.username, s.userID, s.session = r.str(), r.str(), r.str(), r.str()
	if r.err == nil && len(r.b) < 8 {
		r.fail("truncated")
	}
	if r.err == nil {
		s.deadline = time.Unix(0, int64(binary.BigEndian.Uint64(r.b))).UTC()
		r.b = r.b[8:]
	}
	s.deviceKey = r.str()
	s.deviceForgotten, s.retried = r.flag(), r.flag()
	s.kind = PromptKind(r.byte())
	s.name = challenge.Name(r.str())
	n := r.count()
	s.params = challenge.Parameters{}
	for i := 0; i < n && r.err == nil; i++ {
		k := r.str()
		if _, dup := s.params[k]; dup {
			r.fail("duplicated parameter")
		}
		s.params[k] = r.str()
	}
	n = r.count()
	for i := 0; i < n && r.err == nil; i++ {
		s.options = append(s.options, challenge.Name(r.str()))
	}
	if r.err == nil && len(r.b) != 0 {
		s.analyticsEndpointID = r.str()
		if r.flag() {
			s.userContext = &UserContextData{IPAddress: r.str(), EncodedData: r.str()}
		}
		if r.flag() {
			d := &ContextData{IPAddress: r.str(), ServerName: r.str(), ServerPath: r.str(), EncodedData: r.str()}
			n := r.count()
			for i := 0; i < n && r.err == nil; i++ {
				d.HTTPHeaders = append(d.HTTPHeaders, HTTPHeader{Name: r.str(), Value: r.str()})
			}
			s.context = d
		}
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail("trailing data")
	}
	if r.err != nil {
		return nil, r.err
	}
	known := false
	for _, f := range flows {
		known = known || string(f) == s.flow
	}
	switch {
	case !known:
		r.fail("unknown flow")
	case s.kind < PromptMFACode || s.kind > PromptWebAuthn:
		r.fail("unknown prompt kind")
	case !s.name.Known():
		r.fail("unknown challenge")
	case s.username == "":
		r.fail("no username")
	}
	if r.err != nil {
		return nil, r.err
	}
	return s, nil
}
