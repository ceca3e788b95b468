package idp

import (
	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/idp/tokens"
	"github.com/caldera-srp/caldera/idp/userpool"
)

// The Go API's types are those of the layers below; these aliases keep
// the names callers have used since idp was one package.
type (
	// PoolConfig describes a user pool for CreatePool and the seed file.
	PoolConfig = userpool.PoolConfig
	// ClientConfig describes an app client for CreateClient and the seed file.
	ClientConfig = userpool.ClientConfig
	// OAuthClient are an app client's OAuth 2.0 settings (ClientConfig.OAuth).
	OAuthClient = userpool.OAuthClient
	// UserConfig describes a user for CreateUser and the seed file.
	UserConfig = userpool.UserConfig
	// PasswordPolicy is a pool's password policy.
	PasswordPolicy = store.PasswordPolicy
	// DeviceConfiguration is a pool's device tracking.
	DeviceConfiguration = store.DeviceConfiguration
	// Error is a service error: Cognito's error type, message and HTTP status.
	Error = userpool.Error
	// Message is one SMS or e-mail the server would have sent.
	Message = userpool.Message
	// Claims are the decoded claims of a token the server issued.
	Claims = tokens.Claims
	// JWK is one key of a JSON Web Key Set (RFC 7517).
	JWK = tokens.JWK
	// JWKSet is the document served at <issuer>/.well-known/jwks.json.
	JWKSet = tokens.JWKSet

	// CustomAuth is the CUSTOM_AUTH flow's three triggers.
	CustomAuth = userpool.CustomAuth
	// ChallengeResult is one step of a custom sign-in so far.
	ChallengeResult = userpool.ChallengeResult
	// TriggerUser identifies the user a trigger runs for.
	TriggerUser = userpool.TriggerUser
	// DefineAuthChallengeInput is what DefineAuthChallenge sees.
	DefineAuthChallengeInput = userpool.DefineAuthChallengeInput
	// DefineAuthChallengeOutput decides the next step.
	DefineAuthChallengeOutput = userpool.DefineAuthChallengeOutput
	// CreateAuthChallengeInput is what CreateAuthChallenge sees.
	CreateAuthChallengeInput = userpool.CreateAuthChallengeInput
	// CreateAuthChallengeOutput is the challenge.
	CreateAuthChallengeOutput = userpool.CreateAuthChallengeOutput
	// VerifyAuthChallengeInput is what VerifyAuthChallenge sees.
	VerifyAuthChallengeInput = userpool.VerifyAuthChallengeInput
	// VerifyAuthChallengeOutput says whether the answer was right.
	VerifyAuthChallengeOutput = userpool.VerifyAuthChallengeOutput

	// Triggers are the pre sign-up, post confirmation and pre token
	// generation triggers as Go functions.
	Triggers = userpool.Triggers
	// TriggerEvent is what every trigger input shares.
	TriggerEvent = userpool.TriggerEvent
	// PreSignUpInput is the pre sign-up event's request.
	PreSignUpInput = userpool.PreSignUpInput
	// PreSignUpOutput is the pre sign-up event's response.
	PreSignUpOutput = userpool.PreSignUpOutput
	// PostConfirmationInput is the post confirmation event's request.
	PostConfirmationInput = userpool.PostConfirmationInput
	// PreTokenGenerationInput is the pre token generation (V2_0) request.
	PreTokenGenerationInput = userpool.PreTokenGenerationInput
	// PreTokenGenerationOutput is the pre token generation response.
	PreTokenGenerationOutput = userpool.PreTokenGenerationOutput
	// ClaimsAndScopeOverrideDetails are the changes a pre token
	// generation trigger asks for.
	ClaimsAndScopeOverrideDetails = userpool.ClaimsAndScopeOverrideDetails
	// TokenGeneration is the change of one token.
	TokenGeneration = userpool.TokenGeneration
	// GroupConfiguration is a user's groups, roles and preferred role.
	GroupConfiguration = userpool.GroupConfiguration
	// CustomMessageInput is the custom message event's request.
	CustomMessageInput = userpool.CustomMessageInput
	// CustomMessageOutput is the custom message event's response.
	CustomMessageOutput = userpool.CustomMessageOutput
)

// DefaultPasswordPolicy is the policy of a pool created without one.
var DefaultPasswordPolicy = userpool.DefaultPasswordPolicy

// User statuses, as Cognito names them.
const (
	StatusConfirmed           = store.StatusConfirmed
	StatusUnconfirmed         = store.StatusUnconfirmed
	StatusForceChangePassword = store.StatusForceChangePassword
	StatusResetRequired       = store.StatusResetRequired
)

