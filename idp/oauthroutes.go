package idp

import (
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"

	"github.com/caldera-srp/caldera/idp/oauth"
	"github.com/caldera-srp/caldera/idp/store"
)

// DomainSuffix is the host suffix of pool domains: a pool with domain
// "auth" answers its OAuth endpoints and pages at
// http://auth.localhost:PORT/ (browsers resolve *.localhost to loopback).
const DomainSuffix = ".localhost"

// routeOAuth serves r with the OAuth handler when it is for a pool's
// domain (http://<domain>.localhost:PORT/...) or for a path
// /<poolId>/<an OAuth path>, and reports whether it did.
func (s *Server) routeOAuth(w http.ResponseWriter, r *http.Request) bool {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if dom, ok := strings.CutSuffix(strings.ToLower(host), DomainSuffix); ok && dom != "" && !strings.Contains(dom, ".") {
		if pool := s.svc.PoolForDomain(dom); pool != "" && oauth.Handles(r.URL.Path) {
			s.oauth.Serve(w, r, oauth.Request{PoolID: pool, Base: s.baseURL(r), Path: r.URL.Path})
			return true
		}
	}
	rest := strings.TrimPrefix(r.URL.Path, "/")
	pool, sub, ok := strings.Cut(rest, "/")
	if !ok || pool == "" || !oauth.Handles("/"+sub) {
		return false
	}
	s.oauth.Serve(w, r, oauth.Request{PoolID: pool, Base: strings.TrimSuffix(s.baseURL(r), "/") + "/" + pool, Path: "/" + sub})
	return true
}

// baseURL is the URL of the server as the request reached it.
func (s *Server) baseURL(r *http.Request) string { return schemeOf(r) + "://" + r.Host }

// schemeOf is https for a request that came over TLS, else http.
func schemeOf(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// issuerEndpoint is the endpoint of token issuers for an OAuth request:
// as requestEndpoint (never the Host unless Options.IssuerFromHost), and
// under IssuerFromHost a request to a pool's domain host counts as one to
// the server itself, so the issuer stays the pool's.
func (s *Server) issuerEndpoint(r *http.Request) string {
	if e := s.Endpoint(); e != "" || !s.opts.IssuerFromHost {
		return e
	}
	host := r.Host
	h, port, err := net.SplitHostPort(host)
	if err != nil {
		h, port = host, ""
	}
	if dom, ok := strings.CutSuffix(strings.ToLower(h), DomainSuffix); ok && dom != "" && s.svc.PoolForDomain(dom) != "" {
		h = "localhost"
		if port != "" {
			h += ":" + port
		}
		host = h
	}
	return schemeOf(r) + "://" + host
}

// CreateDomain gives a pool its domain prefix (as CreateUserPoolDomain).
func (s *Server) CreateDomain(poolID, domain string) error {
	_, err := s.svc.CreateDomain(poolID, domain)
	return errOf(err)
}

// ResourceServer declares a resource server and its scopes (as
// CreateResourceServer) for the Go API and seed files.
type ResourceServer struct {
	Identifier string            `json:"identifier"`
	Name       string            `json:"name"`
	Scopes     map[string]string `json:"scopes,omitempty"` // name → description
}

// CreateResourceServer declares a resource server of a pool (as
// CreateResourceServer); its scopes are granted as "<Identifier>/<name>".
func (s *Server) CreateResourceServer(poolID string, rs ResourceServer) error {
	rec := store.ResourceServer{PoolID: poolID, Identifier: rs.Identifier, Name: rs.Name}
	for _, n := range slices.Sorted(maps.Keys(rs.Scopes)) {
		rec.Scopes = append(rec.Scopes, store.Scope{ScopeName: n, ScopeDescription: rs.Scopes[n]})
	}
	_, err := s.svc.CreateResourceServer(rec)
	return errOf(err)
}

// seedOAuth creates a seed pool's resource servers and domain, keeping
// those that exist already.
func (s *Server) seedOAuth(poolID string, sp SeedPool) error {
	for _, rs := range sp.ResourceServers {
		if old, _ := s.svc.ResourceServer(poolID, rs.Identifier); old != nil {
			continue
		}
		if err := s.CreateResourceServer(poolID, rs); err != nil {
			return err
		}
	}
	if sp.Domain != "" {
		if d, _ := s.svc.Domain(sp.Domain); d != nil && d.PoolID == poolID {
			return nil
		}
		return s.CreateDomain(poolID, sp.Domain)
	}
	return nil
}
