package flow

import (
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/caldera-srp/caldera/srp"
)

// AuthFlow selects how a sign-in starts (docs/protocol.md §7).
type AuthFlow string

// The flows a Machine can run. CustomAuthSRP is sent as CUSTOM_AUTH with
// CHALLENGE_NAME=SRP_A; AdminUserPasswordAuth requires Config.Admin.
const (
	UserSRPAuth           AuthFlow = "USER_SRP_AUTH"
	CustomAuth            AuthFlow = "CUSTOM_AUTH"
	CustomAuthSRP         AuthFlow = "CUSTOM_AUTH+SRP_A"
	UserAuth              AuthFlow = "USER_AUTH"
	UserPasswordAuth      AuthFlow = "USER_PASSWORD_AUTH"
	RefreshTokenAuth      AuthFlow = "REFRESH_TOKEN_AUTH"
	AdminUserPasswordAuth AuthFlow = "ADMIN_USER_PASSWORD_AUTH"
	// GetTokensFromRefreshToken is no AuthFlow on the wire: the machine
	// sends the GetTokensFromRefreshToken operation instead of
	// InitiateAuth, Cognito's refresh that may rotate the refresh token
	// (GetTokensFromRefreshTokenRequest in the API model, botocore
	// cognito-idp 2016-04-18). It sends ClientSecret itself, not
	// SECRET_HASH, so Config.Username is not needed; it takes no context
	// data.
	GetTokensFromRefreshToken AuthFlow = "GetTokensFromRefreshToken"
)

var flows = [...]AuthFlow{UserSRPAuth, CustomAuth, CustomAuthSRP, UserAuth, UserPasswordAuth, RefreshTokenAuth, AdminUserPasswordAuth, GetTokensFromRefreshToken}

// isRefresh reports whether f signs in with a refresh token.
func (f AuthFlow) isRefresh() bool { return f == RefreshTokenAuth || f == GetTokensFromRefreshToken }

// wire returns the AuthFlow value sent to the service.
func (f AuthFlow) wire() string {
	if f == CustomAuthSRP {
		return string(CustomAuth)
	}
	return string(f)
}

// Device is a remembered device record (docs/protocol.md §6). DevicePassword is
// secret: store it as carefully as a refresh token.
type Device struct {
	DeviceKey      string `json:"DeviceKey"`
	DeviceGroupKey string `json:"DeviceGroupKey"`
	DevicePassword string `json:"DevicePassword"`
}

// DevicePolicy says what the machine does with NewDeviceMetadata.
type DevicePolicy int

const (
	// ConfirmDevice (the default) calls ConfirmDevice and hands back the
	// device record, without UpdateDeviceStatus.
	ConfirmDevice DevicePolicy = iota
	// RememberDevice also calls UpdateDeviceStatus "remembered" when the
	// service says the user must confirm (UserConfirmationNecessary).
	RememberDevice
	// DoNotRememberDevice calls UpdateDeviceStatus "not_remembered" when
	// the user must confirm.
	DoNotRememberDevice
	// IgnoreDevice ignores NewDeviceMetadata: no ConfirmDevice.
	IgnoreDevice
)

// DefaultSessionLifetime is how long a Cognito Session stays valid by
// default (docs/protocol.md §7: 3 minutes).
const DefaultSessionLifetime = 3 * time.Minute

