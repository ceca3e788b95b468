package identity

import (
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/caldera-srp/caldera/idp/internal/amzjson"
	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/idp/userpool"
)

// TargetPrefix starts the X-Amz-Target of every identity-pool operation
// (botocore's metadata targetPrefix, AWS JSON 1.1).
const TargetPrefix = "AWSCognitoIdentityService."

// SigningService is the service name of the SigV4 credential scope of the
// IAM operations (botocore's metadata endpointPrefix).
const SigningService = "cognito-identity"

// publicOperations are those botocore's model marks "authtype": "none".
var publicOperations = map[string]bool{
	"GetId": true, "GetCredentialsForIdentity": true, "GetOpenIdToken": true,
}

// IsPublic reports whether an operation is answered without a signature.
func IsPublic(op string) bool { return publicOperations[op] }

// Handler serves the AWSCognitoIdentityService API of one Service.
type Handler struct {
	Service *Service
	// Endpoint returns the server's base URL for a request: the user
	// pools' issuers are Endpoint + "/" + POOL.
	Endpoint func(r *http.Request) string
	// Admin checks the SigV4 signature of an IAM operation; nil answers
	// them unsigned (the insecure mode).
	Admin func(r *http.Request, body []byte) *userpool.Error
	// MaxBodyBytes bounds request bodies (1 MiB when zero).
	MaxBodyBytes int64
	Logger       *slog.Logger // nil: discard
	Rand         io.Reader    // draws request ids; crypto/rand when nil
}

func (h *Handler) rand() io.Reader {
	if h.Rand == nil {
		return rand.Reader
	}
	return h.Rand
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Logger
}

type opFunc func(h *Handler, r *http.Request, body []byte) (any, *userpool.Error)

func decode[I any](body []byte) (*I, *userpool.Error) {
	in := new(I)
	if err := amzjson.Decode(body, in); err != nil {
		return nil, err
	}
	return in, nil
}

func op[I any](f func(h *Handler, r *http.Request, in *I) (any, *userpool.Error)) opFunc {
	return func(h *Handler, r *http.Request, body []byte) (any, *userpool.Error) {
		in, err := decode[I](body)
		if err != nil {
			return nil, err
		}
		return f(h, r, in)
	}
}

// poolOut renders an identity pool (botocore's IdentityPool shape).
type poolOut struct {
	IdentityPoolID                 string                   `json:"IdentityPoolId"`
	IdentityPoolName               string                   `json:"IdentityPoolName"`
	AllowUnauthenticatedIdentities bool                     `json:"AllowUnauthenticatedIdentities"`
	AllowClassicFlow               bool                     `json:"AllowClassicFlow"`
	CognitoIdentityProviders       []store.IdentityProvider `json:"CognitoIdentityProviders,omitempty"`
	SupportedLoginProviders        map[string]string        `json:"SupportedLoginProviders,omitempty"`
	DeveloperProviderName          string                   `json:"DeveloperProviderName,omitempty"`
	OpenIDConnectProviderARNs      []string                 `json:"OpenIdConnectProviderARNs,omitempty"`
	SAMLProviderARNs               []string                 `json:"SamlProviderARNs,omitempty"`
	IdentityPoolTags               map[string]string        `json:"IdentityPoolTags,omitempty"`
}

func renderPool(p *store.IdentityPool) poolOut {
	return poolOut{
		IdentityPoolID: p.ID, IdentityPoolName: p.Name, AllowUnauthenticatedIdentities: p.AllowUnauthenticatedIdentities,
		AllowClassicFlow: p.AllowClassicFlow, CognitoIdentityProviders: p.Providers,
		SupportedLoginProviders: p.SupportedLoginProviders, DeveloperProviderName: p.DeveloperProviderName,
		OpenIDConnectProviderARNs: p.OpenIDConnectProviderARNs, SAMLProviderARNs: p.SAMLProviderARNs, IdentityPoolTags: p.Tags,
	}
}

