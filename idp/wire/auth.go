package wire

import (
	"container/heap"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/caldera-srp/caldera/idp/internal/rnd"
	"github.com/caldera-srp/caldera/idp/userpool"
)

// SigningService is the service name of Cognito's SigV4 credential scope.
const SigningService = "cognito-idp"

// DefaultSignatureSkew is how far a request's X-Amz-Date may be from the
// server clock, as AWS allows (AWS General Reference, "Signature Version 4
// signing process": a signature is valid for 5 minutes).
const DefaultSignatureSkew = 5 * time.Minute

// publicOperations are the operations Cognito answers without IAM
// authorisation: the unauthenticated ones (sign-up, sign-in, password
// recovery) and those authorised by an access token or a session. They are
// the operations botocore's model marks "authtype": "none"
// (data/cognito-idp/2016-04-18/service-2.json). Every other operation,
// including any added to the table later, requires a SigV4 signature.
var publicOperations = map[string]bool{
	"AssociateSoftwareToken": true, "ChangePassword": true, "CompleteWebAuthnRegistration": true,
	"ConfirmDevice": true, "ConfirmForgotPassword": true, "ConfirmSignUp": true, "DeleteUser": true,
	"DeleteUserAttributes": true, "DeleteWebAuthnCredential": true, "ForgetDevice": true,
	"ForgotPassword": true, "GetDevice": true, "GetTokensFromRefreshToken": true, "GetUser": true,
	"GetUserAttributeVerificationCode": true, "GetUserAuthFactors": true, "GlobalSignOut": true,
	"InitiateAuth": true, "ListDevices": true, "ListWebAuthnCredentials": true,
	"ResendConfirmationCode": true, "RespondToAuthChallenge": true, "RevokeToken": true,
	"SetUserMFAPreference": true, "SetUserSettings": true, "SignUp": true,
	"StartWebAuthnRegistration": true, "UpdateAuthEventFeedback": true, "UpdateDeviceStatus": true,
	"UpdateUserAttributes": true, "VerifySoftwareToken": true, "VerifyUserAttribute": true,
}

// IsPublic reports whether an operation is answered without a request
// signature (see publicOperations).
func IsPublic(op string) bool { return publicOperations[op] }

// Credentials are the IAM-style access key of the control plane.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
}

// AWS returns the key as aws-sdk-go-v2 credentials.
func (c Credentials) AWS() aws.Credentials {
	return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, Source: "caldera"}
}

// Provider returns a static aws.CredentialsProvider of the key, for an
// aws-sdk-go-v2 client's Credentials.
func (c Credentials) Provider() aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return c.AWS(), nil })
}

// NewCredentials draws a random key pair: an access key id of the AWS shape
// (AKIA + 16 characters) and a 40-character secret.
func NewCredentials(r io.Reader) (Credentials, error) {
	const upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	const secretChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b, err := rnd.Bytes(r, 16+40)
	if err != nil {
		return Credentials{}, err
	}
	id := make([]byte, 16)
	for i := range id {
		id[i] = upper[b[i]&31]
	}
	sec := make([]byte, 40)
	for i := range sec {
		sec[i] = secretChars[b[16+i]&63]
	}
	return Credentials{AccessKeyID: "AKIA" + string(id), SecretAccessKey: string(sec)}, nil
}

// SignRequest signs r (whose body is body) with SigV4 for service
// cognito-idp in region at time t, using the aws-sdk-go-v2 signer, after
// adding a random amz-sdk-invocation-id header as the AWS SDKs do (so two
// identical calls in one second carry different signatures). It is for
// tests and tools; SDK clients sign by themselves.
func (c Credentials) SignRequest(r *http.Request, body []byte, region string, t time.Time) error {
	r.Header.Set("Amz-Sdk-Invocation-Id", rnd.ID(rand.Reader))
	sum := sha256.Sum256(body)
	return v4.NewSigner().SignHTTP(r.Context(), c.AWS(), r, hex.EncodeToString(sum[:]), SigningService, region, t)
}