// Config configures a Machine.
type Config struct {
	// UserPoolID is "REGION_NAME" (docs/protocol.md §9); the SRP pool name is the
	// part after '_'. Required.
	UserPoolID string
	// ClientID is the app client id. Required.
	ClientID string
	// ClientSecret is the app client secret, if the client has one; every
	// request then carries SECRET_HASH (docs/protocol.md §5).
	ClientSecret string
	// Username is the name the user typed (possibly an alias). For
	// RefreshTokenAuth with a client secret it must be the internal user
	// name (Result.UserID) or the sub, the names that SECRET_HASH works with.
	Username string
	// Password is held in memory only; it is never saved or logged.
	Password string
	// Flow is the AuthFlow to start. Required.
	Flow AuthFlow
	// PreferredChallenge is USER_AUTH's PREFERRED_CHALLENGE (PASSWORD_SRP,
	// PASSWORD, EMAIL_OTP, SMS_OTP, WEB_AUTHN), optional.
	PreferredChallenge string
	// RefreshToken is required for RefreshTokenAuth and
	// GetTokensFromRefreshToken.
	RefreshToken string
	// Admin uses AdminInitiateAuth and AdminRespondToAuthChallenge (with
	// UserPoolId); the transport must sign requests with AWS credentials.
	Admin bool
	// Device is a remembered device; when nil and Devices is set, the
	// device is looked up in Devices by pool and Username.
	Device *Device
	// Devices is an optional store to look remembered devices up in.
	Devices DeviceStore
	// ClientMetadata is passed through with every InitiateAuth and
	// RespondToAuthChallenge.
	ClientMetadata map[string]string
	// AnalyticsEndpointID is the Amazon Pinpoint endpoint id sent as
	// AnalyticsMetadata with every InitiateAuth and RespondToAuthChallenge
	// (and their Admin variants) of the sign-in, optional.
	AnalyticsEndpointID string
	// UserContextData is the end user's context for Cognito's threat
	// protection, sent with every InitiateAuth and RespondToAuthChallenge of
	// the sign-in. A server that signs its users in must give each user's
	// own IP address here, or the pool sees the server. Not with Admin:
	// the Admin operations take ContextData.
	UserContextData *UserContextData
	// ContextData is UserContextData's counterpart for the Admin
	// operations (AdminInitiateAuth, AdminRespondToAuthChallenge); only
	// with Admin.
	ContextData *ContextData
	// Rand is the source of randomness (SRP exponents, device secrets).
	// Nil means crypto/rand.Reader.
	Rand io.Reader
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// DeviceName is sent with ConfirmDevice; default "caldera".
	DeviceName string
	// DevicePolicy says what to do with NewDeviceMetadata.
	DevicePolicy DevicePolicy
	// FriendlyDeviceName is sent with VerifySoftwareToken, optional.
	FriendlyDeviceName string
	// TOTPIssuer is the issuer shown in the otpauth URI of a TOTP set-up
	// prompt; default "Cognito".
	TOTPIssuer string
	// SessionLifetime is how long a Session is valid; default
	// DefaultSessionLifetime.
	SessionLifetime time.Duration
	// AllowPlainPassword lets the machine send the password itself
	// (SELECT_CHALLENGE answered with PASSWORD) although the configured
	// flow does not send it: USER_SRP_AUTH, CUSTOM_AUTH (with or without
	// SRP_A), USER_AUTH preferring PASSWORD_SRP, REFRESH_TOKEN_AUTH, or a
	// restored machine whose saved flow is one of these. Without it such an
	// answer is ErrPlainPassword: a server that offers PASSWORD where SRP
	// was asked for would learn the password (docs/protocol.md §7). The
	// password flows (USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_AUTH
	// without a preference or preferring PASSWORD) send it as configured.
	AllowPlainPassword bool
}

// PlainPasswordAllowed reports whether the password may go on the wire in
// clear: the configured flow sends it, or AllowPlainPassword says so. A
// sign-in that would send it otherwise fails with ErrPlainPassword, so a
// prompter can tell its user before offering USER_AUTH's PASSWORD.
func (c *Config) PlainPasswordAllowed() bool {
	if c.AllowPlainPassword {
		return true
	}
	switch c.Flow {
	case UserPasswordAuth, AdminUserPasswordAuth:
		return true
	case UserAuth:
		return c.PreferredChallenge != "PASSWORD_SRP"
	}
	return false
}

func (c *Config) configError(field, why string) error {
	return fmt.Errorf("%w: %s %s", ErrInvalidConfig, field, why)
}

// validateBase checks what both New and Restore need.
func (c *Config) validateBase() (poolName string, err error) {
	if c.UserPoolID == "" || len(c.UserPoolID) > 55 {
		return "", c.configError("UserPoolID", "is empty or longer than 55 characters")
	}
	poolName, err = srp.PoolName(c.UserPoolID)
	if err != nil {
		return "", c.configError("UserPoolID", "is not REGION_NAME")
	}
	if c.ClientID == "" {
		return "", c.configError("ClientID", "is empty")
	}
	if c.SessionLifetime < 0 {
		return "", c.configError("SessionLifetime", "is negative")
	}
	if c.Device != nil && (c.Device.DeviceKey == "" || c.Device.DeviceGroupKey == "" || c.Device.DevicePassword == "") {
		return "", c.configError("Device", "has an empty field")
	}
	if c.DevicePolicy < ConfirmDevice || c.DevicePolicy > IgnoreDevice {
		return "", c.configError("DevicePolicy", "is unknown")
	}
	if err := c.validateContext(); err != nil {
		return "", err
	}
	return poolName, nil
}

// UserContextData is the end user's context that InitiateAuth and
// RespondToAuthChallenge carry for Cognito's threat protection (the
// UserContextDataType of the API). Both fields are personal data:
// LoggingTransport and RedactJSON redact them.
type UserContextData struct {
	// IPAddress is the end user's IP address, as the server saw it.
	IPAddress string
	// EncodedData is the device fingerprint collected by Cognito's
	// JavaScript or mobile context-data library, opaque here.
	EncodedData string
}

