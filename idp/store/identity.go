package store

import (
	"encoding/json"
	"time"
)

// Record kinds of the identity-pool service (package idp/identity). They
// are new buckets: files written before them open unchanged.
const (
	KindIdentityPool  = "identitypool"
	KindIdentity      = "identity"
	KindIdentityLogin = "identitylogin"
)

// IdentityProvider is a user pool an identity pool trusts
// (CognitoIdentityProvider in botocore's cognito-identity 2014-06-30
// model): its provider name and app client.
type IdentityProvider struct {
	ProviderName         string `json:"ProviderName"`
	ClientID             string `json:"ClientId,omitempty"`
	ServerSideTokenCheck bool   `json:"ServerSideTokenCheck,omitempty"`
}

// IdentityPool is a Cognito identity pool. Key: ID ("REGION:GUID").
type IdentityPool struct {
	ID                             string             `json:"IdentityPoolId"`
	Name                           string             `json:"IdentityPoolName"`
	AllowUnauthenticatedIdentities bool               `json:"AllowUnauthenticatedIdentities"`
	AllowClassicFlow               bool               `json:"AllowClassicFlow,omitempty"`
	Providers                      []IdentityProvider `json:"CognitoIdentityProviders,omitempty"`
	SupportedLoginProviders        map[string]string  `json:"SupportedLoginProviders,omitempty"`
	DeveloperProviderName          string             `json:"DeveloperProviderName,omitempty"`
	OpenIDConnectProviderARNs      []string           `json:"OpenIdConnectProviderARNs,omitempty"`
	SAMLProviderARNs               []string           `json:"SamlProviderARNs,omitempty"`
	Tags                           map[string]string  `json:"IdentityPoolTags,omitempty"`
	CreatedAt                      time.Time          `json:"CreatedAt"`
	// Identities counts the identities created in the pool.
	Identities int `json:"Identities,omitempty"`
	// Roles and RoleMappings are SetIdentityPoolRoles's: the role ARN of
	// "authenticated" and "unauthenticated" identities, and the mappings
	// as given (kept and returned; the fake credentials do not use them).
	Roles        map[string]string          `json:"Roles,omitempty"`
	RoleMappings map[string]json.RawMessage `json:"RoleMappings,omitempty"`
}

// Identity is one identity of an identity pool. Key: ID ("REGION:GUID").
// Logins maps each login that resolved to it (IdentityLoginKey's provider
// part: the user pool id) to the user's sub; an unauthenticated identity
// has none.
type Identity struct {
	ID             string            `json:"IdentityId"`
	PoolID         string            `json:"IdentityPoolId"`
	Logins         map[string]string `json:"Logins,omitempty"`
	CreatedAt      time.Time         `json:"CreationDate"`
	LastModifiedAt time.Time         `json:"LastModifiedDate"`
}

// IdentityLoginKey is the key of the login index (kind identitylogin,
// value the identity id): identity pool, user pool and sub, "|"-joined
// (none of them holds a "|").
func IdentityLoginKey(identityPoolID, userPoolID, sub string) string {
	return identityPoolID + "|" + userPoolID + "|" + sub
}

// GetIdentityPool returns an identity pool, or nil.
func GetIdentityPool(tx Tx, id string) (*IdentityPool, error) {
	return get[IdentityPool](tx, KindIdentityPool, id)
}

// PutIdentityPool stores an identity pool.
func PutIdentityPool(tx Tx, p *IdentityPool) error { return put(tx, KindIdentityPool, p.ID, p) }

// IdentityPools calls fn for every identity pool, by id.
func IdentityPools(tx Tx, fn func(*IdentityPool) error) error {
	return each(tx, KindIdentityPool, "", fn)
}

// DeleteIdentityPool removes an identity pool with its identities and
// their login index entries.
func DeleteIdentityPool(tx Tx, id string) error {
	var ids []string
	err := Identities(tx, func(i *Identity) error {
		if i.PoolID == id {
			ids = append(ids, i.ID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, iid := range ids {
		if err := DeleteIdentity(tx, iid); err != nil {
			return err
		}
	}
	return tx.Delete(KindIdentityPool, id)
}

// GetIdentity returns an identity, or nil.
func GetIdentity(tx Tx, id string) (*Identity, error) { return get[Identity](tx, KindIdentity, id) }

// PutIdentity stores an identity and indexes its logins.
func PutIdentity(tx Tx, i *Identity) error {
	for up, sub := range i.Logins {
		if err := tx.Put(KindIdentityLogin, IdentityLoginKey(i.PoolID, up, sub), []byte(i.ID)); err != nil {
			return err
		}
	}
	return put(tx, KindIdentity, i.ID, i)
}

// IdentityByLogin returns the id of the identity of a user pool's user
// (by sub) in an identity pool, or "".
func IdentityByLogin(tx Tx, identityPoolID, userPoolID, sub string) (string, error) {
	b, err := tx.Get(KindIdentityLogin, IdentityLoginKey(identityPoolID, userPoolID, sub))
	return string(b), err
}

// DeleteIdentity removes an identity and its login index entries.
func DeleteIdentity(tx Tx, id string) error {
	i, err := GetIdentity(tx, id)
	if err != nil || i == nil {
		return err
	}
	for up, sub := range i.Logins {
		if err := tx.Delete(KindIdentityLogin, IdentityLoginKey(i.PoolID, up, sub)); err != nil {
			return err
		}
	}
	return tx.Delete(KindIdentity, id)
}

// Identities calls fn for every identity, by id.
func Identities(tx Tx, fn func(*Identity) error) error { return each(tx, KindIdentity, "", fn) }

// GetIdentityKey returns the PKCS #8 DER of the identity service's token
// signing key (meta record "identitykey"), or nil.
func GetIdentityKey(tx Tx) ([]byte, error) { return tx.Get(KindMeta, "identitykey") }

// PutIdentityKey stores the identity service's token signing key.
func PutIdentityKey(tx Tx, der []byte) error { return tx.Put(KindMeta, "identitykey", der) }
