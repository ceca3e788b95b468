package userpool

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/caldera-srp/caldera/idp/internal/rnd"
	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/srp"
)

// DefaultPasswordPolicy is the policy of a pool created without one.
var DefaultPasswordPolicy = store.PasswordPolicy{MinimumLength: 8, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true}

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
	AliasAttributes        []string                   `json:"aliasAttributes,omitempty"`
	AutoVerifiedAttributes []string                   `json:"autoVerifiedAttributes,omitempty"`
	DeviceConfiguration    *store.DeviceConfiguration `json:"deviceConfiguration,omitempty"`
	PasswordPolicy         *store.PasswordPolicy      `json:"passwordPolicy,omitempty"`
	// FirstAuthFactors are the USER_AUTH first factors: "PASSWORD" (default),
	// "EMAIL_OTP", "SMS_OTP".
	FirstAuthFactors []string `json:"firstAuthFactors,omitempty"`
	// Tags are the pool's UserPoolTags (kept, nothing more).
	Tags map[string]string `json:"tags,omitempty"`
	// Schema declares custom attributes (custom:NAME) and settings of
	// standard ones, as CreateUserPool's Schema.
	Schema []SchemaAttributeInput `json:"schema,omitempty"`
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
	// RefreshTokenRotation enables rotation (GetTokensFromRefreshToken);
	// nil is DISABLED.
	RefreshTokenRotation *store.RefreshTokenRotation `json:"refreshTokenRotation,omitempty"`
	// ReadAttributes and WriteAttributes, when set, are the attributes
	// the client's ID tokens carry and its users may write.
	ReadAttributes  []string `json:"readAttributes,omitempty"`
	WriteAttributes []string `json:"writeAttributes,omitempty"`
	// PreventUserExistenceErrors is Cognito's setting of the same name:
	// "ENABLED" (the default here, as in Cognito's console) answers an
	// unknown user as a wrong password would be answered; "LEGACY" answers
	// UserNotFoundException.
	PreventUserExistenceErrors string `json:"preventUserExistenceErrors,omitempty"`
	// OAuth 2.0 settings (Cognito's names; see OAuthClient).
	OAuth OAuthClient `json:"oauth,omitzero"`
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

var poolIDPattern = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)

