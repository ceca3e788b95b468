// Package wire is the local server's AWS JSON 1.1 front end
// (docs/protocol.md §7, §9): the table of AWSCognitoIdentityProviderService
// operations by X-Amz-Target, request decoding (with Cognito's
// SerializationException for bodies that do not decode and JSON null
// treated as absent), the rendering of answers in Cognito's shapes, the
// mapping of userpool.Error to {"__type", "message"} with its HTTP status,
// CORS for the public (browser-facing) operations only, the SigV4 check of
// the control plane (auth.go: Verifier, with the aws-sdk-go-v2 signer) and
// the local GET endpoints (a pool's JWKS, the outbox behind a bearer
// secret). Besides the replay cache of Verifier it holds no state and no
// business rule: each operation decodes, calls package userpool and
// renders.
//
// Imports within idp: userpool, store (record types to render).
package wire

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/caldera-srp/caldera/idp/internal/amzjson"
	"github.com/caldera-srp/caldera/idp/userpool"
)

const (
	amzTargetPrefix         = "AWSCognitoIdentityProviderService."
	OutboxPath              = "/_caldera/outbox"
	wellKnownJWKSPathSuffix = "/.well-known/jwks.json"
)

// Handler serves the API of one userpool.Service.
type Handler struct {
	Service *userpool.Service
	// Endpoint returns the base URL of a request, for token issuers.
	Endpoint func(r *http.Request) string
	// MaxBodyBytes bounds request bodies.
	MaxBodyBytes int64
	Logger       *slog.Logger
	// Rand draws request ids.
	Rand io.Reader
	// Admin checks the signatures of the operations that are not public
	// (IsPublic); nil accepts them unsigned (the insecure mode).
	Admin *Verifier
	// OutboxSecret is the bearer token GET /_caldera/outbox requires;
	// empty serves the outbox to anyone (the insecure mode).
	OutboxSecret string
}

// call is the context of one API request.
type call struct {
	endpoint string // base URL for token issuers
	op       string
	source   string // the address the request came from (RemoteAddr's host)
}

// endUserIP is the end user's address for the sign-in history: the one a
// request's UserContextData or ContextData names if it is an IP address,
// else the request's source.
func (c *call) endUserIP(named string) string {
	if a, err := netip.ParseAddr(named); err == nil {
		return a.String()
	}
	return c.source
}

type opHandler func(svc *userpool.Service, c *call, body []byte) (any, *userpool.Error)

// handle adapts a typed operation to an opHandler: it decodes the request
// body into a new I.
func handle[I any](f func(svc *userpool.Service, c *call, in *I) (any, *userpool.Error)) opHandler {
	return func(svc *userpool.Service, c *call, body []byte) (any, *userpool.Error) {
		in := new(I)
		if err := decodeJSON(body, in); err != nil {
			return nil, err
		}
		if err := checkMembers(c.op, body); err != nil {
			return nil, err
		}
		if ck, ok := any(in).(checker); ok {
			if err := ck.check(); err != nil {
				return nil, err
			}
		}
		return f(svc, c, in)
	}
}

func decodeJSON(body []byte, v any) *userpool.Error { return amzjson.Decode(body, v) }

// Operations returns the names of the API operations answered, for
// documentation and tests.
func Operations() []string {
	names := make([]string, 0, len(operations))
	for n := range operations {
		names = append(names, n)
	}
	return names
}

