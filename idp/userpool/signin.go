package userpool

import (
	"cmp"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"time"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/idp/internal/rnd"
	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/idp/tokens"
	"github.com/caldera-srp/caldera/srp"
)

// InitiateAuthInput is InitiateAuth's (Admin: AdminInitiateAuth's)
// request. Params are the AuthParameters; a JSON null is absent.
type InitiateAuthInput struct {
	Flow     string
	Params   map[string]string
	ClientID string
	PoolID   string // AdminInitiateAuth's UserPoolId
	Metadata map[string]string
	Admin    bool
	// Endpoint is the base URL of the request: tokens' issuer is
	// Endpoint + "/" + pool id.
	Endpoint string
	// IPAddress is the end user's address for the sign-in history:
	// UserContextData's (ContextData's for the admin call), else the
	// request's source.
	IPAddress string
}

// RespondInput is RespondToAuthChallenge's (Admin: AdminRespondTo…)
// request. Responses are the ChallengeResponses.
type RespondInput struct {
	Challenge string
	Responses map[string]string
	ClientID  string
	PoolID    string
	Session   string
	Metadata  map[string]string
	Admin     bool
	Endpoint  string
	IPAddress string // as InitiateAuthInput's; the sign-in keeps its first
}

// AuthResult is the answer of a sign-in step: the next challenge with its
// Session, or the tokens.
type AuthResult struct {
	ChallengeName        string            `json:"ChallengeName,omitempty"`
	ChallengeParameters  map[string]string `json:"ChallengeParameters"`
	Session              string            `json:"Session,omitempty"`
	AuthenticationResult *TokenSet         `json:"AuthenticationResult,omitempty"`
	AvailableChallenges  []string          `json:"AvailableChallenges,omitempty"`
}

// TokenSet is Cognito's AuthenticationResultType.
type TokenSet struct {
	AccessToken       string             `json:"AccessToken"`
	IdToken           string             `json:"IdToken"`
	RefreshToken      string             `json:"RefreshToken,omitempty"`
	ExpiresIn         int64              `json:"ExpiresIn"`
	TokenType         string             `json:"TokenType"`
	NewDeviceMetadata *NewDeviceMetadata `json:"NewDeviceMetadata,omitempty"`
}

// NewDeviceMetadata is Cognito's NewDeviceMetadataType.
type NewDeviceMetadata struct {
	DeviceKey      string `json:"DeviceKey"`
	DeviceGroupKey string `json:"DeviceGroupKey"`
}

// outcome is what one sign-in step decided inside its transaction; the
// effects outside the store (registering the next session, sending a
// message, running a custom trigger, signing tokens) happen in finish,
// after the commit.
type outcome struct {
	res    *AuthResult
	next   *session // registered under res.Session
	retry  *session // put back (a wrong MFA code with attempts left)
	msg    *Message
	custom *session // run the custom-auth step
	mint   *mintPlan
	err    *Error
	// afterProof marks a refusal of a user whose proof was right (advance
	// refuses a disabled, unconfirmed or reset user only then, on a client
	// that hides users): the sign-in's event records the proof a success.
	afterProof bool
}

type mintPlan struct {
	endpoint string
	client   *store.Client
	user     *store.User
	origin   *store.Origin
	refresh  string
	device   *NewDeviceMetadata
	nonce    string            // hosted sign-in: the ID token's nonce
	source   string            // the pre token generation triggerSource
	metadata map[string]string // ClientMetadata, for the trigger
	eventID  string            // the sign-in's event, the tokens' event_id
}

// step runs fn in a write transaction and then finishes its outcome. fn
// returns an outcome with err set to refuse after committing what it
// wrote (a failure count), or an error to commit nothing. The sign-in's
// event (sess's) is stored in the same transaction.
func (s *Service) step(endpoint string, sess *session, fn func(tx store.Tx) (*outcome, error)) (*AuthResult, *Error) {
	var o *outcome
	if err := s.update(func(tx store.Tx) error {
		var err error
		if o, err = fn(tx); err != nil {
			return err
		}
		return s.putEvent(tx, sess, o)
	}); err != nil {
		return nil, err
	}
	return s.finish(endpoint, o)
}

func (s *Service) finish(endpoint string, o *outcome) (*AuthResult, *Error) {
	now := s.now()
	if o.retry != nil {
		s.sessions.put(o.retry, now)
	}
	if o.err != nil {
		return nil, o.err
	}
	if o.next != nil {
		s.sessions.put(o.next, now)
	}
	if o.msg != nil {
		s.send(*o.msg)
	}
	switch {
	case o.custom != nil:
		return s.customStep(endpoint, o.custom)
	case o.mint != nil:
		return s.mint(o.mint)
	}
	return o.res, nil
}

