package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Record kinds: the bucket names of the engines. They and the records'
// JSON field names are the file format of a Bolt store; the first six are
// those of the single-package server, so its files open unchanged.
const (
	KindMeta    = "meta"
	KindPool    = "pool"
	KindClient  = "client"
	KindUser    = "user"
	KindDevice  = "device"
	KindOrigin  = "origin"
	KindFailure = "failure"
	KindAlias   = "alias"
)

// AliasAttributes are the user attributes a pool may let users sign in
// with (UsernameAttributes, AliasAttributes); the store indexes them for
// every user (kind "alias", key AliasKey, value the internal name).
var AliasAttributes = []string{"email", "phone_number", "preferred_username"}

// schemaVersion is the format of the records: 2 adds the alias index, 3
// the users' indexes of their origins and devices (userindex.go).
const schemaVersion = 3

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

// DeviceConfiguration is a pool's device tracking. A pool without one issues
// no NewDeviceMetadata.
type DeviceConfiguration struct {
	ChallengeRequiredOnNewDevice     bool `json:"ChallengeRequiredOnNewDevice"`
	DeviceOnlyRememberedOnUserPrompt bool `json:"DeviceOnlyRememberedOnUserPrompt"`
}

// Pool is a user pool. Key: ID.
type Pool struct {
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
	FirstFactors       []string          // USER_AUTH AllowedFirstAuthFactors
	Tags               map[string]string `json:",omitempty"` // TagResource
	// Schema lists the attributes declared for the pool: custom ones
	// (custom:NAME, dev:NAME) and standard ones whose settings differ from
	// Cognito's defaults.
	Schema []SchemaAttribute `json:",omitempty"`
}

// SchemaAttribute is one declared attribute of a pool (Cognito's
// SchemaAttributeType): Name is the full name (email, custom:tier,
// dev:flag).
type SchemaAttribute struct {
	Name          string
	DataType      string // String, Number, DateTime, Boolean
	Mutable       bool
	Required      bool
	DeveloperOnly bool `json:",omitempty"`
}

// Client is an app client of a pool. Key: ID (client ids are global).
type Client struct {
	PoolID     string
	ID         string
	Name       string
	Secret     string
	Flows      []string
	AccessTTL  time.Duration
	IDTTL      time.Duration
	RefreshTTL time.Duration
	CreatedAt  time.Time
	// RefreshRotation is the client's RefreshTokenRotation; nil is
	// DISABLED.
	RefreshRotation *RefreshTokenRotation `json:",omitempty"`
	ModifiedAt      time.Time             `json:",omitempty"`
	// ReadAttributes and WriteAttributes, when set, are the attributes the
	// client's ID tokens carry and its users may write.
	ReadAttributes  []string `json:",omitempty"`
	WriteAttributes []string `json:",omitempty"`
	// PreventUserExistenceErrors is "ENABLED" or "LEGACY"; empty (a client
	// stored before the field existed) is treated as ENABLED.
	PreventUserExistenceErrors string `json:",omitempty"`

	// OAuth 2.0 settings (issue 15): Cognito's AllowedOAuthFlows,
	// AllowedOAuthScopes, AllowedOAuthFlowsUserPoolClient, CallbackURLs,
	// LogoutURLs and SupportedIdentityProviders.
	OAuthFlows                 []string `json:",omitempty"`
	OAuthScopes                []string `json:",omitempty"`
	OAuthFlowsUserPoolClient   bool     `json:",omitempty"`
	CallbackURLs               []string `json:",omitempty"`
	LogoutURLs                 []string `json:",omitempty"`
	SupportedIdentityProviders []string `json:",omitempty"`
}

// RefreshTokenRotation is Cognito's RefreshTokenRotationType: with
// Feature "ENABLED", GetTokensFromRefreshToken returns a new refresh token
// and the one it was given stays valid for RetryGracePeriodSeconds (0–60).
type RefreshTokenRotation struct {
	Feature                 string `json:"Feature"`
	RetryGracePeriodSeconds int    `json:"RetryGracePeriodSeconds"`
}

// User is a user of a pool. Key: UserKey(PoolID, Username).
type User struct {
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

	// ResetCode is a pending ForgotPassword code, until ResetExpires.
	ResetCode    string    `json:",omitempty"`
	ResetExpires time.Time `json:",omitempty"`
	// VerifyCodes are pending attribute verification codes by attribute
	// (GetUserAttributeVerificationCode, UpdateUserAttributes).
	VerifyCodes map[string]PendingCode `json:",omitempty"`
}

