package oauth

import (
	"bytes"
	"crypto/subtle"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/idp/userpool"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

var pages = template.Must(template.ParseFS(templateFS, "templates/*.html"))

// csp is the pages' Content-Security-Policy: nothing from elsewhere, no
// script at all, styles from this server, images from this server or
// inline data (the QR code), forms posted here only, no framing.
// The form-action of a sign-in page also names the client's redirect
// origin: browsers apply form-action to the redirect that follows a POST,
// and the last step redirects to the client.
const csp = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'%s; frame-ancestors 'none'; base-uri 'none'"

// cspFor returns the Content-Security-Policy of a page whose forms may end
// in a redirect to redirectURI ("" for none).
func cspFor(redirectURI string) string {
	extra := ""
	if u, err := url.Parse(redirectURI); err == nil && u.Scheme != "" && u.Host != "" && !strings.ContainsAny(u.Host, " ;'\"") {
		extra = " " + u.Scheme + "://" + u.Host
	}
	return fmt.Sprintf(csp, extra)
}

const (
	csrfCookie  = "caldera_csrf"
	loginCookie = "caldera_login"
)

// pageData is what a page template sees.
type pageData struct {
	Page      string // template name: login, code, newpassword, mfasetup, selectmfa, error
	Title     string
	Error     string
	Info      string
	Action    string // the form's URL (this page, with the authorization request)
	CSRF      string
	Base      string
	Username  string
	Challenge string
	CodeLabel string
	Secret    string       // MFA set-up: the TOTP secret, as text
	QR        template.URL // MFA set-up: the otpauth URI as a data: PNG
	Choices   []string
	SignupURL string
	ForgotURL string
	LoginURL  string

	redirectURI string // the client's, for the CSP's form-action
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// render writes a page with the headers every page carries.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, req Request, status int, d *pageData) {
	d.Base = strings.TrimSuffix(cookiePath(req), "/")
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, d.Page+".html", d); err != nil {
		h.log().Error("idp/oauth: template", "page", d.Page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", cspFor(d.redirectURI))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func serveStatic(w http.ResponseWriter, r *http.Request, name string) {
	b, err := staticFS.ReadFile(path.Join("static", path.Clean("/" + name)[1:]))
	if err != nil || name == "" {
		http.NotFound(w, r)
		return
	}
	if strings.HasSuffix(name, ".css") {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(b)
}

// cookiePath scopes the pages' cookies to the pool's base.
func cookiePath(req Request) string {
	u, err := url.Parse(req.Base)
	if err != nil || u.Path == "" {
		return "/"
	}
	return u.Path
}

func (h *Handler) setCookie(w http.ResponseWriter, r *http.Request, req Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: cookiePath(req), MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
	})
}

func (h *Handler) clearCookies(w http.ResponseWriter, req Request) {
	for _, n := range []string{csrfCookie, loginCookie} {
		http.SetCookie(w, &http.Cookie{Name: n, Value: "", Path: cookiePath(req), MaxAge: -1, HttpOnly: true})
	}
}

// csrfToken returns the request's CSRF token (its cookie), setting a new
// one when there is none.
func (h *Handler) csrfToken(w http.ResponseWriter, r *http.Request, req Request) (string, error) {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
		return c.Value, nil
	}
	t, err := h.newToken()
	if err != nil {
		return "", err
	}
	h.setCookie(w, r, req, csrfCookie, t, 0)
	return t, nil
}

// csrfOK checks a form's token against its cookie (double submit, in
// constant time).
func csrfOK(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	f := r.PostForm.Get("csrf")
	return err == nil && len(c.Value) >= 32 && subtle.ConstantTimeCompare([]byte(c.Value), []byte(f)) == 1
}

// login is a sign-in in progress at the pages, between challenges: the
// browser holds its id in a cookie.
type login struct {
	poolID    string
	clientID  string
	username  string // internal name (USER_ID_FOR_SRP)
	challenge string
	session   string
	secret    string // MFA_SETUP: the TOTP secret shown
	choices   []string
	sentTo    string             // an SMS or e-mail code: the masked destination
	tokens    *userpool.TokenSet // stepRememberDevice: the finished sign-in
	expires   time.Time
}

func (h *Handler) putLogin(l *login) (string, error) {
	id, err := h.newToken()
	if err != nil {
		return "", err
	}
	now := h.now()
	l.expires = now.Add(loginTTL)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.logins == nil {
		h.logins = map[string]*login{}
	}
	for k, x := range h.logins {
		if !now.Before(x.expires) {
			delete(h.logins, k)
		}
	}
	h.logins[id] = l
	return id, nil
}