// checkSecretHash verifies SECRET_HASH (docs/protocol.md §5) for a client with a
// secret, against any of the given user names (the USERNAME of the request;
// for refresh, the internal name or the sub).
func checkSecretHash(cl *store.Client, got string, usernames ...string) *Error {
	if cl.Secret == "" {
		return nil
	}
	if got == "" {
		return apiErr("NotAuthorizedException", "Client %s is configured with secret but SECRET_HASH was not received", cl.ID)
	}
	ok := 0
	for _, u := range usernames {
		if u == "" {
			continue
		}
		want := challenge.SecretHash(cl.Secret, u, cl.ID)
		ok |= subtle.ConstantTimeCompare([]byte(got), []byte(want))
	}
	if ok != 1 {
		return apiErr("NotAuthorizedException", "Unable to verify secret hash for client %s", cl.ID)
	}
	return nil
}

var flowPermission = map[string]string{
	"USER_SRP_AUTH": "ALLOW_USER_SRP_AUTH", "USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH",
	"CUSTOM_AUTH": "ALLOW_CUSTOM_AUTH", "USER_AUTH": "ALLOW_USER_AUTH",
	"ADMIN_USER_PASSWORD_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
}

// InitiateAuth starts a sign-in (docs/protocol.md §3, §9) or refreshes
// tokens (REFRESH_TOKEN_AUTH).
func (s *Service) InitiateAuth(in InitiateAuthInput) (*AuthResult, *Error) {
	if in.Flow == "" {
		return nil, errParam("1 validation error detected: Value null at 'authFlow' failed to satisfy constraint: Member must not be null")
	}
	cl, err := s.Client(in.ClientID)
	if err != nil {
		return nil, err
	}
	if in.Admin && cl.PoolID != in.PoolID {
		return nil, errNotFound("User pool client %s does not exist.", in.ClientID)
	}
	p := in.Params
	flow := in.Flow
	switch flow {
	case "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN":
		return s.refreshAuth(in.Endpoint, cl, p)
	case "USER_SRP_AUTH", "USER_PASSWORD_AUTH", "CUSTOM_AUTH", "USER_AUTH":
	case "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH":
		if !in.Admin {
			return nil, errParam("Initiate Auth method not supported.")
		}
	default:
		return nil, errParam("1 validation error detected: Value '%s' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set", flow)
	}
	if !allows(cl, flowPermission[flow]) {
		return nil, errParam("%s flow not enabled for this client", flow)
	}
	name := p["USERNAME"]
	if name == "" {
		return nil, errParam("Missing required parameter USERNAME")
	}
	if err := checkSecretHash(cl, p["SECRET_HASH"], name); err != nil {
		return nil, err
	}
	// A client that hides users (PreventUserExistenceErrors ENABLED)
	// answers an unknown user with a challenge shaped as a real one, and
	// refuses a disabled or locked user only after the proof (advance and
	// the proof checks do); LEGACY refuses all three here.
	hide := hidesUsers(cl)
	var u *store.User
	if err := s.view(func(tx store.Tx) error {
		var err error
		if u, err = findUserIn(tx, cl.PoolID, name); err != nil {
			return err
		}
		switch {
		case u == nil && hide:
			return nil
		case u == nil:
			return errUserNotFound()
		}
		return s.admitUser(tx, cl, u)
	}); err != nil {
		return nil, err
	}
	sess := &session{
		poolID: cl.PoolID, clientID: cl.ID, admin: in.Admin, flow: flow,
		deviceKey: p["DEVICE_KEY"], metadata: in.Metadata,
	}
	if u == nil {
		return s.startUnknown(in.Endpoint, sess, cl, name, p)
	}
	sess.username, sess.sub = u.Username, u.Sub
	proof := ""
	if p["PASSWORD"] != "" && flow != "USER_SRP_AUTH" && flow != "CUSTOM_AUTH" {
		proof = proofPassword
	}
	s.beginEvent(sess, in.IPAddress, proof)
	return s.startKnown(in.Endpoint, sess, u, flow, p)
}

// startKnown starts the sign-in of a user that exists.
func (s *Service) startKnown(endpoint string, sess *session, u *store.User, flow string, p map[string]string) (*AuthResult, *Error) {
	switch flow {
	case "USER_SRP_AUTH":
		if p["SRP_A"] == "" {
			return nil, errParam("Missing required parameter SRP_A")
		}
		return s.startPasswordVerifier(sess, u, p["SRP_A"])
	case "USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH":
		if p["PASSWORD"] == "" {
			return nil, errParam("Missing required parameter PASSWORD")
		}
		return s.passwordAuth(endpoint, sess, u, p["PASSWORD"])
	case "CUSTOM_AUTH":
		return s.startCustom(endpoint, sess, u, p)
	default: // USER_AUTH
		return s.startUserAuth(endpoint, sess, u, p)
	}
}

