package idp

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/caldera-srp/caldera/srp"
)

// PoolConfig describes a user pool for CreatePool and the seed file.
type PoolConfig struct {
	// ID fixes the pool id ("<region>_<name>", docs/protocol.md §9); a random one
	// is drawn when empty.
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
	// MFA is "OFF" (default), "ON" or "OPTIONAL".
	MFA string `json:"mfa,omitempty"`
	// SoftwareTokenMFA, SMSMFA and EmailMFA enable the MFA factors
	// (SetUserPoolMfaConfig). With MFA on and none set, TOTP is enabled.
	SoftwareTokenMFA bool `json:"softwareTokenMfa,omitempty"`
	SMSMFA           bool `json:"smsMfa,omitempty"`
	EmailMFA         bool `json:"emailMfa,omitempty"`
	// UsernameAttributes ("email", "phone_number") make users sign in with
	// those instead of a user name; the internal name is then the sub.
	UsernameAttributes []string `json:"usernameAttributes,omitempty"`
	// AliasAttributes let users sign in with these as well as their name.
	AliasAttributes        []string             `json:"aliasAttributes,omitempty"`
	AutoVerifiedAttributes []string             `json:"autoVerifiedAttributes,omitempty"`
	DeviceConfiguration    *DeviceConfiguration `json:"deviceConfiguration,omitempty"`
	PasswordPolicy         *PasswordPolicy      `json:"passwordPolicy,omitempty"`
	// FirstAuthFactors are the USER_AUTH first factors: "PASSWORD" (default),
	// "EMAIL_OTP", "SMS_OTP".
	FirstAuthFactors []string `json:"firstAuthFactors,omitempty"`
}

// Pool identifies a created pool.
type Pool struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// ClientConfig describes an app client for CreateClient and the seed file.
type ClientConfig struct {
	ID   string `json:"id,omitempty"` // fixed id; random when empty
	Name string `json:"name"`
	// GenerateSecret draws a client secret; Secret fixes one instead.
	GenerateSecret bool   `json:"generateSecret,omitempty"`
	Secret         string `json:"secret,omitempty"`
	// ExplicitAuthFlows as Cognito names them (ALLOW_USER_SRP_AUTH, …).
	// Empty means Cognito's default: ALLOW_USER_SRP_AUTH, ALLOW_CUSTOM_AUTH,
	// ALLOW_REFRESH_TOKEN_AUTH.
	ExplicitAuthFlows []string `json:"explicitAuthFlows,omitempty"`
	// Token lifetimes; zero means one hour for access and ID tokens and 30
	// days for refresh tokens.
	AccessTokenValidity  time.Duration `json:"-"`
	IDTokenValidity      time.Duration `json:"-"`
	RefreshTokenValidity time.Duration `json:"-"`
}

// Client identifies a created app client.
type Client struct {
	PoolID string `json:"poolId"`
	ID     string `json:"id"`
	Secret string `json:"secret,omitempty"`
}

// UserConfig describes a user for CreateUser and the seed file.
type UserConfig struct {
	// Username is what the user signs in with: a user name, or the e-mail or
	// phone number on a pool with UsernameAttributes.
	Username string `json:"username"`
	Password string `json:"password"`
	// Temporary makes the password a temporary one: the first sign-in gets
	// NEW_PASSWORD_REQUIRED (AdminCreateUser's behaviour).
	Temporary bool `json:"temporary,omitempty"`
	// Unconfirmed leaves the user UNCONFIRMED, as SignUp does.
	Unconfirmed bool              `json:"unconfirmed,omitempty"`
	Attributes  map[string]string `json:"attributes,omitempty"`
	// TOTPSecret (base32) registers a verified, enabled authenticator.
	TOTPSecret string `json:"totpSecret,omitempty"`
	// SMSMFA and EmailMFA enable those factors; PreferredMFA picks one
	// ("SOFTWARE_TOKEN_MFA", "SMS_MFA", "EMAIL_OTP").
	SMSMFA       bool   `json:"smsMfa,omitempty"`
	EmailMFA     bool   `json:"emailMfa,omitempty"`
	PreferredMFA string `json:"preferredMfa,omitempty"`
}

