package wire

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/caldera-srp/caldera/idp/userpool"
)

const wellKnownOpenIDPathSuffix = "/.well-known/openid-configuration"

// Discovery is the OpenID Provider Metadata (OpenID Connect Discovery 1.0,
// Section 3) of a pool whose issuer is issuer (<endpoint>/<poolId>, the
// iss of its tokens): the issuer, its JWKS and what its ID tokens use.
// OAuth endpoints join it when the pool has a domain.
func Discovery(issuer string) map[string]any {
	return map[string]any{
		"issuer":                                issuer,
		"jwks_uri":                              issuer + wellKnownJWKSPathSuffix,
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "token"},
		"scopes_supported":                      []string{"openid", "email", "phone", "profile"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	}
}

// serveDiscovery answers GET /<poolId>/.well-known/openid-configuration.
func (h *Handler) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	poolID := strings.Trim(strings.TrimSuffix(r.URL.Path, wellKnownOpenIDPathSuffix), "/")
	if _, err := h.Service.Pool(poolID); err != nil {
		h.writeError(w, &userpool.Error{Type: "ResourceNotFoundException", Message: "User pool " + poolID + " does not exist.", Status: http.StatusNotFound})
		return
	}
	endpoint := h.Endpoint(r)
	if endpoint == "" {
		// As for tokens: the issuer is never guessed from the request's
		// Host (idp.Options.Endpoint, IssuerFromHost).
		h.writeError(w, userpool.NewError("InternalErrorException", "no issuer: the server has no endpoint (set Options.Endpoint or Options.IssuerFromHost, or call Start)"))
		return
	}
	b, _ := json.Marshal(Discovery(endpoint + "/" + poolID))
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}