// admitUser makes the checks of a sign-in's start, before any proof, on
// a user that exists: a client that hides users makes none (a disabled or
// locked user is refused only after the right proof, by passwordAuth and
// advance, so a wrong one tells nothing); others refuse a disabled or
// locked user at once.
func (s *Service) admitUser(tx store.Tx, cl *store.Client, u *store.User) error {
	if hidesUsers(cl) {
		return nil
	}
	if !u.Enabled {
		return apiErr("NotAuthorizedException", msgDisabled)
	}
	locked, err := s.locked(tx, u.PoolID, u.Username)
	if err == nil && locked {
		return errLocked()
	}
	return err
}

// validSRPA checks SRP_A as Cognito does at InitiateAuth: hex, and not
// 0 mod N (RFC 5054, Section 2.5.4). A is public.
func validSRPA(a string) bool {
	if len(a) > 1024 {
		return false
	}
	v, ok := new(big.Int).SetString(a, 16)
	if !ok || v.Sign() <= 0 {
		return false
	}
	n := new(big.Int).SetBytes(srp.Cognito().N())
	return new(big.Int).Mod(v, n).Sign() != 0
}

// startPasswordVerifier answers SRP_A with PASSWORD_VERIFIER: SALT and SRP_B
// from the stored verifier and a sealed SECRET_BLOCK (docs/protocol.md §3,
// §9). B is computed outside any lock or transaction.
func (s *Service) startPasswordVerifier(prev *session, u *store.User, srpA string) (*AuthResult, *Error) {
	if !validSRPA(srpA) {
		return nil, errParam("SRP_A is invalid")
	}
	v := &srp.Verifier{Salt: u.Salt, V: u.V}
	srv, err := srp.NewCognitoServer(v, s.cfg.Rand)
	if errors.Is(err, srp.ErrDegenerateVerifier) {
		// A verifier that any claim would match (v ≡ 0, 1, −1 mod N), from
		// a tampered or hand-made store: the user cannot sign in with it.
		s.log.Error("idp: degenerate password verifier refused", "pool", u.PoolID, "user", u.Username)
		return nil, errIncorrect()
	}
	if err != nil {
		return nil, errInternal(err)
	}
	sess, err := s.nextSession(prev, string(challenge.PasswordVerifier))
	if err != nil {
		return nil, errInternal(err)
	}
	sess.srpServer, sess.srpA = srv, srpA
	block, err := s.sealSecretBlock(sess)
	if err != nil {
		return nil, errInternal(err)
	}
	s.sessions.put(sess, s.now())
	return &AuthResult{
		ChallengeName: string(challenge.PasswordVerifier),
		ChallengeParameters: map[string]string{
			"SALT": v.SaltHex(), "SRP_B": srv.PublicHex(), "SECRET_BLOCK": block,
			"USERNAME": u.Username, "USER_ID_FOR_SRP": u.Username,
		},
		Session: sess.id,
	}, nil
}

// passwordAuth checks a password sent in clear (USER_PASSWORD_AUTH,
// ADMIN_USER_PASSWORD_AUTH, USER_AUTH PASSWORD) by recomputing the verifier
// from the stored salt (outside the transaction) and comparing in constant
// time.
func (s *Service) passwordAuth(endpoint string, sess *session, u *store.User, password string) (*AuthResult, *Error) {
	v, err := srp.PasswordVerifierFromSalt(u.Salt, srpPoolName(u.PoolID), u.Username, password)
	if err != nil {
		return nil, errInternal(err)
	}
	return s.step(endpoint, sess, func(tx store.Tx) (*outcome, error) {
		locked, err := s.locked(tx, u.PoolID, u.Username)
		if err != nil {
			return nil, err
		}
		if locked {
			return &outcome{err: errLocked()}, nil
		}
		if subtle.ConstantTimeCompare(v.V, u.V) != 1 {
			return &outcome{err: errIncorrect()}, s.recordFailure(tx, u.PoolID, u.Username)
		}
		if err := store.ClearFailures(tx, u.PoolID, u.Username); err != nil {
			return nil, err
		}
		sess.passwordDone = true
		return s.advance(tx, endpoint, sess)
	})
}

// Respond answers a challenge.
func (s *Service) Respond(in RespondInput) (*AuthResult, *Error) { return s.respond(in, false) }