type idIn struct {
	IdentityPoolID string `json:"IdentityPoolId"`
}

type getIDIn struct {
	AccountID      string            `json:"AccountId"`
	IdentityPoolID string            `json:"IdentityPoolId"`
	Logins         map[string]string `json:"Logins"`
}

type credsIn struct {
	IdentityID    string            `json:"IdentityId"`
	Logins        map[string]string `json:"Logins"`
	CustomRoleArn string            `json:"CustomRoleArn"`
}

type listIn struct {
	MaxResults int    `json:"MaxResults"`
	NextToken  string `json:"NextToken"`
}

func (h *Handler) endpoint(r *http.Request) string {
	if h.Endpoint == nil {
		return ""
	}
	return h.Endpoint(r)
}

// rolesIn is SetIdentityPoolRoles's request and GetIdentityPoolRoles's
// answer.
type rolesIn struct {
	IdentityPoolID string                     `json:"IdentityPoolId"`
	Roles          map[string]string          `json:"Roles"`
	RoleMappings   map[string]json.RawMessage `json:"RoleMappings,omitempty"`
}

// operations is the table of AWSCognitoIdentityService operations.
var operations = map[string]opFunc{
	"CreateIdentityPool": op(func(h *Handler, r *http.Request, in *PoolConfig) (any, *userpool.Error) {
		in.ID = "" // not an API field: ids are drawn
		p, err := h.Service.CreateIdentityPool(*in)
		if err != nil {
			return nil, err
		}
		return renderPool(p), nil
	}),
	"UpdateIdentityPool": op(func(h *Handler, r *http.Request, in *PoolConfig) (any, *userpool.Error) {
		p, err := h.Service.UpdateIdentityPool(*in)
		if err != nil {
			return nil, err
		}
		return renderPool(p), nil
	}),
	"SetIdentityPoolRoles": op(func(h *Handler, r *http.Request, in *rolesIn) (any, *userpool.Error) {
		return nil, h.Service.SetIdentityPoolRoles(in.IdentityPoolID, in.Roles, in.RoleMappings)
	}),
	"GetIdentityPoolRoles": op(func(h *Handler, r *http.Request, in *idIn) (any, *userpool.Error) {
		p, err := h.Service.DescribeIdentityPool(in.IdentityPoolID)
		if err != nil {
			return nil, err
		}
		out := rolesIn{IdentityPoolID: p.ID, Roles: p.Roles, RoleMappings: p.RoleMappings}
		if out.Roles == nil {
			out.Roles = map[string]string{}
		}
		return out, nil
	}),
	"DescribeIdentityPool": op(func(h *Handler, r *http.Request, in *idIn) (any, *userpool.Error) {
		p, err := h.Service.DescribeIdentityPool(in.IdentityPoolID)
		if err != nil {
			return nil, err
		}
		return renderPool(p), nil
	}),
	"ListIdentityPools": op(func(h *Handler, r *http.Request, in *listIn) (any, *userpool.Error) {
		ps, next, err := h.Service.ListIdentityPools(in.MaxResults, in.NextToken)
		if err != nil {
			return nil, err
		}
		type short struct {
			IdentityPoolID   string `json:"IdentityPoolId"`
			IdentityPoolName string `json:"IdentityPoolName"`
		}
		out := struct {
			IdentityPools []short `json:"IdentityPools"`
			NextToken     string  `json:"NextToken,omitempty"`
		}{IdentityPools: []short{}, NextToken: next}
		for _, p := range ps {
			out.IdentityPools = append(out.IdentityPools, short{p.ID, p.Name})
		}
		return out, nil
	}),
	"DeleteIdentityPool": op(func(h *Handler, r *http.Request, in *idIn) (any, *userpool.Error) {
		return nil, h.Service.DeleteIdentityPool(in.IdentityPoolID)
	}),
	"GetId": op(func(h *Handler, r *http.Request, in *getIDIn) (any, *userpool.Error) {
		id, err := h.Service.GetID(in.IdentityPoolID, in.Logins, h.endpoint(r))
		if err != nil {
			return nil, err
		}
		return map[string]string{"IdentityId": id}, nil
	}),
	"GetCredentialsForIdentity": op(func(h *Handler, r *http.Request, in *credsIn) (any, *userpool.Error) {
		id, c, err := h.Service.GetCredentialsForIdentity(in.IdentityID, in.Logins, in.CustomRoleArn, h.endpoint(r))
		if err != nil {
			return nil, err
		}
		type credsOut struct {
			AccessKeyID  string `json:"AccessKeyId"`
			SecretKey    string `json:"SecretKey"`
			SessionToken string `json:"SessionToken"`
			Expiration   int64  `json:"Expiration"` // epoch seconds, AWS JSON 1.1's timestamp
		}
		return struct {
			IdentityID  string   `json:"IdentityId"`
			Credentials credsOut `json:"Credentials"`
		}{id, credsOut{c.AccessKeyID, c.SecretKey, c.SessionToken, c.Expiration.Unix()}}, nil
	}),
	"GetOpenIdToken": op(func(h *Handler, r *http.Request, in *credsIn) (any, *userpool.Error) {
		id, tok, err := h.Service.GetOpenIDToken(in.IdentityID, in.Logins, h.endpoint(r))
		if err != nil {
			return nil, err
		}
		return map[string]string{"IdentityId": id, "Token": tok}, nil
	}),
}