// takeLogin removes and returns the sign-in of the request's cookie.
func (h *Handler) takeLogin(r *http.Request, poolID, clientID string) *login {
	c, err := r.Cookie(loginCookie)
	if err != nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	l := h.logins[c.Value]
	delete(h.logins, c.Value)
	if l == nil || !h.now().Before(l.expires) || l.poolID != poolID || l.clientID != clientID {
		return nil
	}
	return l
}

// page serves /login, /signup and /forgotPassword (GET: the form; POST: a
// step).
func (h *Handler) page(w http.ResponseWriter, r *http.Request, req Request) {
	ar, e := h.checkAuthRequest(req.PoolID, r.URL.Query())
	if e != nil {
		h.refuse(w, r, req, ar, e)
		return
	}
	csrf, err := h.csrfToken(w, r, req)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	base := strings.TrimSuffix(cookiePath(req), "/")
	qs := "?" + ar.query.Encode()
	d := &pageData{
		Page: "login", Title: "Sign in", Action: base + PathLogin + qs, CSRF: csrf,
		SignupURL: base + PathSignup + qs, ForgotURL: base + PathForgot + qs, LoginURL: base + PathLogin + qs,
		redirectURI: ar.redirectURI,
	}
	switch req.Path {
	case PathSignup:
		d.Page, d.Title, d.Action = "signup", "Create an account", d.SignupURL
	case PathForgot:
		d.Page, d.Title, d.Action = "forgot", "Reset your password", d.ForgotURL
	}
	switch r.Method {
	case http.MethodGet:
		h.render(w, r, req, http.StatusOK, d)
		return
	case http.MethodPost:
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if r.ParseForm() != nil || !csrfOK(r) {
		d.Error = "Your session has expired. Please try again."
		h.render(w, r, req, http.StatusForbidden, d)
		return
	}
	switch req.Path {
	case PathSignup:
		h.signup(w, r, req, ar, d)
		return
	case PathForgot:
		h.forgot(w, r, req, ar, d)
		return
	}
	auth := userpool.HostedAuth{ClientID: ar.client.ID, Endpoint: h.Endpoint(r), Scopes: ar.scopes, Nonce: ar.nonce, IPAddress: userpool.SourceIP(r.RemoteAddr)}
	dev := h.deviceCookie(r, req)
	if dev != nil {
		auth.DeviceKey = dev.Key
	}
	var res *userpool.AuthResult
	var uerr *userpool.Error
	var l *login
	if r.PostForm.Has("password") {
		d.Username = r.PostForm.Get("username")
		res, uerr = h.Service.HostedSignIn(auth, d.Username, r.PostForm.Get("password"))
	} else {
		if l = h.takeLogin(r, req.PoolID, ar.client.ID); l == nil {
			d.Error = "Your sign-in has expired. Please sign in again."
			h.render(w, r, req, http.StatusBadRequest, d)
			return
		}
		if l.challenge == stepRememberDevice {
			h.rememberDevice(w, r, req, ar, l)
			return
		}
		res, uerr = h.answer(auth, l, r)
	}
	// A remembered device answers its own challenges.
	if uerr == nil && dev != nil && res.ChallengeName == string(challenge.DeviceSRPAuth) {
		res, uerr = h.answerDevice(auth, dev, res)
	}
	if uerr != nil {
		d.Error = uerr.Message
		if l != nil && retryable(uerr) && h.Service.HostedSessionLive(l.session) {
			// The same step again (a wrong code has attempts left, a new
			// password was refused by the policy); a session whose
			// attempts are spent is over: the sign-in page again.
			if id, err := h.putLogin(l); err == nil {
				h.setCookie(w, r, req, loginCookie, id, int(loginTTL/time.Second))
				h.challengePage(d, l)
			}
		}
		h.render(w, r, req, http.StatusBadRequest, d)
		return
	}
	if ts := res.AuthenticationResult; ts != nil {
		if ts.NewDeviceMetadata != nil {
			// The pool tracks devices: offer to remember this browser.
			next := &login{poolID: req.PoolID, clientID: ar.client.ID, challenge: stepRememberDevice, tokens: ts}
			id, err := h.putLogin(next)
			if err != nil {
				http.Error(w, "internal error", http.StatusInternalServerError)
				return
			}
			h.setCookie(w, r, req, loginCookie, id, int(loginTTL/time.Second))
			d.Error = ""
			h.challengePage(d, next)
			h.render(w, r, req, http.StatusOK, d)
			return
		}
		h.setCookie(w, r, req, loginCookie, "", -1)
		h.complete(w, r, req, ar, ts)
		return
	}
	next := &login{poolID: req.PoolID, clientID: ar.client.ID, challenge: res.ChallengeName, session: res.Session,
		sentTo: res.ChallengeParameters["CODE_DELIVERY_DESTINATION"]}
	next.username = res.ChallengeParameters["USER_ID_FOR_SRP"] // for the QR code's label; "" elsewhere
	if next.username == "" && l != nil {
		next.username = l.username
	}
	switch challenge.Name(res.ChallengeName) {
	case challenge.MFASetup:
		secret, sess, err := h.Service.AssociateSoftwareToken("", res.Session)
		if err != nil {
			d.Error = err.Message
			h.render(w, r, req, http.StatusBadRequest, d)
			return
		}
		next.secret, next.session = secret, sess
	case challenge.SelectMFAType:
		next.choices = strings.Split(strings.Trim(res.ChallengeParameters["MFAS_CAN_CHOOSE"], `[]`), ",")
		for i, c := range next.choices {
			next.choices[i] = strings.Trim(c, `" `)
		}
	}
	id, err := h.putLogin(next)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h.setCookie(w, r, req, loginCookie, id, int(loginTTL/time.Second))
	d.Error = ""
	h.challengePage(d, next)
	h.render(w, r, req, http.StatusOK, d)
}

// signup is /signup: the account form (SignUp), then the confirmation code
// (ConfirmSignUp), then the sign-in form. The client's SECRET_HASH is
// computed here, so the API's own checks run unchanged.
func (h *Handler) signup(w http.ResponseWriter, r *http.Request, req Request, ar *authRequest, d *pageData) {
	f := r.PostForm
	d.Username = f.Get("username")
	hash := ""
	if ar.client.Secret != "" {
		hash = challenge.SecretHash(ar.client.Secret, d.Username, ar.client.ID)
	}
	if f.Has("code") {
		d.Page, d.Title, d.CodeLabel = "confirm", "Confirm your account", "Confirmation code"
		if err := h.Service.ConfirmSignUp(userpool.ConfirmSignUpInput{ClientID: ar.client.ID, SecretHash: hash, Username: d.Username, Code: strings.TrimSpace(f.Get("code"))}); err != nil {
			d.Error = err.Message
			h.render(w, r, req, http.StatusBadRequest, d)
			return
		}
		d.Page, d.Title, d.Action, d.Info = "login", "Sign in", d.LoginURL, "Your account is confirmed. You can sign in now."
		h.render(w, r, req, http.StatusOK, d)
		return
	}
	if f.Get("password") != f.Get("confirm_password") {
		d.Error = "The passwords do not match."
		h.render(w, r, req, http.StatusBadRequest, d)
		return
	}
	attrs := map[string]string{}
	if e := strings.TrimSpace(f.Get("email")); e != "" {
		attrs["email"] = e
	}
	_, cd, err := h.Service.SignUp(userpool.SignUpInput{ClientID: ar.client.ID, SecretHash: hash, Username: d.Username, Password: f.Get("password"), Attributes: attrs, IPAddress: userpool.SourceIP(r.RemoteAddr)})
	if err != nil {
		d.Error = err.Message
		h.render(w, r, req, http.StatusBadRequest, d)
		return
	}
	if cd == nil {
		// A pre sign-up trigger confirmed the user: no code to ask for.
		d.Page, d.Title, d.Action, d.Info = "login", "Sign in", d.LoginURL, "Your account is confirmed. You can sign in now."
		h.render(w, r, req, http.StatusOK, d)
		return
	}
	d.Page, d.Title, d.CodeLabel = "confirm", "Confirm your account", "Confirmation code"
	d.Info = "We sent a code to " + cd.Destination + "."
	h.render(w, r, req, http.StatusOK, d)
}

// forgot is /forgotPassword: the user name, then the code with a new
// password, then the sign-in form.
func (h *Handler) forgot(w http.ResponseWriter, r *http.Request, req Request, ar *authRequest, d *pageData) {
	f := r.PostForm
	d.Username = f.Get("username")
	if f.Has("code") {
		d.Page, d.Title, d.CodeLabel = "reset", "Choose a new password", "Code"
		if f.Get("new_password") != f.Get("confirm_password") {
			d.Error = "The passwords do not match."
			h.render(w, r, req, http.StatusBadRequest, d)
			return
		}
		if err := h.Service.HostedConfirmForgotPassword(ar.client.ID, d.Username, strings.TrimSpace(f.Get("code")), f.Get("new_password"), userpool.SourceIP(r.RemoteAddr)); err != nil {
			d.Error = err.Message
			h.render(w, r, req, http.StatusBadRequest, d)
			return
		}
		d.Page, d.Title, d.Action, d.Info = "login", "Sign in", d.LoginURL, "Your password is changed. You can sign in now."
		h.render(w, r, req, http.StatusOK, d)
		return
	}
	cd, err := h.Service.HostedForgotPassword(ar.client.ID, d.Username, userpool.SourceIP(r.RemoteAddr))
	if err != nil {
		d.Error = err.Message
		h.render(w, r, req, http.StatusBadRequest, d)
		return
	}
	d.Page, d.Title, d.CodeLabel = "reset", "Choose a new password", "Code"
	d.Info = "If the account exists, we sent a code to its " + strings.ReplaceAll(cd.AttributeName, "_", " ") + "."
	h.render(w, r, req, http.StatusOK, d)
}

// retryable: refusals after which the same challenge may be answered again.
func retryable(e *userpool.Error) bool {
	return e.Type == "CodeMismatchException" || e.Type == "InvalidPasswordException" || e.Type == "EnableSoftwareTokenMFAException"
}

// challengePage fills d for the page of l's challenge.
func (h *Handler) challengePage(d *pageData, l *login) {
	d.Challenge = l.challenge
	switch challenge.Name(l.challenge) {
	case challenge.NewPasswordRequired:
		d.Page, d.Title = "newpassword", "Change your password"
	case challenge.MFASetup:
		d.Page, d.Title, d.Secret = "mfasetup", "Set up an authenticator app", l.secret
		d.QR = qrDataURI("otpauth://totp/" + url.PathEscape(l.poolID+":"+l.username) + "?secret=" + l.secret + "&issuer=" + url.QueryEscape(l.poolID))
	case challenge.SelectMFAType:
		d.Page, d.Title, d.Choices = "selectmfa", "Choose how to verify", l.choices
	case stepRememberDevice:
		d.Page, d.Title = "device", "Remember this device?"
	case challenge.SoftwareTokenMFA:
		d.Page, d.Title, d.CodeLabel = "code", "Enter your authenticator code", "Code from your authenticator app"
	case challenge.SMSMFA, challenge.SMSOTP:
		d.Page, d.Title, d.CodeLabel = "code", "Enter the code we texted you", "Code sent by SMS"
	default:
		d.Page, d.Title, d.CodeLabel = "code", "Enter the code we e-mailed you", "Code sent by e-mail"
	}
	if l.sentTo != "" && d.Error == "" {
		d.Info = "We sent a code to " + l.sentTo + "."
	}
}

// answer sends the form of a challenge page to the sign-in.
func (h *Handler) answer(auth userpool.HostedAuth, l *login, r *http.Request) (*userpool.AuthResult, *userpool.Error) {
	f := r.PostForm
	resp := map[string]string{} // USERNAME: the session's user
	switch challenge.Name(l.challenge) {
	case challenge.NewPasswordRequired:
		if f.Get("new_password") != f.Get("confirm_password") {
			return nil, userpool.NewError("InvalidPasswordException", "The passwords do not match.")
		}
		resp["NEW_PASSWORD"] = f.Get("new_password")
	case challenge.MFASetup:
		sess, err := h.Service.VerifySoftwareToken("", l.session, strings.TrimSpace(f.Get("code")))
		if err != nil {
			return nil, err
		}
		l.session = sess
	case challenge.SelectMFAType:
		resp["ANSWER"] = f.Get("mfa")
	case challenge.SoftwareTokenMFA:
		resp["SOFTWARE_TOKEN_MFA_CODE"] = strings.TrimSpace(f.Get("code"))
	case challenge.SMSMFA:
		resp["SMS_MFA_CODE"] = strings.TrimSpace(f.Get("code"))
	case challenge.EmailOTP:
		resp["EMAIL_OTP_CODE"] = strings.TrimSpace(f.Get("code"))
	case challenge.SMSOTP:
		resp["SMS_OTP_CODE"] = strings.TrimSpace(f.Get("code"))
	default:
		return nil, userpool.NewError("InvalidParameterException", "This sign-in step is not offered by the hosted pages.")
	}
	return h.Service.HostedRespond(auth, l.challenge, l.session, resp)
}