// respond answers a challenge of an API sign-in, or (hosted) of a sign-in
// at the hosted pages, whose client is authenticated by the OAuth layer
// instead of SECRET_HASH.
func (s *Service) respond(in RespondInput, hosted bool) (*AuthResult, *Error) {
	if in.Challenge == "" {
		return nil, errParam("1 validation error detected: Value null at 'challengeName' failed to satisfy constraint: Member must not be null")
	}
	cl, err := s.Client(in.ClientID)
	if err != nil {
		return nil, err
	}
	if in.Admin && cl.PoolID != in.PoolID {
		return nil, errNotFound("User pool client %s does not exist.", in.ClientID)
	}
	r := in.Responses
	name := r["USERNAME"]
	if name == "" {
		return nil, errParam("Missing required parameter USERNAME")
	}
	if err := checkSecretHash(cl, r["SECRET_HASH"], name); err != nil && !hosted {
		return nil, err
	}
	sessionID := in.Session
	if sessionID == "" && (in.Challenge == string(challenge.PasswordVerifier) || in.Challenge == string(challenge.DevicePasswordVerifier)) {
		// Clients may omit Session here: the SECRET_BLOCK names it.
		if b, err := srp.DecodeSecretBlock(r["PASSWORD_CLAIM_SECRET_BLOCK"]); err == nil {
			sessionID, _, _ = s.openSecretBlock(b)
		}
	}
	sess := s.sessions.peek(sessionID, s.now())
	var u *store.User
	if sess != nil {
		if err := s.view(func(tx store.Tx) error {
			var err error
			u, err = findUserIn(tx, sess.poolID, name)
			return err
		}); err != nil {
			return nil, err
		}
	}
	switch {
	case sess == nil || sess.clientID != cl.ID || sess.admin != in.Admin || sess.hosted != hosted:
		return nil, errBadSession()
	case sess.expect != in.Challenge:
		return nil, errParam("Invalid challenge name %s for this session", in.Challenge)
	case sess.unknown && u == nil && name == sess.username:
		return s.answerUnknown(sess, in.Challenge, r)
	case u == nil || u.Username != sess.username || u.Sub != sess.sub:
		// A USERNAME that is not the session's user (or a user deleted
		// and created again under that name) is a failed proof.
		return nil, errIncorrect()
	case in.Metadata != nil:
		s.sessions.setMetadata(sess.id, in.Metadata)
	}
	sess.event.expect(proofOf(in.Challenge))
	return s.answer(in.Endpoint, in.Challenge, sess, u, r)
}

// answer dispatches a challenge answer whose session and user are checked.
func (s *Service) answer(e, name string, sess *session, u *store.User, r map[string]string) (*AuthResult, *Error) {
	switch challenge.Name(name) {
	case challenge.PasswordVerifier:
		return s.answerPasswordVerifier(e, sess, u, r)
	case challenge.DeviceSRPAuth:
		return s.answerDeviceSRPAuth(sess, u, r)
	case challenge.DevicePasswordVerifier:
		return s.answerDevicePasswordVerifier(e, sess, u, r)
	case challenge.NewPasswordRequired:
		return s.answerNewPassword(e, sess, u, r)
	case challenge.SMSMFA, challenge.SoftwareTokenMFA, challenge.EmailOTP, challenge.SMSOTP:
		return s.answerCode(e, sess, u, challenge.Name(name), r)
	case challenge.SelectMFAType:
		return s.answerSelectMFA(sess, u, r)
	case challenge.MFASetup:
		return s.answerMFASetup(e, sess, u, r)
	case challenge.CustomChallenge:
		return s.answerCustom(e, sess, u, r)
	case challenge.SelectChallenge:
		return s.answerSelectChallenge(e, sess, u, r)
	}
	return nil, errParam("Unsupported challenge %s", name)
}

// checkClaimInputs does the checks that do not consume the session:
// TIMESTAMP format, SECRET_BLOCK authenticity and binding to the session.
// It returns the canonical TIMESTAMP and the decoded SECRET_BLOCK.
func (s *Service) checkClaimInputs(sess *session, r map[string]string) (string, []byte, *Error) {
	canonical, err := challenge.CanonicalTimestamp(r["TIMESTAMP"])
	if err != nil {
		return "", nil, errParam(msgTimestamp)
	}
	block, err := srp.DecodeSecretBlock(r["PASSWORD_CLAIM_SECRET_BLOCK"])
	if err != nil {
		return "", nil, errIncorrect()
	}
	sid, bid, ok := s.openSecretBlock(block)
	if !ok || sid != sess.id || subtle.ConstantTimeCompare([]byte(bid), []byte(sess.blockID)) != 1 {
		s.log.Info("idp: SECRET_BLOCK refused", "pool", sess.poolID, "user", sess.username)
		return "", nil, errIncorrect()
	}
	if r["PASSWORD_CLAIM_SIGNATURE"] == "" {
		return "", nil, errParam("Missing required parameter PASSWORD_CLAIM_SIGNATURE")
	}
	return canonical, block, nil
}