// CreatePool creates a user pool.
func (s *Service) CreatePool(cfg PoolConfig) (*store.Pool, *Error) {
	id := cfg.ID
	if id == "" {
		suffix, err := rnd.String(s.cfg.Rand, 9, rnd.Alnum)
		if err != nil {
			return nil, errInternal(err)
		}
		id = s.cfg.Region + "_" + suffix
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
	if err := checkTags(cfg.Tags); err != nil {
		return nil, err
	}
	schema, serr := declare(nil, cfg.Schema, false)
	if serr != nil {
		return nil, serr
	}
	pol := DefaultPasswordPolicy
	if cfg.PasswordPolicy != nil {
		pol = *cfg.PasswordPolicy
	}
	if pol.MinimumLength <= 0 {
		pol.MinimumLength = 8
	}
	now := s.now()
	p := &store.Pool{
		ID: id, Name: cfg.Name, CreatedAt: now, ModifiedAt: now, MFA: mfa,
		SoftwareTokenMFA: cfg.SoftwareTokenMFA, SMSMFA: cfg.SMSMFA, EmailMFA: cfg.EmailMFA,
		UsernameAttributes: cfg.UsernameAttributes, AliasAttributes: cfg.AliasAttributes,
		AutoVerified: cfg.AutoVerifiedAttributes, Device: cfg.DeviceConfiguration,
		PasswordPolicy: pol, FirstFactors: cfg.FirstAuthFactors, Tags: maps.Clone(cfg.Tags), Schema: schema,
	}
	if mfa != "OFF" && !p.SoftwareTokenMFA && !p.SMSMFA && !p.EmailMFA {
		p.SoftwareTokenMFA = true
	}
	err := s.update(func(tx store.Tx) error {
		if old, err := store.GetPool(tx, id); err != nil || old != nil {
			if err != nil {
				return err
			}
			return errParam("User pool %s already exists.", id)
		}
		return store.PutPool(tx, p)
	})
	if err != nil {
		return nil, err
	}
	if _, err := s.issuerFor(id); err != nil { // the pool's key, drawn now rather than at its first sign-in
		return nil, err
	}
	return p, nil
}

// Pool returns a pool.
func (s *Service) Pool(id string) (*store.Pool, *Error) {
	var p *store.Pool
	err := s.view(func(tx store.Tx) error {
		var err error
		if p, err = store.GetPool(tx, id); err == nil && p == nil {
			return errPoolNotFound(id)
		}
		return err
	})
	return p, err
}

// SetMFAConfigInput is SetUserPoolMfaConfig's request: nil fields leave
// the setting as it is.
type SetMFAConfigInput struct {
	PoolID           string
	MFA              string // "" keeps it
	SoftwareTokenMFA *bool
	SMSMFA, EmailMFA bool // true enables the factor
}

// SetMFAConfig changes a pool's MFA configuration and returns the pool.
func (s *Service) SetMFAConfig(in SetMFAConfigInput) (*store.Pool, *Error) {
	var np *store.Pool
	err := s.update(func(tx store.Tx) error {
		p, err := store.GetPool(tx, in.PoolID)
		if err != nil {
			return err
		}
		if p == nil {
			return errPoolNotFound(in.PoolID)
		}
		if in.MFA != "" {
			if in.MFA != "OFF" && in.MFA != "ON" && in.MFA != "OPTIONAL" {
				return errParam("Invalid MfaConfiguration %q", in.MFA)
			}
			p.MFA = in.MFA
		}
		if in.SoftwareTokenMFA != nil {
			p.SoftwareTokenMFA = *in.SoftwareTokenMFA
		}
		p.SMSMFA = p.SMSMFA || in.SMSMFA
		p.EmailMFA = p.EmailMFA || in.EmailMFA
		if p.MFA != "OFF" && !p.SoftwareTokenMFA && !p.SMSMFA && !p.EmailMFA {
			return errParam("At least one MFA method must be enabled when MFA is ON or OPTIONAL.")
		}
		p.ModifiedAt = s.now()
		np = p
		return store.PutPool(tx, p)
	})
	return np, err
}

// preventSetting checks a client's PreventUserExistenceErrors: ENABLED
// when empty, else ENABLED or LEGACY.
func preventSetting(v string) (string, *Error) {
	switch v {
	case "":
		return PreventUserExistenceEnabled, nil
	case PreventUserExistenceEnabled, PreventUserExistenceLegacy:
		return v, nil
	}
	return "", errParam("1 validation error detected: Value '%s' at 'preventUserExistenceErrors' failed to satisfy constraint: Member must satisfy enum value set: [LEGACY, ENABLED]", v)
}

var knownFlows = []string{
	"ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH",
	"ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH",
	"USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY",
}

// CreateClient creates an app client in a pool.
func (s *Service) CreateClient(poolID string, cfg ClientConfig) (*store.Client, *Error) {
	for _, f := range cfg.ExplicitAuthFlows {
		if !slices.Contains(knownFlows, f) {
			return nil, errParam("Invalid ExplicitAuthFlows value %q", f)
		}
	}
	if err := checkOAuthFlows(cfg.OAuth, cfg.GenerateSecret || cfg.Secret != ""); err != nil {
		return nil, err
	}
	if err := checkRotation(cfg.RefreshTokenRotation); err != nil {
		return nil, err
	}
	id := cfg.ID
	if id == "" {
		var err error
		if id, err = rnd.String(s.cfg.Rand, 26, "0123456789abcdefghijklmnopqrstuvwxyz"); err != nil {
			return nil, errInternal(err)
		}
	}
	secret := cfg.Secret
	if secret == "" && cfg.GenerateSecret {
		var err error
		if secret, err = rnd.String(s.cfg.Rand, 51, "0123456789abcdefghijklmnopqrstuvwxyz"); err != nil {
			return nil, errInternal(err)
		}
	}
	prevent, perr := preventSetting(cfg.PreventUserExistenceErrors)
	if perr != nil {
		return nil, perr
	}
	flows := cfg.ExplicitAuthFlows
	if len(flows) == 0 {
		flows = []string{"ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
	}
	if cfg.Name == "" {
		cfg.Name = id
	}
	c := &store.Client{
		PoolID: poolID, ID: id, Name: cfg.Name, Secret: secret, Flows: flows,
		AccessTTL: cfg.AccessTokenValidity, IDTTL: cfg.IDTokenValidity, RefreshTTL: cfg.RefreshTokenValidity,
		CreatedAt: s.now(), RefreshRotation: cfg.RefreshTokenRotation, ReadAttributes: cfg.ReadAttributes, WriteAttributes: cfg.WriteAttributes,
		PreventUserExistenceErrors: prevent,
	}
	cfg.OAuth.apply(c)
	c.ModifiedAt = c.CreatedAt
	err := s.update(func(tx store.Tx) error {
		p, err := store.GetPool(tx, poolID)
		if err != nil {
			return err
		}
		if p == nil {
			return errPoolNotFound(poolID)
		}
		if err := checkOAuthScopes(tx, poolID, cfg.OAuth.AllowedOAuthScopes); err != nil {
			return err
		}
		for _, n := range slices.Concat(cfg.ReadAttributes, cfg.WriteAttributes) {
			if _, ok := schemaAttr(p, n); !ok {
				return errParam("Invalid read or write attribute %s: not in the user pool's schema.", n)
			}
		}
		old, err := store.GetClient(tx, id)
		if err != nil {
			return err
		}
		if old != nil {
			return errParam("Client %s already exists.", id)
		}
		return store.PutClient(tx, c)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Client returns an app client by id, in any pool.
func (s *Service) Client(id string) (*store.Client, *Error) {
	var cl *store.Client
	err := s.view(func(tx store.Tx) error {
		var err error
		cl, err = clientFor(tx, id)
		return err
	})
	return cl, err
}

// clientFor looks up an app client.
func clientFor(tx store.Tx, id string) (*store.Client, error) {
	cl, err := store.GetClient(tx, id)
	if err != nil {
		return nil, err
	}
	if cl == nil {
		if id == "" {
			return nil, errParam("1 validation error detected: Value null at 'clientId' failed to satisfy constraint: Member must not be null")
		}
		return nil, errNotFound("User pool client %s does not exist.", id)
	}
	return cl, nil
}

// allows reports whether the client permits an auth flow.
func allows(c *store.Client, flow string) bool {
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
// verifier). The verifier is computed before the transaction. Attributes
// follow the pool's schema as an admin's do.
func (s *Service) CreateUser(poolID string, cfg UserConfig) (*store.User, *Error) {
	return s.createUser(poolID, cfg, nil, byAdmin, nil)
}

// createUser makes the record: internal name, sub, verifier; edit, when
// set, completes it inside the transaction (SignUp's code). w and cl say
// who writes the attributes (checkAttributes).
func (s *Service) createUser(poolID string, cfg UserConfig, edit func(*store.User), w writer, cl *store.Client) (*store.User, *Error) {
	p, err := s.Pool(poolID)
	if err != nil {
		return nil, err
	}
	if cfg.Username == "" {
		return nil, errParam("Missing required parameter Username")
	}
	if err := checkAttributes(p, cl, cfg.Attributes, w|creating); err != nil {
		return nil, err
	}
	if err := checkPassword(p.PasswordPolicy, cfg.Password); err != nil {
		return nil, err
	}
	attrs := maps.Clone(cfg.Attributes)
	if attrs == nil {
		attrs = map[string]string{}
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
	if !cfg.Unconfirmed {
		// A user confirmed at creation (Go API, seed): the pool's
		// auto-verified attributes count as verified. A signed-up user's
		// are verified by ConfirmSignUp's code.
		for _, a := range p.AutoVerified {
			if attrs[a] != "" && attrs[a+"_verified"] == "" {
				attrs[a+"_verified"] = "true"
			}
		}
	}
	v, verr := srp.NewPasswordVerifier(s.cfg.Rand, srpPoolName(poolID), username, cfg.Password)
	if verr != nil {
		return nil, errInternal(verr)
	}
	now := s.now()
	status := store.StatusConfirmed
	switch {
	case cfg.Unconfirmed:
		status = store.StatusUnconfirmed
	case cfg.Temporary:
		status = store.StatusForceChangePassword
	}
	u := &store.User{
		PoolID: poolID, Username: username, Sub: sub, Attrs: attrs, Status: status, Enabled: true,
		Salt: v.Salt, V: v.V, CreatedAt: now, ModifiedAt: now,
		SMSMFAEnabled: cfg.SMSMFA, EmailMFAEnabled: cfg.EmailMFA, PreferredMFA: cfg.PreferredMFA,
	}
	if cfg.TOTPSecret != "" {
		u.TOTPSecret, u.TOTPVerified, u.TOTPEnabled = cfg.TOTPSecret, true, true
	}
	if edit != nil {
		edit(u)
	}
	err = s.update(func(tx store.Tx) error {
		p, err := store.GetPool(tx, poolID)
		if err != nil {
			return err
		}
		if p == nil {
			return errPoolNotFound(poolID)
		}
		byName, err := findUser(tx, p, cfg.Username)
		if err != nil {
			return err
		}
		byKey, err := store.GetUser(tx, poolID, username)
		if err != nil {
			return err
		}
		if byName != nil || byKey != nil {
			if len(p.UsernameAttributes) > 0 {
				return apiErr("UsernameExistsException", "An account with the given email already exists.")
			}
			return apiErr("UsernameExistsException", "User account already exists")
		}
		return putUser(tx, u)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// srpPoolName is the part of the pool id after '_' (docs/protocol.md §3); pool
// ids are validated on creation so it is never empty.
func srpPoolName(poolID string) string {
	_, name, _ := strings.Cut(poolID, "_")
	return name
}

// RegionOf is the region prefix of a pool id.
func RegionOf(poolID string) string {
	r, _, _ := strings.Cut(poolID, "_")
	return r
}

// findUser finds a user by internal name, or by an alias attribute when
// the pool has UsernameAttributes or AliasAttributes (docs/protocol.md §5),
// through the store's alias index (e-mail addresses without regard to
// case).
func findUser(tx store.Tx, p *store.Pool, name string) (*store.User, error) {
	if name == "" || p == nil {
		return nil, nil
	}
	u, err := store.GetUser(tx, p.ID, name)
	if err != nil || u != nil {
		return u, err
	}
	for _, a := range append(slices.Clone(p.UsernameAttributes), p.AliasAttributes...) {
		internal, err := store.UserByAlias(tx, p.ID, a, name)
		if err != nil || internal == "" {
			if err != nil {
				return nil, err
			}
			continue
		}
		u, err := store.GetUser(tx, p.ID, internal)
		if err != nil || u == nil {
			return nil, err
		}
		// A username attribute names its user whatever its state (it is
		// the user's name); an alias names only a user who holds it:
		// confirmed, with the value verified.
		if slices.Contains(p.UsernameAttributes, a) || store.HoldsAlias(u, a) {
			return u, nil
		}
	}
	return nil, nil
}

// findUserIn is findUser for a pool id.
func findUserIn(tx store.Tx, poolID, name string) (*store.User, error) {
	p, err := store.GetPool(tx, poolID)
	if err != nil {
		return nil, err
	}
	return findUser(tx, p, name)
}

// FindUser finds a user by name or alias.
func (s *Service) FindUser(poolID, name string) (*store.User, *Error) {
	var u *store.User
	err := s.view(func(tx store.Tx) error {
		var err error
		u, err = adminUser(tx, poolID, name)
		return err
	})
	return u, err
}

// checkPassword applies a pool's password policy.
func checkPassword(p store.PasswordPolicy, pw string) *Error {
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

// passwordVerifier computes a new verifier (outside any transaction).
func (s *Service) passwordVerifier(poolID, username, password string) (*srp.Verifier, *Error) {
	v, err := srp.NewPasswordVerifier(s.cfg.Rand, srpPoolName(poolID), username, password)
	if err != nil {
		return nil, errInternal(err)
	}
	return v, nil
}
