package idp

import (
	"encoding/json"
	"time"
)

// Record kinds in the Store.
const (
	kindMeta   = "meta"
	kindPool   = "pool"
	kindClient = "client"
	kindUser   = "user"
	kindDevice = "device"
	kindOrigin = "origin"
)

// User statuses, as Cognito names them.
const (
	StatusConfirmed           = "CONFIRMED"
	StatusUnconfirmed         = "UNCONFIRMED"
	StatusForceChangePassword = "FORCE_CHANGE_PASSWORD"
	StatusResetRequired       = "RESET_REQUIRED"
)

// PasswordPolicy is a pool's password policy (Cognito's defaults: at least 8
// characters with upper case, lower case, a digit and a symbol).
type PasswordPolicy struct {
	MinimumLength    int  `json:"MinimumLength,omitempty"`
	RequireUppercase bool `json:"RequireUppercase"`
	RequireLowercase bool `json:"RequireLowercase"`
	RequireNumbers   bool `json:"RequireNumbers"`
	RequireSymbols   bool `json:"RequireSymbols"`
}

// DefaultPasswordPolicy is the policy of a pool created without one.
var DefaultPasswordPolicy = PasswordPolicy{MinimumLength: 8, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true}

// DeviceConfiguration is a pool's device tracking. A pool without one issues
// no NewDeviceMetadata.
type DeviceConfiguration struct {
	ChallengeRequiredOnNewDevice     bool `json:"ChallengeRequiredOnNewDevice"`
	DeviceOnlyRememberedOnUserPrompt bool `json:"DeviceOnlyRememberedOnUserPrompt"`
}

type poolRecord struct {
	ID                 string
	Name               string
	CreatedAt          time.Time
	ModifiedAt         time.Time
	MFA                string // OFF, ON, OPTIONAL
	SoftwareTokenMFA   bool
	SMSMFA             bool
	EmailMFA           bool
	UsernameAttributes []string
	AliasAttributes    []string
	AutoVerified       []string
	Device             *DeviceConfiguration
	PasswordPolicy     PasswordPolicy
	FirstFactors       []string // USER_AUTH AllowedFirstAuthFactors
}

type clientRecord struct {
	PoolID     string
	ID         string
	Name       string
	Secret     string
	Flows      []string
	AccessTTL  time.Duration
	IDTTL      time.Duration
	RefreshTTL time.Duration
	CreatedAt  time.Time
}

type userRecord struct {
	PoolID      string
	Username    string // internal name, USER_ID_FOR_SRP
	Sub         string
	Attrs       map[string]string
	Status      string
	Enabled     bool
	Salt        []byte // padHex salt of the password verifier
	V           []byte // the password verifier; the password itself is never kept
	CreatedAt   time.Time
	ModifiedAt  time.Time
	ConfirmCode string // pending sign-up confirmation code
	CodeExpires time.Time

	TOTPSecret      string // base32, verified or pending
	TOTPVerified    bool
	TOTPEnabled     bool
	TOTPLastStep    int64 // last accepted step, refused again (replay)
	SMSMFAEnabled   bool
	EmailMFAEnabled bool
	PreferredMFA    string
}

type deviceRecord struct {
	PoolID     string
	Username   string
	Key        string
	GroupKey   string
	Name       string
	Salt       []byte
	V          []byte
	Confirmed  bool
	Remembered bool
	CreatedAt  time.Time
	ModifiedAt time.Time
	LastAuthAt time.Time
}

// originRecord is one sign-in: its refresh token (kept as a hash) and the
// origin_jti that every token of that sign-in carries. Revoking it revokes
// the refresh token and all access tokens derived from it.
type originRecord struct {
	JTI         string
	PoolID      string
	ClientID    string
	Username    string
	DeviceKey   string
	RefreshHash []byte
	AuthTime    time.Time
	IssuedAt    time.Time
	ExpiresAt   time.Time
	Revoked     bool
}

type metaKeys struct {
	RSAKey  []byte // PKCS #8 DER
	SealKey []byte // 32 bytes, AES-256-GCM for SECRET_BLOCK and Session
}

func userKey(poolID, username string) string { return poolID + "/" + username }

func clone[T any](v *T) *T {
	c := *v
	return &c
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("idp: marshal record: " + err.Error()) // records are plain data
	}
	return b
}