// checkSkew refuses a TIMESTAMP too far from the server clock.
func (s *Service) checkSkew(canonical string) bool {
	t, err := challenge.ParseTimestamp(canonical)
	if err != nil {
		return false
	}
	d := s.now().Sub(t)
	return d <= s.cfg.TimestampSkew && d >= -s.cfg.TimestampSkew
}

// deviceOf finds a device of the user, or refuses with
// ResourceNotFoundException.
func deviceOf(tx store.Tx, u *store.User, key string) (*store.Device, error) {
	d, err := store.GetDevice(tx, key)
	if err != nil {
		return nil, err
	}
	if d == nil || d.PoolID != u.PoolID || d.Username != u.Username {
		return nil, errNotFound(msgDeviceNotExist)
	}
	return d, nil
}

func (s *Service) answerPasswordVerifier(endpoint string, sess *session, u *store.User, r map[string]string) (*AuthResult, *Error) {
	canonical, block, err := s.checkClaimInputs(sess, r)
	if err != nil {
		return nil, err
	}
	deviceKey := r["DEVICE_KEY"]
	// A forgotten device is refused before the SRP state is consumed: the
	// JS client then re-sends this same request with "DEVICE_KEY": null
	// (docs/protocol.md §9).
	var locked bool
	if err := s.view(func(tx store.Tx) error {
		if deviceKey != "" {
			if _, err := deviceOf(tx, u, deviceKey); err != nil {
				return err
			}
		}
		var err error
		locked, err = s.locked(tx, u.PoolID, u.Username)
		return err
	}); err != nil {
		return nil, err
	}
	taken := s.sessions.take(sess.id, s.now())
	if taken == nil {
		return nil, errBadSession()
	}
	if locked {
		return nil, errLocked()
	}
	verr := taken.srpServer.VerifyPasswordClaim(srp.VerifyClaimParams{
		PoolName: srpPoolName(u.PoolID), UserIDForSRP: u.Username, SRPA: taken.srpA,
		SecretBlock: block, Timestamp: canonical, Signature: r["PASSWORD_CLAIM_SIGNATURE"],
	})
	skewOK := s.checkSkew(canonical)
	return s.step(endpoint, taken, func(tx store.Tx) (*outcome, error) {
		// Again in the transaction that counts: answers sent in parallel
		// all passed the check above, and one right guess among them must
		// not get past a lockout the others brought about.
		if locked, err := s.locked(tx, u.PoolID, u.Username); err != nil {
			return nil, err
		} else if locked {
			return &outcome{err: errLocked()}, nil
		}
		if verr != nil || !skewOK {
			if verr == nil {
				s.log.Info("idp: TIMESTAMP outside the skew window", "pool", u.PoolID, "user", u.Username, "timestamp", canonical)
			} else if !errors.Is(verr, srp.ErrVerification) {
				s.log.Info("idp: claim refused", "pool", u.PoolID, "user", u.Username, "err", verr)
			}
			return &outcome{err: errIncorrect()}, s.recordFailure(tx, u.PoolID, u.Username)
		}
		if err := store.ClearFailures(tx, u.PoolID, u.Username); err != nil {
			return nil, err
		}
		if deviceKey != "" {
			taken.deviceKey = deviceKey
		}
		taken.passwordDone = true
		if taken.flow == "CUSTOM_AUTH" {
			taken.custom = append(taken.custom, ChallengeResult{ChallengeName: "PASSWORD_VERIFIER", ChallengeResult: true})
		}
		return s.advance(tx, endpoint, taken)
	})
}