// Verifier checks the SigV4 signatures of control-plane requests: one key,
// a clock skew window and a replay cache of the signatures seen within it.
type Verifier struct {
	creds Credentials
	clock func() time.Time
	skew  time.Duration
	// AllowReplay accepts a signature seen before (AWS's own rule: only
	// the time window limits a signature; idp.Options sets it unless
	// RefuseSignatureReplay). botocore (the AWS CLI, boto3) signs no
	// per-call id, so two identical calls within one second carry the same
	// signature; without AllowReplay the second is refused.
	AllowReplay bool
	// Service is the service name the credential scope must name
	// (SigningService when empty; the identity-pool API's is
	// cognito-identity).
	Service string

	mu     sync.Mutex
	seen   map[string]time.Time // signature → when it leaves the window
	expiry expiryHeap
}

// NewVerifier returns a Verifier of creds; skew ≤ 0 means
// DefaultSignatureSkew, a nil clock time.Now.
func NewVerifier(creds Credentials, clock func() time.Time, skew time.Duration) *Verifier {
	if clock == nil {
		clock = time.Now
	}
	if skew <= 0 {
		skew = DefaultSignatureSkew
	}
	return &Verifier{creds: creds, clock: clock, skew: skew, seen: map[string]time.Time{}}
}

const (
	sigAlgorithm = "AWS4-HMAC-SHA256"
	amzDateFmt   = "20060102T150405Z"
	msgMissing   = "Request is missing Authentication Token"
	msgBadKey    = "The security token included in the request is invalid."
	msgBadSig    = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgReplayed  = "Signature has already been used"
)

func authError(typ, msg string, status int) *userpool.Error {
	return &userpool.Error{Type: typ, Message: msg, Status: status}
}

// authHeader is a parsed SigV4 Authorization header.
type authHeader struct {
	keyID, date, region, service string
	signedHeaders                string
	signature                    string
}

func parseAuthorization(v string) (*authHeader, *userpool.Error) {
	rest, ok := strings.CutPrefix(v, sigAlgorithm+" ")
	if !ok {
		return nil, authError("IncompleteSignatureException", "Authorization header requires the "+sigAlgorithm+" algorithm.", http.StatusBadRequest)
	}
	var a authHeader
	var cred string
	for part := range strings.SplitSeq(rest, ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			cred = val
		case "SignedHeaders":
			a.signedHeaders = val
		case "Signature":
			a.signature = val
		}
	}
	scope := strings.Split(cred, "/")
	if len(scope) != 5 || a.signedHeaders == "" || a.signature == "" || scope[4] != "aws4_request" {
		return nil, authError("IncompleteSignatureException", "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.", http.StatusBadRequest)
	}
	a.keyID, a.date, a.region, a.service = scope[0], scope[1], scope[2], scope[3]
	return &a, nil
}