// ContextData is the end user's context that the Admin sign-in operations
// carry (the ContextDataType of the API). IPAddress, ServerName and
// ServerPath are required by the API; HTTPHeaders is sent even when empty.
// LoggingTransport and RedactJSON redact the IP address, the encoded data
// and the header values.
type ContextData struct {
	IPAddress   string
	ServerName  string // the server's host name, e.g. "www.example.com"
	ServerPath  string // the path the user signed in at, e.g. "/login"
	HTTPHeaders []HTTPHeader
	EncodedData string
}

// HTTPHeader is one header of the end user's request, for ContextData.
type HTTPHeader struct {
	Name  string
	Value string
}

// maxContextText bounds each context-data string (Cognito's StringType has
// no length limit in the model; 8 KiB is far beyond any header or
// fingerprint) and maxContextHeaders the headers.
const (
	maxContextText    = 8 << 10
	maxContextHeaders = 64
)

func (c *Config) validateContext() error {
	long := func(ss ...string) bool {
		for _, s := range ss {
			if len(s) > maxContextText || !utf8.ValidString(s) {
				return true
			}
		}
		return false
	}
	if long(c.AnalyticsEndpointID) {
		return c.configError("AnalyticsEndpointID", "is not UTF-8 or longer than 8 KiB")
	}
	if u := c.UserContextData; u != nil {
		if c.Admin {
			return c.configError("UserContextData", "is for user operations: give ContextData with Admin")
		}
		if long(u.IPAddress, u.EncodedData) {
			return c.configError("UserContextData", "has a field that is not UTF-8 or longer than 8 KiB")
		}
	}
	if d := c.ContextData; d != nil {
		if !c.Admin {
			return c.configError("ContextData", "is for the Admin operations: give UserContextData")
		}
		if d.IPAddress == "" || d.ServerName == "" || d.ServerPath == "" {
			return c.configError("ContextData", "needs IPAddress, ServerName and ServerPath")
		}
		if len(d.HTTPHeaders) > maxContextHeaders {
			return c.configError("ContextData", "has more than 64 HTTPHeaders")
		}
		if long(d.IPAddress, d.ServerName, d.ServerPath, d.EncodedData) {
			return c.configError("ContextData", "has a field that is not UTF-8 or longer than 8 KiB")
		}
		for _, h := range d.HTTPHeaders {
			if h.Name == "" || long(h.Name, h.Value) {
				return c.configError("ContextData", "has a header without name, or not UTF-8, or longer than 8 KiB")
			}
		}
	}
	return nil
}

// Cognito's limits: user names of at most 128 characters, passwords of at
// most 256; both must be UTF-8 to be sent as JSON strings faithfully.
const (
	maxUsername = 128
	maxPassword = 256
)

func validText(s string, max int) bool {
	return utf8.ValidString(s) && utf8.RuneCountInString(s) <= max
}

func (c *Config) validate() (string, error) {
	poolName, err := c.validateBase()
	if err != nil {
		return "", err
	}
	if !validText(c.Username, maxUsername) {
		return "", c.configError("Username", "is not UTF-8 or longer than 128 characters")
	}
	if !validText(c.Password, maxPassword) {
		return "", c.configError("Password", "is not UTF-8 or longer than 256 characters")
	}
	known := false
	for _, f := range flows {
		known = known || f == c.Flow
	}
	if !known {
		return "", c.configError("Flow", "is unknown")
	}
	if c.Flow == AdminUserPasswordAuth && !c.Admin {
		return "", c.configError("Flow", "ADMIN_USER_PASSWORD_AUTH needs Admin")
	}
	switch c.Flow {
	case RefreshTokenAuth, GetTokensFromRefreshToken:
		if c.RefreshToken == "" {
			return "", c.configError("RefreshToken", "is empty")
		}
		if c.Flow == RefreshTokenAuth && c.ClientSecret != "" && c.Username == "" {
			return "", c.configError("Username", "is needed for SECRET_HASH")
		}
		if c.Flow == GetTokensFromRefreshToken && c.Admin {
			return "", c.configError("Flow", "GetTokensFromRefreshToken has no Admin variant")
		}
	default:
		if c.Username == "" {
			return "", c.configError("Username", "is empty")
		}
	}
	switch c.Flow {
	case UserSRPAuth, CustomAuthSRP, UserPasswordAuth, AdminUserPasswordAuth:
		if c.Password == "" {
			return "", c.configError("Password", "is empty")
		}
	case UserAuth:
		switch c.PreferredChallenge {
		case "", "PASSWORD_SRP", "PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN":
		default:
			return "", c.configError("PreferredChallenge", "is unknown")
		}
		if (c.PreferredChallenge == "PASSWORD_SRP" || c.PreferredChallenge == "PASSWORD") && c.Password == "" {
			return "", c.configError("Password", "is empty")
		}
	}
	return poolName, nil
}

func (c *Config) sessionLifetime() time.Duration {
	if c.SessionLifetime == 0 {
		return DefaultSessionLifetime
	}
	return c.SessionLifetime
}