// advance decides, inside the step's transaction, what follows a passed
// step: NEW_PASSWORD_REQUIRED, the custom challenge, device
// authentication, MFA, or tokens (whose device and origin records it
// writes in the same transaction).
func (s *Service) advance(tx store.Tx, endpoint string, sess *session) (*outcome, error) {
	u, err := store.GetUser(tx, sess.poolID, sess.username)
	if err != nil {
		return nil, err
	}
	p, err := store.GetPool(tx, sess.poolID)
	if err != nil {
		return nil, err
	}
	cl, err := store.GetClient(tx, sess.clientID)
	if err != nil {
		return nil, err
	}
	if u == nil || p == nil || cl == nil {
		return &outcome{err: errUserNotFound()}, nil
	}
	if u.Sub != sess.sub {
		// The user was deleted, and another created under the name, while
		// this sign-in was under way.
		return &outcome{err: errBadSession()}, nil
	}
	if !u.Enabled {
		return &outcome{err: apiErr("NotAuthorizedException", msgDisabled), afterProof: true}, nil
	}
	switch u.Status {
	case store.StatusUnconfirmed:
		return &outcome{err: apiErr("UserNotConfirmedException", "User is not confirmed."), afterProof: true}, nil
	case store.StatusResetRequired:
		return &outcome{err: apiErr("PasswordResetRequiredException", "Password reset required for the user"), afterProof: true}, nil
	case store.StatusForceChangePassword:
		if !sess.newPasswordDone && sess.passwordDone {
			return s.challengeNewPassword(sess, u)
		}
	}
	if sess.flow == "CUSTOM_AUTH" && !sess.customDone {
		// The trigger runs after the commit, outside the transaction.
		return &outcome{custom: sess}, nil
	}
	var dev *store.Device
	if sess.deviceKey != "" {
		if dev, err = store.GetDevice(tx, sess.deviceKey); err != nil {
			return nil, err
		}
	}
	if dev != nil && (dev.PoolID != u.PoolID || dev.Username != u.Username || !dev.Confirmed) {
		dev = nil
	}
	if dev != nil && !sess.deviceDone && (dev.Remembered || sess.mfaDone || !mfaRequired(p, u)) {
		return s.challenge(sess, string(challenge.DeviceSRPAuth), nil)
	}
	if !sess.mfaDone && !(sess.deviceDone && dev != nil && dev.Remembered) && mfaRequired(p, u) {
		return s.challengeMFA(sess, p, u)
	}
	if dev != nil && !sess.deviceDone {
		return s.challenge(sess, string(challenge.DeviceSRPAuth), nil)
	}
	return s.issueTokens(tx, endpoint, sess, cl, u, p, dev)
}

// issueTokens ends a sign-in: it writes the device (new, or its last
// authentication) and the origin with the refresh token's hash in the
// step's transaction; the tokens are signed after the commit.
func (s *Service) issueTokens(tx store.Tx, endpoint string, sess *session, cl *store.Client, u *store.User, p *store.Pool, dev *store.Device) (*outcome, error) {
	var meta *NewDeviceMetadata
	deviceKey := ""
	now := s.now()
	switch {
	case dev != nil && sess.deviceDone:
		deviceKey = dev.Key
		dev.LastAuthAt = now
		if err := store.PutDevice(tx, dev); err != nil {
			return nil, err
		}
	case p.Device != nil:
		id := s.newID()
		gk, err := rnd.String(s.cfg.Rand, 9, rnd.Alnum)
		if err != nil {
			return nil, err
		}
		d := &store.Device{
			PoolID: u.PoolID, Username: u.Username, Key: RegionOf(u.PoolID) + "_" + id, GroupKey: "-" + gk,
			CreatedAt: now, ModifiedAt: now, LastAuthAt: now,
		}
		if err := store.PutDevice(tx, d); err != nil {
			return nil, err
		}
		deviceKey = d.Key
		meta = &NewDeviceMetadata{DeviceKey: d.Key, DeviceGroupKey: d.GroupKey}
	}
	secret, err := s.randomBytes(32)
	if err != nil {
		return nil, err
	}
	ttl := cl.RefreshTTL
	if ttl <= 0 {
		ttl = defaultRefreshTokenTTL
	}
	o := &store.Origin{
		JTI: s.newID(), PoolID: u.PoolID, ClientID: cl.ID, Username: u.Username, Sub: u.Sub, DeviceKey: deviceKey,
		RefreshHash: tokens.RefreshHash(secret), AuthTime: now, IssuedAt: now, ExpiresAt: now.Add(ttl),
	}
	if sess.hosted {
		o.Scopes = sess.scopes
	}
	if err := store.PutOrigin(tx, o); err != nil {
		return nil, err
	}
	source := SourceTokenAuthentication
	switch {
	case sess.newPasswordDone:
		source = SourceTokenNewPassword
	case sess.deviceDone:
		source = SourceTokenDevice
	}
	return &outcome{mint: &mintPlan{
		endpoint: endpoint, client: cl, user: u, origin: o,
		refresh: tokens.EncodeRefresh(o.JTI, secret), device: meta, nonce: sess.nonce,
		source: source, metadata: sess.metadata, eventID: s.eventID(sess),
	}}, nil
}

// mint signs the ID and access tokens of a committed sign-in (RSA, outside
// every lock and transaction).
func (s *Service) mint(m *mintPlan) (*AuthResult, *Error) {
	ts, err := s.signTokens(m.endpoint, m.client, m.user, m.origin, m.nonce, m.source, m.eventID, m.metadata)
	if err != nil {
		return nil, err
	}
	ts.RefreshToken, ts.NewDeviceMetadata = m.refresh, m.device
	return &AuthResult{ChallengeParameters: map[string]string{}, AuthenticationResult: ts}, nil
}