// User identifies a created user: Username is the internal name
// (USER_ID_FOR_SRP), Sub its immutable id.
type User struct {
	PoolID   string `json:"poolId"`
	Username string `json:"username"`
	Sub      string `json:"sub"`
}

var poolIDPattern = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)

// CreatePool creates a user pool.
func (s *Server) CreatePool(cfg PoolConfig) (Pool, error) {
	p, err := s.createPool(cfg)
	if err != nil {
		return Pool{}, err
	}
	return Pool{ID: p.ID, Name: p.Name}, nil
}

func (s *Server) createPool(cfg PoolConfig) (*poolRecord, *Error) {
	id := cfg.ID
	if id == "" {
		suffix, err := s.randomString(9, alnum)
		if err != nil {
			return nil, errInternal(err)
		}
		id = s.opts.Region + "_" + suffix
	}
	if !poolIDPattern.MatchString(id) || len(id) > 55 {
		return nil, errParam("1 validation error detected: Value '%s' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+", id)
	}
	if cfg.Name == "" {
		cfg.Name = id
	}
	mfa := cfg.MFA
	if mfa == "" {
		mfa = "OFF"
	}
	if mfa != "OFF" && mfa != "ON" && mfa != "OPTIONAL" {
		return nil, errParam("Invalid MfaConfiguration %q", mfa)
	}
	for _, a := range append(slices.Clone(cfg.UsernameAttributes), cfg.AliasAttributes...) {
		if a != "email" && a != "phone_number" && a != "preferred_username" {
			return nil, errParam("Invalid username or alias attribute %q", a)
		}
	}
	pol := DefaultPasswordPolicy
	if cfg.PasswordPolicy != nil {
		pol = *cfg.PasswordPolicy
	}
	if pol.MinimumLength <= 0 {
		pol.MinimumLength = 8
	}
	now := s.now()
	p := &poolRecord{
		ID: id, Name: cfg.Name, CreatedAt: now, ModifiedAt: now, MFA: mfa,
		SoftwareTokenMFA: cfg.SoftwareTokenMFA, SMSMFA: cfg.SMSMFA, EmailMFA: cfg.EmailMFA,
		UsernameAttributes: cfg.UsernameAttributes, AliasAttributes: cfg.AliasAttributes,
		AutoVerified: cfg.AutoVerifiedAttributes, Device: cfg.DeviceConfiguration,
		PasswordPolicy: pol, FirstFactors: cfg.FirstAuthFactors,
	}
	if mfa != "OFF" && !p.SoftwareTokenMFA && !p.SMSMFA && !p.EmailMFA {
		p.SoftwareTokenMFA = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.pools[id]; ok {
		return nil, errParam("User pool %s already exists.", id)
	}
	if err := s.persist(kindPool, id, p); err != nil {
		return nil, err
	}
	s.pools[id] = p
	return clone(p), nil
}

// CreateClient creates an app client in a pool.
func (s *Server) CreateClient(poolID string, cfg ClientConfig) (Client, error) {
	c, err := s.createClient(poolID, cfg)
	if err != nil {
		return Client{}, err
	}
	return Client{PoolID: c.PoolID, ID: c.ID, Secret: c.Secret}, nil
}

var knownFlows = []string{
	"ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH",
	"ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH",
	"USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY",
}

func (s *Server) createClient(poolID string, cfg ClientConfig) (*clientRecord, *Error) {
	for _, f := range cfg.ExplicitAuthFlows {
		if !slices.Contains(knownFlows, f) {
			return nil, errParam("Invalid ExplicitAuthFlows value %q", f)
		}
	}
	id := cfg.ID
	if id == "" {
		var err error
		if id, err = s.randomString(26, "0123456789abcdefghijklmnopqrstuvwxyz"); err != nil {
			return nil, errInternal(err)
		}
	}
	secret := cfg.Secret
	if secret == "" && cfg.GenerateSecret {
		var err error
		if secret, err = s.randomString(51, "0123456789abcdefghijklmnopqrstuvwxyz"); err != nil {
			return nil, errInternal(err)
		}
	}
	flows := cfg.ExplicitAuthFlows
	if len(flows) == 0 {
		flows = []string{"ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
	}
	if cfg.Name == "" {
		cfg.Name = id
	}
	c := &clientRecord{
		PoolID: poolID, ID: id, Name: cfg.Name, Secret: secret, Flows: flows,
		AccessTTL: cfg.AccessTokenValidity, IDTTL: cfg.IDTokenValidity, RefreshTTL: cfg.RefreshTokenValidity,
		CreatedAt: s.now(),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pools[poolID] == nil {
		return nil, errPoolNotFound(poolID)
	}
	if _, ok := s.clients[id]; ok {
		return nil, errParam("Client %s already exists.", id)
	}
	if err := s.persist(kindClient, id, c); err != nil {
		return nil, err
	}
	s.clients[id] = c
	return clone(c), nil
}

func errPoolNotFound(poolID string) *Error {
	return errNotFound("User pool %s does not exist.", poolID)
}

// allows reports whether the client permits an auth flow.
func (c *clientRecord) allows(flow string) bool {
	legacy := map[string]string{
		"ALLOW_USER_PASSWORD_AUTH":       "USER_PASSWORD_AUTH",
		"ALLOW_ADMIN_USER_PASSWORD_AUTH": "ADMIN_NO_SRP_AUTH",
	}
	if slices.Contains(c.Flows, "CUSTOM_AUTH_FLOW_ONLY") && flow != "ALLOW_CUSTOM_AUTH" && flow != "ALLOW_REFRESH_TOKEN_AUTH" {
		return false
	}
	return slices.Contains(c.Flows, flow) || (legacy[flow] != "" && slices.Contains(c.Flows, legacy[flow])) ||
		(flow == "ALLOW_REFRESH_TOKEN_AUTH") // Cognito always allows refresh
}

// CreateUser creates a user with a password (stored only as an SRP
// verifier). See UserConfig.
func (s *Server) CreateUser(poolID string, cfg UserConfig) (User, error) {
	u, err := s.createUser(poolID, cfg, "")
	if err != nil {
		return User{}, err
	}
	return User{PoolID: u.PoolID, Username: u.Username, Sub: u.Sub}, nil
}

// createUser makes the record: internal name, sub, verifier. The verifier
// is computed outside the lock.
func (s *Server) createUser(poolID string, cfg UserConfig, clientID string) (*userRecord, *Error) {
	s.mu.Lock()
	p := s.pools[poolID]
	s.mu.Unlock()
	if p == nil {
		return nil, errPoolNotFound(poolID)
	}
	if cfg.Username == "" {
		return nil, errParam("Missing required parameter Username")
	}
	if err := checkPassword(p.PasswordPolicy, cfg.Password); err != nil {
		return nil, err
	}
	attrs := map[string]string{}
	for k, v := range cfg.Attributes {
		attrs[k] = v
	}
	sub := s.newID()
	username := cfg.Username
	if len(p.UsernameAttributes) > 0 {
		switch {
		case strings.Contains(cfg.Username, "@") && slices.Contains(p.UsernameAttributes, "email"):
			attrs["email"] = cfg.Username
		case strings.HasPrefix(cfg.Username, "+") && slices.Contains(p.UsernameAttributes, "phone_number"):
			attrs["phone_number"] = cfg.Username
		default:
			return nil, errParam("Username should be either an email or a phone number.")
		}
		username = sub
	}
	attrs["sub"] = sub
	for _, a := range p.AutoVerified {
		if attrs[a] != "" && attrs[a+"_verified"] == "" {
			attrs[a+"_verified"] = "true"
		}
	}
	v, err := srp.NewPasswordVerifier(s.rand, srpPoolName(poolID), username, cfg.Password)
	if err != nil {
		return nil, errInternal(err)
	}
	now := s.now()
	status := StatusConfirmed
	switch {
	case cfg.Unconfirmed:
		status = StatusUnconfirmed
	case cfg.Temporary:
		status = StatusForceChangePassword
	}
	u := &userRecord{
		PoolID: poolID, Username: username, Sub: sub, Attrs: attrs, Status: status, Enabled: true,
		Salt: v.Salt, V: v.V, CreatedAt: now, ModifiedAt: now,
		SMSMFAEnabled: cfg.SMSMFA, EmailMFAEnabled: cfg.EmailMFA, PreferredMFA: cfg.PreferredMFA,
	}
	if cfg.TOTPSecret != "" {
		u.TOTPSecret, u.TOTPVerified, u.TOTPEnabled = cfg.TOTPSecret, true, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.findUserLocked(poolID, cfg.Username) != nil || s.users[userKey(poolID, username)] != nil {
		if len(p.UsernameAttributes) > 0 {
			return nil, apiErr("UsernameExistsException", "An account with the given email already exists.")
		}
		return nil, apiErr("UsernameExistsException", "User account already exists")
	}
	if err := s.persist(kindUser, userKey(poolID, username), u); err != nil {
		return nil, err
	}
	s.users[userKey(poolID, username)] = u
	return u, nil
}

// srpPoolName is the part of the pool id after '_' (docs/protocol.md §3); pool
// ids are validated on creation so it is never empty.
func srpPoolName(poolID string) string {
	_, name, _ := strings.Cut(poolID, "_")
	return name
}

// findUserLocked finds a user by internal name, or by an alias attribute
// when the pool has UsernameAttributes or AliasAttributes (docs/protocol.md §5).
// Called with s.mu held.
func (s *Server) findUserLocked(poolID, name string) *userRecord {
	if name == "" {
		return nil
	}
	if u := s.users[userKey(poolID, name)]; u != nil {
		return u
	}
	p := s.pools[poolID]
	if p == nil {
		return nil
	}
	aliases := append(slices.Clone(p.UsernameAttributes), p.AliasAttributes...)
	if len(aliases) == 0 {
		return nil
	}
	for _, u := range s.users {
		if u.PoolID != poolID {
			continue
		}
		for _, a := range aliases {
			if v := u.Attrs[a]; v != "" && (v == name || (a == "email" && strings.EqualFold(v, name))) {
				return u
			}
		}
	}
	return nil
}

// checkPassword applies a pool's password policy.
func checkPassword(p PasswordPolicy, pw string) *Error {
	fail := func(why string) *Error {
		return apiErr("InvalidPasswordException", "Password did not conform with policy: %s", why)
	}
	if len([]rune(pw)) < p.MinimumLength {
		return fail("Password not long enough")
	}
	var up, low, num, sym bool
	for _, r := range pw {
		switch {
		case unicode.IsUpper(r):
			up = true
		case unicode.IsLower(r):
			low = true
		case unicode.IsDigit(r):
			num = true
		case strings.ContainsRune("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ", r):
			sym = true
		}
	}
	switch {
	case p.RequireUppercase && !up:
		return fail("Password must have uppercase characters")
	case p.RequireLowercase && !low:
		return fail("Password must have lowercase characters")
	case p.RequireNumbers && !num:
		return fail("Password must have numeric characters")
	case p.RequireSymbols && !sym:
		return fail("Password must have symbol characters")
	}
	return nil
}

// setPassword replaces a user's verifier. Computed outside the lock; the
// caller stores the result with s.mu held.
func (s *Server) passwordVerifier(poolID, username, password string) (*srp.Verifier, *Error) {
	v, err := srp.NewPasswordVerifier(s.rand, srpPoolName(poolID), username, password)
	if err != nil {
		return nil, errInternal(err)
	}
	return v, nil
}