// PendingCode is a one-time code and its expiry.
type PendingCode struct {
	Code    string
	Expires time.Time
}

// Device is a device of a user. Key: Key (device keys are global).
type Device struct {
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

// Origin is one sign-in: its refresh token (kept as a hash) and the
// origin_jti that every token of that sign-in carries. Revoking it revokes
// the refresh token and all access tokens derived from it. Key: JTI.
// DeviceKey names the device the sign-in used; the device may have been
// forgotten since.
type Origin struct {
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
	// Retired are the refresh tokens that rotation replaced and that stay
	// valid for the client's grace period.
	Retired []RetiredRefresh `json:",omitempty"`
	// Sub is the sub of the user who signed in: a later user of the same
	// name is another user.
	Sub string `json:",omitempty"`
	// Scopes are the OAuth 2.0 scopes granted at the hosted sign-in; its
	// access tokens carry them (empty: aws.cognito.signin.user.admin).
	Scopes []string `json:",omitempty"`
}

// RetiredRefresh is a rotated-out refresh token's hash and the end of its
// grace period.
type RetiredRefresh struct {
	Hash  []byte
	Until time.Time
}

// Failures counts a user's consecutive failed sign-in proofs; a user with
// none has no record. Key: UserKey(PoolID, Username).
type Failures struct {
	PoolID      string
	Username    string
	Count       int
	LockedUntil time.Time
	// Kind, when set, names the one-time code these failures are of
	// (CodeFailuresKey); empty for password and device proofs.
	Kind string `json:",omitempty"`
}

// Keys are the server's secrets (meta record "keys").
type Keys struct {
	RSAKey  []byte // PKCS #8 DER of the token signing key
	SealKey []byte // 32 bytes, AES-256-GCM for SECRET_BLOCK
}

// UserKey is the key of a user (and of its Failures): pool id, "/", name.
// Pool ids contain no "/", so UserKey(p, "") is the prefix of p's users.
func UserKey(poolID, username string) string { return poolID + "/" + username }

func get[R any](tx Tx, kind, key string) (*R, error) {
	b, err := tx.Get(kind, key)
	if err != nil || b == nil {
		return nil, err
	}
	return decode[R](kind, key, b)
}

// decode reads the stored record (kind, key).
func decode[R any](kind, key string, b []byte) (*R, error) {
	r := new(R)
	if err := json.Unmarshal(b, r); err != nil {
		return nil, fmt.Errorf("idp/store: stored %s %q: %w", kind, key, err)
	}
	return r, nil
}

func put(tx Tx, kind, key string, r any) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("idp/store: encode %s %q: %w", kind, key, err)
	}
	return tx.Put(kind, key, b)
}

func each[R any](tx Tx, kind, prefix string, fn func(*R) error) error {
	return tx.ForEach(kind, prefix, func(key string, b []byte) error {
		r, err := decode[R](kind, key, b)
		if err != nil {
			return err
		}
		return fn(r)
	})
}

// GetPool returns a pool, or nil.
func GetPool(tx Tx, id string) (*Pool, error) { return get[Pool](tx, KindPool, id) }

// PutPool stores a pool.
func PutPool(tx Tx, p *Pool) error { return put(tx, KindPool, p.ID, p) }

// Pools calls fn for every pool.
func Pools(tx Tx, fn func(*Pool) error) error { return each(tx, KindPool, "", fn) }

// GetClient returns an app client, or nil.
func GetClient(tx Tx, id string) (*Client, error) { return get[Client](tx, KindClient, id) }

// PutClient stores an app client.
func PutClient(tx Tx, c *Client) error { return put(tx, KindClient, c.ID, c) }

// Clients calls fn for every app client.
func Clients(tx Tx, fn func(*Client) error) error { return each(tx, KindClient, "", fn) }

// GetUser returns a user by internal name, or nil.
func GetUser(tx Tx, poolID, username string) (*User, error) {
	return get[User](tx, KindUser, UserKey(poolID, username))
}