// Sentinels for errors.Is: they match any *Error of their type.
var (
	ErrNotAuthorized            = userpool.ErrNotAuthorized
	ErrUserNotFound             = userpool.ErrUserNotFound
	ErrUsernameExists           = userpool.ErrUsernameExists
	ErrUserNotConfirmed         = userpool.ErrUserNotConfirmed
	ErrCodeMismatch             = userpool.ErrCodeMismatch
	ErrExpiredCode              = userpool.ErrExpiredCode
	ErrResourceNotFound         = userpool.ErrResourceNotFound
	ErrInvalidParameter         = userpool.ErrInvalidParameter
	ErrInvalidPassword          = userpool.ErrInvalidPassword
	ErrPasswordAttemptsExceeded = userpool.ErrPasswordAttemptsExceeded
	ErrSerialization            = userpool.ErrSerialization
	ErrUnknownOperation         = userpool.ErrUnknownOperation
	ErrInternal                 = userpool.ErrInternal
)

// ErrToken is returned by VerifyToken for a token that is malformed, not
// signed by this server, or expired.
var ErrToken = tokens.ErrToken

// Pool identifies a created pool.
type Pool struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Client identifies a created app client.
type Client struct {
	PoolID string `json:"poolId"`
	ID     string `json:"id"`
	Secret string `json:"secret,omitempty"`
}

// User identifies a created user: Username is the internal name
// (USER_ID_FOR_SRP), Sub its immutable id.
type User struct {
	PoolID   string `json:"poolId"`
	Username string `json:"username"`
	Sub      string `json:"sub"`
}

// errOf keeps a nil *Error a nil error.
func errOf(e *Error) error {
	if e == nil {
		return nil
	}
	return e
}

// CreatePool creates a user pool.
func (s *Server) CreatePool(cfg PoolConfig) (Pool, error) {
	p, err := s.svc.CreatePool(cfg)
	if err != nil {
		return Pool{}, err
	}
	return Pool{ID: p.ID, Name: p.Name}, nil
}

// CreateClient creates an app client in a pool.
func (s *Server) CreateClient(poolID string, cfg ClientConfig) (Client, error) {
	c, err := s.svc.CreateClient(poolID, cfg)
	if err != nil {
		return Client{}, err
	}
	return Client{PoolID: c.PoolID, ID: c.ID, Secret: c.Secret}, nil
}

// CreateUser creates a user with a password (stored only as an SRP
// verifier). See UserConfig.
func (s *Server) CreateUser(poolID string, cfg UserConfig) (User, error) {
	u, err := s.svc.CreateUser(poolID, cfg)
	if err != nil {
		return User{}, err
	}
	return User{PoolID: u.PoolID, Username: u.Username, Sub: u.Sub}, nil
}

// ForgetDevice deletes a device of a user (as AdminForgetDevice does), so
// that its next DEVICE_KEY is refused with ResourceNotFoundException.
func (s *Server) ForgetDevice(poolID, username, deviceKey string) error {
	return errOf(s.svc.AdminForgetDevice(poolID, username, deviceKey))
}

// Outbox returns the messages for a pool and user, oldest first. Empty
// poolID or username match any. The username may be an alias (e-mail,
// phone number) or the internal name.
func (s *Server) Outbox(poolID, username string) []Message { return s.svc.Outbox(poolID, username) }

// LastCode returns the code of the newest message for the user, or "".
func (s *Server) LastCode(poolID, username string) string {
	msgs := s.Outbox(poolID, username)
	if len(msgs) == 0 {
		return ""
	}
	return msgs[len(msgs)-1].Code
}

// VerifyToken checks a token's RS256 signature against the key of the
// pool its iss names, its expiry against the server clock and that its
// iss names that pool, and returns its claims. It does not check
// revocation; the API operations that take an access token do.
func (s *Server) VerifyToken(token string) (Claims, error) { return s.svc.VerifyToken(token) }

// VerifyPoolToken is VerifyToken for the tokens of one pool: a token of
// another pool is refused (each pool signs with its own key).
func (s *Server) VerifyPoolToken(poolID, token string) (Claims, error) {
	return s.svc.VerifyPoolToken(poolID, token)
}

// JWKS returns the key set that verifies a pool's tokens (its key only).
func (s *Server) JWKS(poolID string) (JWKSet, error) {
	set, err := s.svc.JWKS(poolID)
	return set, errOf(err)
}

// GroupConfig describes a group for CreateGroup and the seed file.
type GroupConfig struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	RoleArn     string `json:"roleArn,omitempty"`
	// Precedence ranks the group in the cognito:groups claim (lowest
	// first); nil ranks it last.
	Precedence *int64 `json:"precedence,omitempty"`
	// Members are user names (or aliases) put in the group by the seed.
	Members []string `json:"members,omitempty"`
}

var errGroupExists = &Error{Type: "GroupExistsException"}

// CreateGroup creates a group in a pool (its Members are not added: see
// AddUserToGroup). A group of that name already there is a
// GroupExistsException.
func (s *Server) CreateGroup(poolID string, g GroupConfig) error {
	_, err := s.svc.CreateGroup(userpool.GroupInput{PoolID: poolID, Name: g.Name, Description: &g.Description, RoleArn: &g.RoleArn, Precedence: g.Precedence})
	return errOf(err)
}

// AddUserToGroup puts a user in a group.
func (s *Server) AddUserToGroup(poolID, username, group string) error {
	return errOf(s.svc.AdminAddUserToGroup(poolID, username, group))
}