// Operations returns the names of the operations answered.
func Operations() []string {
	names := make([]string, 0, len(operations))
	for n := range operations {
		names = append(names, n)
	}
	return names
}

// ServeHTTP answers POST / with an X-Amz-Target of TargetPrefix, and GET
// JWKSPath with the key set of GetOpenIdToken's tokens.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == JWKSPath {
		set, err := h.Service.JWKS()
		if err != nil {
			h.writeError(w, asError(err))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Write(set)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		h.writeError(w, &userpool.Error{Type: "UnknownOperationException", Message: "Only POST is supported", Status: http.StatusMethodNotAllowed})
		return
	}
	start := time.Now()
	target := r.Header.Get("X-Amz-Target")
	name, ok := strings.CutPrefix(target, TargetPrefix)
	f := operations[name]
	if ok && IsPublic(name) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Expose-Headers", "x-amzn-RequestId, x-amzn-ErrorType")
	}
	if !ok || f == nil {
		h.writeError(w, userpool.NewError("UnknownOperationException", "Unknown operation %q", target))
		return
	}
	limit := h.MaxBodyBytes
	if limit <= 0 {
		limit = 1 << 20
	}
	body, rerr := amzjson.ReadBody(w, r, limit)
	if rerr != nil {
		h.writeError(w, rerr)
		return
	}
	if !IsPublic(name) && h.Admin != nil {
		if aerr := h.Admin(r, body); aerr != nil {
			h.logger().Info("idp/identity: request", "op", name, "error", aerr.Type, "message", aerr.Message, "took", time.Since(start))
			h.writeError(w, aerr)
			return
		}
	}
	out, aerr := f(h, r, body)
	if aerr != nil {
		h.logger().Info("idp/identity: request", "op", name, "error", aerr.Type, "message", aerr.Message, "took", time.Since(start))
		h.writeError(w, aerr)
		return
	}
	h.logger().Info("idp/identity: request", "op", name, "took", time.Since(start))
	amzjson.WriteResult(w, h.rand(), out)
}

// writeError answers {"__type", "message"} with the error's status (400
// when unset) and x-amzn-ErrorType, as AWS JSON 1.1 does.
func (h *Handler) writeError(w http.ResponseWriter, e *userpool.Error) {
	amzjson.WriteError(w, h.rand(), e)
}