// PutUser stores a user and keeps its alias index entries in step.
func PutUser(tx Tx, u *User) error {
	old, err := GetUser(tx, u.PoolID, u.Username)
	if err != nil {
		return err
	}
	if old != nil {
		if err := unindex(tx, old, u); err != nil {
			return err
		}
	}
	for _, a := range AliasAttributes {
		v := u.Attrs[a]
		if v == "" {
			continue
		}
		key := AliasKey(u.PoolID, a, v)
		cur, err := tx.Get(KindAlias, key)
		if err != nil {
			return err
		}
		if string(cur) == u.Username {
			continue
		}
		if len(cur) > 0 && !HoldsAlias(u, a) {
			// Another user has the value; u takes the entry only by
			// holding the alias (confirmed, value verified).
			other, err := GetUser(tx, u.PoolID, string(cur))
			if err != nil {
				return err
			}
			if other != nil && AliasKey("", a, other.Attrs[a]) == key[len(u.PoolID):] {
				continue
			}
		}
		if err := tx.Put(KindAlias, key, []byte(u.Username)); err != nil {
			return err
		}
	}
	return put(tx, KindUser, UserKey(u.PoolID, u.Username), u)
}

// HoldsAlias reports whether u holds attribute a as a sign-in alias:
// u is confirmed and the value is verified (preferred_username has no
// verification). Among users with the same value, the index names the one
// that holds it.
func HoldsAlias(u *User, a string) bool {
	return u.Status == StatusConfirmed && (a == "preferred_username" || u.Attrs[a+"_verified"] == "true")
}

// AliasKey is the index key of an alias value: pool, attribute and value
// ("/"-separated; e-mail addresses lower-cased, as they match without
// regard to case).
func AliasKey(poolID, attr, value string) string {
	if attr == "email" {
		value = strings.ToLower(value)
	}
	return poolID + "/" + attr + "/" + value
}

// UserByAlias returns the internal name of the user of a pool whose attr
// is value, or "".
func UserByAlias(tx Tx, poolID, attr, value string) (string, error) {
	if value == "" {
		return "", nil
	}
	b, err := tx.Get(KindAlias, AliasKey(poolID, attr, value))
	return string(b), err
}