// Verify checks the SigV4 signature of r, whose body is body (AWS General
// Reference, "Signature Version 4"): the Authorization header names the
// configured access key and a cognito-idp scope, X-Amz-Date is within the
// skew window of the clock, the signature recomputed by the aws-sdk-go-v2
// signer over the received method, path, query, signed headers and body
// equals the one sent (compared with crypto/subtle), and it has not been
// accepted before. Errors are AWS's: MissingAuthenticationTokenException,
// IncompleteSignatureException, UnrecognizedClientException,
// InvalidSignatureException.
func (v *Verifier) Verify(r *http.Request, body []byte) *userpool.Error {
	av := r.Header.Get("Authorization")
	if av == "" {
		return authError("MissingAuthenticationTokenException", msgMissing, http.StatusBadRequest)
	}
	a, err := parseAuthorization(av)
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare([]byte(a.keyID), []byte(v.creds.AccessKeyID)) != 1 {
		return authError("UnrecognizedClientException", msgBadKey, http.StatusBadRequest)
	}
	service := v.Service
	if service == "" {
		service = SigningService
	}
	if a.service != service || a.region == "" {
		return authError("InvalidSignatureException", "Credential should be scoped to correct service: '"+service+"'.", http.StatusBadRequest)
	}
	amzDate := r.Header.Get("X-Amz-Date")
	t, perr := time.Parse(amzDateFmt, amzDate)
	if perr != nil || !strings.HasPrefix(amzDate, a.date) {
		return authError("IncompleteSignatureException", "Authorization header requires existence of a valid 'X-Amz-Date' header matching the credential scope.", http.StatusBadRequest)
	}
	now := v.clock().UTC()
	window := strconv.FormatFloat(v.skew.Minutes(), 'f', -1, 64) + " min." // AWS's wording: "5 min."
	if t.Before(now.Add(-v.skew)) {
		return authError("InvalidSignatureException", "Signature expired: "+amzDate+" is now earlier than "+
			now.Add(-v.skew).Format(amzDateFmt)+" ("+now.Format(amzDateFmt)+" - "+window+")", http.StatusBadRequest)
	}
	if t.After(now.Add(v.skew)) {
		return authError("InvalidSignatureException", "Signature not yet current: "+amzDate+" is still later than "+
			now.Add(v.skew).Format(amzDateFmt)+" ("+now.Format(amzDateFmt)+" + "+window+")", http.StatusBadRequest)
	}
	got, gotHeaders, serr := v.recompute(r, body, a, t)
	if serr != nil || gotHeaders != a.signedHeaders ||
		subtle.ConstantTimeCompare([]byte(got), []byte(a.signature)) != 1 {
		return authError("InvalidSignatureException", msgBadSig, http.StatusBadRequest)
	}
	if !v.AllowReplay && !v.remember(a.signature, t.Add(v.skew), now) {
		return authError("InvalidSignatureException", msgReplayed, http.StatusBadRequest)
	}
	return nil
}

// recompute signs a copy of r holding only the headers the client signed
// and returns the signature and the signed-header list the signer made.
func (v *Verifier) recompute(r *http.Request, body []byte, a *authHeader, t time.Time) (sig, signedHeaders string, err error) {
	u := &url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	c, err := http.NewRequestWithContext(r.Context(), r.Method, u.String(), nil)
	if err != nil {
		return "", "", err
	}
	c.Host = r.Host
	for name := range strings.SplitSeq(a.signedHeaders, ";") {
		switch name {
		case "host":
		case "content-length":
			c.ContentLength = int64(len(body))
		default:
			if vals, ok := r.Header[http.CanonicalHeaderKey(name)]; ok {
				c.Header[http.CanonicalHeaderKey(name)] = vals
			}
		}
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(r.Context(), v.creds.AWS(), c, hex.EncodeToString(sum[:]), a.service, a.region, t); err != nil {
		return "", "", err
	}
	h, perr := parseAuthorization(c.Header.Get("Authorization"))
	if perr != nil {
		return "", "", perr
	}
	return h.signature, h.signedHeaders, nil
}

// remember records an accepted signature until it leaves the skew window
// and reports whether it was new. Expired entries are dropped from the
// front of a min-heap: O(log n) each, never a scan of the table.
func (v *Verifier) remember(sig string, until, now time.Time) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	for len(v.expiry) > 0 && !now.Before(v.expiry[0].at) {
		e := heap.Pop(&v.expiry).(expiryEntry)
		if at, ok := v.seen[e.key]; ok && !now.Before(at) {
			delete(v.seen, e.key)
		}
	}
	if _, dup := v.seen[sig]; dup {
		return false
	}
	v.seen[sig] = until
	heap.Push(&v.expiry, expiryEntry{key: sig, at: until})
	return true
}

type expiryEntry struct {
	key string
	at  time.Time
}

// expiryHeap is a min-heap of entries by time (container/heap).
type expiryHeap []expiryEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiryEntry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
