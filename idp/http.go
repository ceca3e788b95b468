package idp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// call is the context of one API request.
type call struct {
	endpoint string // base URL for token issuers
	op       string
}

type opHandler func(s *Server, c *call, body []byte) (any, *Error)

// handle adapts a typed operation to an opHandler: it decodes the request
// body into a new I.
func handle[I any](f func(s *Server, c *call, in *I) (any, *Error)) opHandler {
	return func(s *Server, c *call, body []byte) (any, *Error) {
		in := new(I)
		if err := decodeJSON(body, in); err != nil {
			return nil, err
		}
		return f(s, c, in)
	}
}

func decodeJSON(body []byte, v any) *Error {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return apiErr("SerializationException", "Unexpected value type for field %s", te.Field)
		}
		return apiErr("SerializationException", "Malformed request body: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return apiErr("SerializationException", "Malformed request body: trailing data")
	}
	return nil
}

// operations is the read-only dispatch table of X-Amz-Target names.
var operations = map[string]opHandler{
	"CreateUserPool":              handle(opCreateUserPool),
	"DescribeUserPool":            handle(opDescribeUserPool),
	"CreateUserPoolClient":        handle(opCreateUserPoolClient),
	"DescribeUserPoolClient":      handle(opDescribeUserPoolClient),
	"SetUserPoolMfaConfig":        handle(opSetUserPoolMfaConfig),
	"GetUserPoolMfaConfig":        handle(opGetUserPoolMfaConfig),
	"AdminCreateUser":             handle(opAdminCreateUser),
	"AdminGetUser":                handle(opAdminGetUser),
	"AdminDeleteUser":             handle(opAdminDeleteUser),
	"AdminSetUserPassword":        handle(opAdminSetUserPassword),
	"AdminConfirmSignUp":          handle(opAdminConfirmSignUp),
	"AdminUpdateUserAttributes":   handle(opAdminUpdateUserAttributes),
	"SignUp":                      handle(opSignUp),
	"ConfirmSignUp":               handle(opConfirmSignUp),
	"InitiateAuth":                handle(opInitiateAuth),
	"AdminInitiateAuth":           handle(opAdminInitiateAuth),
	"RespondToAuthChallenge":      handle(opRespondToAuthChallenge),
	"AdminRespondToAuthChallenge": handle(opAdminRespondToAuthChallenge),
	"AssociateSoftwareToken":      handle(opAssociateSoftwareToken),
	"VerifySoftwareToken":         handle(opVerifySoftwareToken),
	"SetUserMFAPreference":        handle(opSetUserMFAPreference),
	"AdminSetUserMFAPreference":   handle(opAdminSetUserMFAPreference),
	"ConfirmDevice":               handle(opConfirmDevice),
	"UpdateDeviceStatus":          handle(opUpdateDeviceStatus),
	"ForgetDevice":                handle(opForgetDevice),
	"AdminForgetDevice":           handle(opAdminForgetDevice),
	"ListDevices":                 handle(opListDevices),
	"GetUser":                     handle(opGetUser),
	"GlobalSignOut":               handle(opGlobalSignOut),
	"RevokeToken":                 handle(opRevokeToken),
}

// Operations returns the names of the API operations the server answers,
// for documentation and tests.
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
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if r.Method == http.MethodOptions {
		w.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		w.Header().Set("Access-Control-Allow-Headers", "*")
		w.Header().Set("Access-Control-Expose-Headers", "x-amzn-RequestId, x-amzn-ErrorType")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	switch {
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, wellKnownJWKSPathSuffix):
		s.serveJWKS(w, r)
		return
	case r.Method == http.MethodGet && r.URL.Path == outboxPath:
		s.serveOutbox(w, r)
		return
	case r.Method != http.MethodPost:
		w.Header().Set("Allow", "POST")
		s.writeError(w, &Error{Type: "UnknownOperationException", Message: "Only POST is supported", Status: http.StatusMethodNotAllowed})
		return
	}
	start := s.now()
	target := r.Header.Get("X-Amz-Target")
	opName, ok := strings.CutPrefix(target, amzTargetPrefix)
	h := operations[opName]
	if !ok || h == nil {
		s.writeError(w, apiErr("UnknownOperationException", "Unknown operation %q", target))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.writeError(w, &Error{Type: "SerializationException", Message: fmt.Sprintf("Request body larger than %d bytes", s.opts.MaxBodyBytes), Status: http.StatusRequestEntityTooLarge})
			return
		}
		s.writeError(w, apiErr("SerializationException", "Could not read request body"))
		return
	}
	c := &call{endpoint: s.requestEndpoint(r), op: opName}
	out, aerr := h(s, c, body)
	if aerr != nil {
		s.log.Info("idp: request", "op", opName, "error", aerr.Type, "message", aerr.Message, "took", time.Since(start))
		s.writeError(w, aerr)
		return
	}
	if out == nil {
		out = struct{}{}
	}
	b, err := json.Marshal(out)
	if err != nil {
		s.writeError(w, errInternal(err))
		return
	}
	s.log.Info("idp: request", "op", opName, "took", time.Since(start))
	w.Header().Set("Content-Type", contentTypeAmzJSON)
	w.Header().Set("x-amzn-RequestId", s.newID())
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

func (s *Server) requestEndpoint(r *http.Request) string {
	if e := s.Endpoint(); e != "" {
		return e
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) writeError(w http.ResponseWriter, e *Error) {
	st := e.Status
	if st == 0 {
		st = http.StatusBadRequest
	}
	b, _ := json.Marshal(map[string]string{"__type": e.Type, "message": e.Message})
	w.Header().Set("Content-Type", contentTypeAmzJSON)
	w.Header().Set("x-amzn-ErrorType", e.Type)
	w.Header().Set("x-amzn-RequestId", s.newID())
	w.WriteHeader(st)
	w.Write(b)
}

func (s *Server) serveJWKS(w http.ResponseWriter, r *http.Request) {
	poolID := strings.Trim(strings.TrimSuffix(r.URL.Path, wellKnownJWKSPathSuffix), "/")
	s.mu.Lock()
	_, ok := s.pools[poolID]
	s.mu.Unlock()
	if !ok {
		s.writeError(w, &Error{Type: "ResourceNotFoundException", Message: "User pool " + poolID + " does not exist.", Status: http.StatusNotFound})
		return
	}
	b, _ := json.Marshal(s.JWKS())
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

func (s *Server) serveOutbox(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	msgs := s.Outbox(q.Get("pool"), q.Get("username"))
	if msgs == nil {
		msgs = []Message{}
	}
	b, _ := json.Marshal(msgs)
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}