// signTokens signs the ID and access tokens of a sign-in (origin o) with
// the user's groups, the origin's OAuth scopes and the hosted sign-in's
// nonce, after the pre token generation trigger (source is its
// triggerSource). eventID is the sign-in's event (empty: a new id).
func (s *Service) signTokens(endpoint string, cl *store.Client, u *store.User, o *store.Origin, nonce, source, eventID string, metadata map[string]string) (*TokenSet, *Error) {
	if endpoint == "" {
		// The issuer is never guessed from a request (idp.Options.Endpoint).
		return nil, errInternal(errors.New("no issuer: the server has no endpoint (set Options.Endpoint or Options.IssuerFromHost, or call Start)"))
	}
	accessTTL, idTTL := cl.AccessTTL, cl.IDTTL
	if accessTTL <= 0 {
		accessTTL = defaultAccessTokenTTL
	}
	if idTTL <= 0 {
		idTTL = defaultIDTokenTTL
	}
	is, ierr := s.issuerFor(u.PoolID)
	if ierr != nil {
		return nil, ierr
	}
	g := tokens.Grant{
		Issuer: endpoint + "/" + u.PoolID, ClientID: cl.ID, Username: u.Username, Sub: u.Sub, Attrs: readable(cl, u.Attrs),
		OriginJTI: o.JTI, DeviceKey: o.DeviceKey, AuthTime: o.AuthTime, Now: s.now(),
		AccessTTL: accessTTL, IDTTL: idTTL, EventID: cmp.Or(eventID, s.newID()), IDJTI: s.newID(), AccessJTI: s.newID(),
		Scope: strings.Join(o.Scopes, " "), Nonce: nonce,
	}
	if err := s.addGroupClaims(&g, u); err != nil {
		return nil, err
	}
	ch, err := s.preTokenGeneration(source, cl.ID, TriggerUser{PoolID: u.PoolID, ClientID: cl.ID, Username: u.Username, Attributes: u.Attrs},
		&g.Groups, &g.Roles, &g.PreferredRole, metadata)
	if err != nil {
		return nil, err
	}
	if ch != nil {
		g.IDClaims, g.AccessClaims, g.IDSuppress, g.AccessSuppress = ch.idAdd, ch.accessAdd, ch.idSuppress, ch.accessSuppress
		g.ScopeOverride = accessScope(g.Scope, ch.scopesAdd, ch.scopesSuppress)
	}
	pair, merr := is.Mint(g)
	if merr != nil {
		return nil, errInternal(merr)
	}
	return &TokenSet{AccessToken: pair.AccessToken, IdToken: pair.IDToken, ExpiresIn: int64(accessTTL / time.Second), TokenType: "Bearer"}, nil
}

// challenge returns a challenge outcome with a fresh session.
func (s *Service) challenge(prev *session, name string, params map[string]string) (*outcome, error) {
	sess, err := s.nextSession(prev, name)
	if err != nil {
		return nil, err
	}
	if params == nil {
		params = map[string]string{}
	}
	return &outcome{res: &AuthResult{ChallengeName: name, ChallengeParameters: params, Session: sess.id}, next: sess}, nil
}

func (s *Service) challengeNewPassword(prev *session, u *store.User) (*outcome, error) {
	attrs := map[string]string{}
	for k, v := range u.Attrs {
		if k != "sub" {
			attrs[k] = v
		}
	}
	ua, _ := json.Marshal(attrs)
	return s.challenge(prev, string(challenge.NewPasswordRequired), map[string]string{
		"USER_ID_FOR_SRP": u.Username, "userAttributes": string(ua), "requiredAttributes": "[]",
	})
}

// refreshAuth is REFRESH_TOKEN_AUTH: new ID and access tokens for a live
// refresh token of this client.
func (s *Service) refreshAuth(endpoint string, cl *store.Client, p map[string]string) (*AuthResult, *Error) {
	tok := p["REFRESH_TOKEN"]
	if tok == "" {
		return nil, errParam("Missing required parameter REFRESH_TOKEN")
	}
	if rotates(cl) {
		return nil, errParam("REFRESH_TOKEN_AUTH is not supported for a client with refresh token rotation enabled; use GetTokensFromRefreshToken.")
	}
	var o *store.Origin
	var u *store.User
	if err := s.view(func(tx store.Tx) error {
		var err error
		o, u, _, err = s.liveRefresh(tx, cl, tok)
		return err
	}); err != nil {
		return nil, err
	}
	if err := checkSecretHash(cl, p["SECRET_HASH"], p["USERNAME"], u.Username, u.Sub); err != nil {
		return nil, err
	}
	ts, err := s.signTokens(endpoint, cl, u, o, "", SourceTokenRefresh, "", nil)
	if err != nil {
		return nil, err
	}
	return &AuthResult{ChallengeParameters: map[string]string{}, AuthenticationResult: ts}, nil
}