// ServeHTTP implements http.Handler: POST / with X-Amz-Target for the API,
// GET /<poolId>/.well-known/jwks.json for a pool's keys and
// GET /_caldera/outbox?username=&pool= for the local message outbox.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodOptions {
		if r.URL.Path == OutboxPath {
			// The outbox is for local tools, never for another origin: no
			// preflight answer, so a browser never sends the request.
			w.Header().Set("Allow", "GET")
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		// A preflight does not name the operation (X-Amz-Target is only
		// listed in Access-Control-Request-Headers), so it is answered for
		// all; the answer of a control-plane operation itself carries no
		// Access-Control-Allow-Origin, so a page can never read it.
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		w.Header().Set("Access-Control-Allow-Headers", "*")
		w.Header().Set("Access-Control-Expose-Headers", "x-amzn-RequestId, x-amzn-ErrorType")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	switch {
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, wellKnownJWKSPathSuffix):
		w.Header().Set("Access-Control-Allow-Origin", "*")
		h.serveJWKS(w, r)
		return
	case r.Method == http.MethodGet && r.URL.Path == OutboxPath:
		h.serveOutbox(w, r)
		return
	case r.Method != http.MethodPost:
		w.Header().Set("Allow", "POST")
		h.writeError(w, &userpool.Error{Type: "UnknownOperationException", Message: "Only POST is supported", Status: http.StatusMethodNotAllowed})
		return
	}
	start := time.Now()
	target := r.Header.Get("X-Amz-Target")
	opName, ok := strings.CutPrefix(target, amzTargetPrefix)
	op := operations[opName]
	public := ok && IsPublic(opName)
	if public {
		// Browser-facing operations are open to every origin, as Cognito's.
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Expose-Headers", "x-amzn-RequestId, x-amzn-ErrorType")
	}
	if !ok || op == nil {
		h.writeError(w, userpool.NewError("UnknownOperationException", "Unknown operation %q", target))
		return
	}
	body, rerr := amzjson.ReadBody(w, r, h.MaxBodyBytes)
	if rerr != nil {
		h.writeError(w, rerr)
		return
	}
	if !public && h.Admin != nil {
		if aerr := h.Admin.Verify(r, body); aerr != nil {
			h.Logger.Info("idp: request", "op", opName, "error", aerr.Type, "message", aerr.Message, "took", time.Since(start))
			h.writeError(w, aerr)
			return
		}
	}
	c := &call{endpoint: h.Endpoint(r), op: opName, source: userpool.SourceIP(r.RemoteAddr)}
	out, aerr := op(h.Service, c, body)
	if aerr != nil {
		h.Logger.Info("idp: request", "op", opName, "error", aerr.Type, "message", aerr.Message, "took", time.Since(start))
		h.writeError(w, aerr)
		return
	}
	h.Logger.Info("idp: request", "op", opName, "took", time.Since(start))
	amzjson.WriteResult(w, h.Rand, out)
}

// writeError answers a Cognito error: {"__type", "message"} with its
// status (400 when unset) and x-amzn-ErrorType.
func (h *Handler) writeError(w http.ResponseWriter, e *userpool.Error) {
	amzjson.WriteError(w, h.Rand, e)
}

func (h *Handler) serveJWKS(w http.ResponseWriter, r *http.Request) {
	poolID := strings.Trim(strings.TrimSuffix(r.URL.Path, wellKnownJWKSPathSuffix), "/")
	if _, err := h.Service.Pool(poolID); err != nil {
		h.writeError(w, &userpool.Error{Type: "ResourceNotFoundException", Message: "User pool " + poolID + " does not exist.", Status: http.StatusNotFound})
		return
	}
	set, err := h.Service.JWKS(poolID)
	if err != nil {
		h.writeError(w, err)
		return
	}
	b, _ := json.Marshal(set)
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// serveOutbox answers the outbox to the holder of the admin secret
// (Authorization: Bearer SECRET_ACCESS_KEY, compared in constant time), or
// to anyone when OutboxSecret is empty. It sends no CORS header.
func (h *Handler) serveOutbox(w http.ResponseWriter, r *http.Request) {
	if h.OutboxSecret != "" {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(tok), []byte(h.OutboxSecret)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="caldera outbox"`)
			h.writeError(w, &userpool.Error{Type: "NotAuthorizedException",
				Message: "The outbox requires Authorization: Bearer <admin secret access key>", Status: http.StatusUnauthorized})
			return
		}
	}
	q := r.URL.Query()
	msgs := h.Service.Outbox(q.Get("pool"), q.Get("username"))
	if msgs == nil {
		msgs = []userpool.Message{}
	}
	b, _ := json.Marshal(msgs)
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}