// unindex removes the alias entries of old that now (u nil: deleted, or
// u without that value) no longer hold. When another user of the pool has
// the same value (aliases are not unique here), the entry is pointed at
// that user instead.
func unindex(tx Tx, old, u *User) error {
	for _, a := range AliasAttributes {
		ov := old.Attrs[a]
		if ov == "" || (u != nil && AliasKey("", a, u.Attrs[a]) == AliasKey("", a, ov)) {
			continue
		}
		key := AliasKey(old.PoolID, a, ov)
		cur, err := tx.Get(KindAlias, key)
		if err != nil {
			return err
		}
		if string(cur) != old.Username {
			continue
		}
		other := ""
		errFound := fmt.Errorf("found")
		err = Users(tx, old.PoolID, func(x *User) error {
			if x.Username != old.Username && x.Attrs[a] != "" && AliasKey("", a, x.Attrs[a]) == AliasKey("", a, ov) {
				if other == "" || HoldsAlias(x, a) {
					other = x.Username
				}
				if HoldsAlias(x, a) {
					return errFound
				}
			}
			return nil
		})
		if err != nil && err != errFound {
			return err
		}
		if other != "" {
			err = tx.Put(KindAlias, key, []byte(other))
		} else {
			err = tx.Delete(KindAlias, key)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Migrate brings the records written by an older server up to the current
// format (the alias index, the users' indexes); it does nothing on a
// current store. The server runs it at start-up.
func Migrate(tx Tx) error {
	b, err := tx.Get(KindMeta, "schema")
	if err != nil {
		return err
	}
	if string(b) == fmt.Sprint(schemaVersion) {
		return nil
	}
	if err := buildUserIndexes(tx); err != nil {
		return err
	}
	if string(b) == "2" {
		// The alias index is there, kept by PutUser's rules (a holder
		// is never displaced): rebuilding it would undo them.
		return tx.Put(KindMeta, "schema", []byte(fmt.Sprint(schemaVersion)))
	}
	var users []*User
	if err := Users(tx, "", func(u *User) error { users = append(users, u); return nil }); err != nil {
		return err
	}
	for _, u := range users {
		for _, a := range AliasAttributes {
			if v := u.Attrs[a]; v != "" {
				if err := tx.Put(KindAlias, AliasKey(u.PoolID, a, v), []byte(u.Username)); err != nil {
					return err
				}
			}
		}
	}
	return tx.Put(KindMeta, "schema", []byte(fmt.Sprint(schemaVersion)))
}

// DeleteUser removes a user with everything that refers to it: its
// devices, its sign-ins, its failure counts and its sign-in history.
func DeleteUser(tx Tx, poolID, username string) error {
	return deleteUser(tx, poolID, username, true)
}

// deleteUser is DeleteUser; without unalias the user's alias entries are
// left (DeletePool deletes the pool's all at once: handing each entry to
// another holder scans the pool's users, once per entry).
func deleteUser(tx Tx, poolID, username string, unalias bool) error {
	if err := deleteIndexed(tx, KindDevice, poolID, username, indexDevices); err != nil {
		return err
	}
	if err := deleteIndexed(tx, KindOrigin, poolID, username, indexOrigins); err != nil {
		return err
	}
	if err := tx.Delete(KindFailure, UserKey(poolID, username)); err != nil {
		return err
	}
	if err := deleteUserMembers(tx, poolID, username); err != nil {
		return err
	}
	if err := deletePrefix(tx, KindFailure, UserKey(poolID, username)+"\x00"); err != nil {
		return err
	}
	if err := deleteIndexed(tx, KindAuthEvent, poolID, username, indexEvents); err != nil {
		return err
	}
	if unalias {
		if u, err := GetUser(tx, poolID, username); err != nil || u == nil {
			return err
		} else if err := unindex(tx, u, nil); err != nil {
			return err
		}
	}
	return tx.Delete(KindUser, UserKey(poolID, username))
}

// deletePrefix deletes every record of kind whose key starts with prefix.
func deletePrefix(tx Tx, kind, prefix string) error {
	var keys []string
	if err := tx.ForEach(kind, prefix, func(k string, _ []byte) error {
		keys = append(keys, k)
		return nil
	}); err != nil {
		return err
	}
	for _, k := range keys {
		if err := tx.Delete(kind, k); err != nil {
			return err
		}
	}
	return nil
}

// Users calls fn for every user of a pool ("" for all pools).
func Users(tx Tx, poolID string, fn func(*User) error) error {
	prefix := ""
	if poolID != "" {
		prefix = UserKey(poolID, "")
	}
	return each(tx, KindUser, prefix, fn)
}

// GetDevice returns a device, or nil.
func GetDevice(tx Tx, key string) (*Device, error) { return get[Device](tx, KindDevice, key) }

// Devices calls fn for every device.
func Devices(tx Tx, fn func(*Device) error) error { return each(tx, KindDevice, "", fn) }

// GetOrigin returns a sign-in origin, or nil.
func GetOrigin(tx Tx, jti string) (*Origin, error) { return get[Origin](tx, KindOrigin, jti) }

// Origins calls fn for every sign-in origin.
func Origins(tx Tx, fn func(*Origin) error) error { return each(tx, KindOrigin, "", fn) }

// GetFailures returns a user's failure count, or nil when there is none.
func GetFailures(tx Tx, poolID, username string) (*Failures, error) {
	return GetCodeFailures(tx, poolID, username, "")
}

// PutFailures stores a user's failure count.
func PutFailures(tx Tx, f *Failures) error {
	return put(tx, KindFailure, failuresKey(f), f)
}

// ClearFailures removes a user's failure count, writing only if there is
// one (a sign-in of a user who never failed writes nothing for it).
func ClearFailures(tx Tx, poolID, username string) error {
	return ClearCodeFailures(tx, poolID, username, "")
}

// CodeFailuresKey is the key of a user's failures with one kind of
// one-time code: the user's key, a NUL (which no user name contains) and
// the kind; for kind "" (password and device proofs) the user's key.
func CodeFailuresKey(poolID, username, kind string) string {
	if kind == "" {
		return UserKey(poolID, username)
	}
	return UserKey(poolID, username) + "\x00" + kind
}

func failuresKey(f *Failures) string { return CodeFailuresKey(f.PoolID, f.Username, f.Kind) }

// GetCodeFailures returns a user's failures with one kind of code, or nil.
func GetCodeFailures(tx Tx, poolID, username, kind string) (*Failures, error) {
	return get[Failures](tx, KindFailure, CodeFailuresKey(poolID, username, kind))
}

// ClearCodeFailures removes a user's failures with one kind of code,
// writing only if there are some.
func ClearCodeFailures(tx Tx, poolID, username, kind string) error {
	key := CodeFailuresKey(poolID, username, kind)
	b, err := tx.Get(KindFailure, key)
	if err != nil || b == nil {
		return err
	}
	return tx.Delete(KindFailure, key)
}

// GetPoolKey returns the PKCS #8 DER of a pool's token signing key, or
// nil (meta record "poolkey/POOL").
func GetPoolKey(tx Tx, poolID string) ([]byte, error) { return tx.Get(KindMeta, "poolkey/"+poolID) }

// PutPoolKey stores a pool's token signing key.
func PutPoolKey(tx Tx, poolID string, der []byte) error {
	return tx.Put(KindMeta, "poolkey/"+poolID, der)
}

// DeletePoolKey removes a pool's token signing key (DeletePool).
func DeletePoolKey(tx Tx, poolID string) error { return tx.Delete(KindMeta, "poolkey/"+poolID) }

// GetKeys returns the server keys, or nil.
func GetKeys(tx Tx) (*Keys, error) { return get[Keys](tx, KindMeta, "keys") }

// PutKeys stores the server keys.
func PutKeys(tx Tx, k *Keys) error { return put(tx, KindMeta, "keys", k) }

// Check verifies the references between records: every client, user and
// failure count names an existing pool or user, every device an existing
// user, every origin an existing user and client of its pool, the alias
// index matches the users' attributes both ways, and the users' indexes
// list exactly their origins and devices. It returns one
// error listing what is dangling, or nil.
func Check(tx Tx) error {
	var bad []string
	pools := map[string]bool{}
	users := map[string]bool{}
	clients := map[string]string{}
	note := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	err := Pools(tx, func(p *Pool) error { pools[p.ID] = true; return nil })
	if err == nil {
		err = Clients(tx, func(c *Client) error {
			clients[c.ID] = c.PoolID
			if !pools[c.PoolID] {
				note("client %s: no pool %s", c.ID, c.PoolID)
			}
			return nil
		})
	}
	if err == nil {
		err = Users(tx, "", func(u *User) error {
			users[UserKey(u.PoolID, u.Username)] = true
			if !pools[u.PoolID] {
				note("user %s: no pool %s", u.Username, u.PoolID)
			}
			return nil
		})
	}
	if err == nil {
		err = Devices(tx, func(d *Device) error {
			if !users[UserKey(d.PoolID, d.Username)] {
				note("device %s: no user %s/%s", d.Key, d.PoolID, d.Username)
			}
			return nil
		})
	}
	if err == nil {
		err = Origins(tx, func(o *Origin) error {
			if !users[UserKey(o.PoolID, o.Username)] {
				note("origin %s: no user %s/%s", o.JTI, o.PoolID, o.Username)
			}
			if clients[o.ClientID] != o.PoolID {
				note("origin %s: no client %s in pool %s", o.JTI, o.ClientID, o.PoolID)
			}
			return nil
		})
	}
	if err == nil {
		err = each(tx, KindFailure, "", func(f *Failures) error {
			if !users[UserKey(f.PoolID, f.Username)] {
				note("failure count: no user %s/%s", f.PoolID, f.Username)
			}
			return nil
		})
	}
	if err == nil {
		err = Users(tx, "", func(u *User) error {
			for _, a := range AliasAttributes {
				if v := u.Attrs[a]; v != "" {
					name, err := UserByAlias(tx, u.PoolID, a, v)
					if err != nil {
						return err
					}
					if name == "" {
						note("user %s/%s: %s not indexed", u.PoolID, u.Username, a)
					}
				}
			}
			return nil
		})
	}
	if err == nil {
		err = checkGroups(tx, pools, users, note)
	}
	if err == nil {
		err = tx.ForEach(KindAlias, "", func(key string, v []byte) error {
			pool, rest, _ := strings.Cut(key, "/")
			attr, value, _ := strings.Cut(rest, "/")
			u, err := GetUser(tx, pool, string(v))
			if err != nil {
				return err
			}
			if u == nil || !slices.Contains(AliasAttributes, attr) || AliasKey("", attr, u.Attrs[attr]) != AliasKey("", attr, value) {
				note("alias %s: no user %s/%s with that value", key, pool, v)
			}
			return nil
		})
	}
	if err == nil {
		err = checkUserIndexes(tx, note)
	}
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		return fmt.Errorf("idp/store: %d dangling references: %v", len(bad), bad)
	}
	return nil
}
