package store

import "time"

// Record kinds of the OAuth 2.0 side (issue 15): a pool's domain and its
// resource servers.
const (
	KindDomain         = "domain"
	KindResourceServer = "resourceserver"
)

// Domain is a user pool's domain prefix (CreateUserPoolDomain): the pool's
// hosted pages answer at http://<Domain>.localhost:PORT/. Key: Domain
// (domains are global).
type Domain struct {
	Domain    string
	PoolID    string
	CreatedAt time.Time
}

// Scope is one scope of a resource server (Cognito's ResourceServerScopeType).
type Scope struct {
	ScopeName        string
	ScopeDescription string
}

// ResourceServer is an OAuth 2.0 resource server of a pool: its scopes are
// granted as "<Identifier>/<ScopeName>". Key: ResourceServerKey.
type ResourceServer struct {
	PoolID     string
	Identifier string
	Name       string
	Scopes     []Scope `json:",omitempty"`
}

// ResourceServerKey is the key of a resource server: pool id, "/", identifier.
func ResourceServerKey(poolID, identifier string) string { return poolID + "/" + identifier }

// GetDomain returns a domain, or nil.
func GetDomain(tx Tx, domain string) (*Domain, error) { return get[Domain](tx, KindDomain, domain) }

// PutDomain writes a domain.
func PutDomain(tx Tx, d *Domain) error { return put(tx, KindDomain, d.Domain, d) }

// DeleteDomain deletes a domain.
func DeleteDomain(tx Tx, domain string) error { return tx.Delete(KindDomain, domain) }

// Domains calls fn for every domain.
func Domains(tx Tx, fn func(*Domain) error) error { return each(tx, KindDomain, "", fn) }

// GetResourceServer returns a resource server, or nil.
func GetResourceServer(tx Tx, poolID, identifier string) (*ResourceServer, error) {
	return get[ResourceServer](tx, KindResourceServer, ResourceServerKey(poolID, identifier))
}

// PutResourceServer writes a resource server.
func PutResourceServer(tx Tx, r *ResourceServer) error {
	return put(tx, KindResourceServer, ResourceServerKey(r.PoolID, r.Identifier), r)
}

// ResourceServers calls fn for each resource server of a pool, in key order.
func ResourceServers(tx Tx, poolID string, fn func(*ResourceServer) error) error {
	return each(tx, KindResourceServer, poolID+"/", fn)
}