// refreshOrigin finds the live origin of a refresh token (the secret's
// hash compared in constant time): its current token, or the one rotation
// replaced while its grace period lasts.
// liveRefresh finds the sign-in of a refresh token of client cl, and its
// user, for the three refreshes (REFRESH_TOKEN_AUTH,
// GetTokensFromRefreshToken, the OAuth token endpoint): the token must be
// live (prev: a rotated-out one within its grace period) and the client's,
// and its user the one who signed in (the same sub) and enabled.
func (s *Service) liveRefresh(tx store.Tx, cl *store.Client, token string) (o *store.Origin, u *store.User, prev bool, err error) {
	if o, prev, err = s.refreshOriginPrev(tx, token); err != nil {
		return nil, nil, false, err
	}
	if o == nil || o.ClientID != cl.ID {
		return nil, nil, false, apiErr("NotAuthorizedException", msgBadRefresh)
	}
	if u, err = store.GetUser(tx, o.PoolID, o.Username); err != nil {
		return nil, nil, false, err
	}
	if u == nil || (o.Sub != "" && o.Sub != u.Sub) {
		// A sign-in belongs to the user's sub: a later user of the same
		// name is another user (idp/doc.go, "Users deleted and created
		// again").
		return nil, nil, false, apiErr("NotAuthorizedException", msgBadRefresh)
	}
	if !u.Enabled {
		return nil, nil, false, apiErr("NotAuthorizedException", msgDisabled)
	}
	return o, u, prev, nil
}

func (s *Service) refreshOrigin(tx store.Tx, token string) (*store.Origin, error) {
	o, _, err := s.refreshOriginPrev(tx, token)
	return o, err
}

// refreshOriginPrev is refreshOrigin that also reports whether the token
// was one that rotation replaced (still in its grace period).
func (s *Service) refreshOriginPrev(tx store.Tx, token string) (*store.Origin, bool, error) {
	jti, secret, ok := tokens.ParseRefresh(token)
	if !ok || jti == "" {
		return nil, false, nil
	}
	o, err := store.GetOrigin(tx, jti)
	if err != nil || o == nil {
		return nil, false, err
	}
	now := s.now()
	if o.Revoked || !now.Before(o.ExpiresAt) {
		return nil, false, nil
	}
	if tokens.RefreshMatches(secret, o.RefreshHash) {
		return o, false, nil
	}
	for _, r := range o.Retired {
		if now.Before(r.Until) && tokens.RefreshMatches(secret, r.Hash) {
			return o, true, nil
		}
	}
	return nil, false, nil
}

// answerNewPassword sets the new password of a FORCE_CHANGE_PASSWORD user.
func (s *Service) answerNewPassword(endpoint string, sess *session, u *store.User, r map[string]string) (*AuthResult, *Error) {
	pw := r["NEW_PASSWORD"]
	if pw == "" {
		return nil, errParam("Missing required parameter NEW_PASSWORD")
	}
	p, err := s.Pool(u.PoolID)
	if err != nil {
		return nil, err
	}
	attrs := map[string]string{}
	for k, val := range r {
		if name, ok := strings.CutPrefix(k, "userAttributes."); ok {
			attrs[name] = val
		}
	}
	cl, err := s.Client(sess.clientID)
	if err != nil {
		return nil, err
	}
	if err := checkAttributes(p, cl, attrs, byUser); err != nil {
		return nil, err
	}
	if err := checkPassword(p.PasswordPolicy, pw); err != nil {
		return nil, err
	}
	v, err := s.passwordVerifier(u.PoolID, u.Username, pw)
	if err != nil {
		return nil, err
	}
	taken := s.sessions.take(sess.id, s.now())
	if taken == nil {
		return nil, errBadSession()
	}
	return s.step(endpoint, taken, func(tx store.Tx) (*outcome, error) {
		cur, err := store.GetUser(tx, u.PoolID, u.Username)
		if err != nil {
			return nil, err
		}
		if cur == nil {
			return &outcome{err: errUserNotFound()}, nil
		}
		err = s.editUser(tx, cur, func(nu *store.User) {
			nu.Salt, nu.V, nu.Status = v.Salt, v.V, store.StatusConfirmed
			changeAttributes(nu, attrs)
		})
		if err != nil {
			return nil, err
		}
		taken.newPasswordDone = true
		return s.advance(tx, endpoint, taken)
	})
}
