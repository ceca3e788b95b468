package idp

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"math/big"
	"slices"
	"strings"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/srp"
)

// params is AuthParameters or ChallengeResponses. A JSON null value is
// treated as absent (docs/protocol.md §9: the JS client re-sends
// "DEVICE_KEY": null).
type params map[string]*string

func (p params) get(k string) string {
	if v := p[k]; v != nil {
		return *v
	}
	return ""
}

type initiateAuthIn struct {
	AuthFlow       string
	AuthParameters params
	ClientId       string
	UserPoolId     string
	ClientMetadata map[string]string
}

type respondIn struct {
	ChallengeName      string
	ChallengeResponses params
	ClientId           string
	UserPoolId         string
	Session            string
	ClientMetadata     map[string]string
}

// authOut is InitiateAuth's and RespondToAuthChallenge's answer.
type authOut struct {
	ChallengeName        string            `json:"ChallengeName,omitempty"`
	ChallengeParameters  map[string]string `json:"ChallengeParameters"`
	Session              string            `json:"Session,omitempty"`
	AuthenticationResult *tokenSet         `json:"AuthenticationResult,omitempty"`
	AvailableChallenges  []string          `json:"AvailableChallenges,omitempty"`
}

func opInitiateAuth(s *Server, c *call, in *initiateAuthIn) (any, *Error) {
	return s.initiateAuth(c, in, false)
}

func opAdminInitiateAuth(s *Server, c *call, in *initiateAuthIn) (any, *Error) {
	return s.initiateAuth(c, in, true)
}

func opRespondToAuthChallenge(s *Server, c *call, in *respondIn) (any, *Error) {
	return s.respond(c, in, false)
}

func opAdminRespondToAuthChallenge(s *Server, c *call, in *respondIn) (any, *Error) {
	return s.respond(c, in, true)
}

// clientFor looks up an app client.
func (s *Server) clientFor(id string) (*clientRecord, *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cl := s.clients[id]
	if cl == nil {
		if id == "" {
			return nil, errParam("1 validation error detected: Value null at 'clientId' failed to satisfy constraint: Member must not be null")
		}
		return nil, errNotFound("User pool client %s does not exist.", id)
	}
	return cl, nil
}

// checkSecretHash verifies SECRET_HASH (docs/protocol.md §5) for a client with a
// secret, against any of the given user names (the USERNAME of the request;
// for refresh, the internal name or the sub).
func checkSecretHash(cl *clientRecord, got string, usernames ...string) *Error {
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

func (s *Server) initiateAuth(c *call, in *initiateAuthIn, admin bool) (any, *Error) {
	if in.AuthFlow == "" {
		return nil, errParam("1 validation error detected: Value null at 'authFlow' failed to satisfy constraint: Member must not be null")
	}
	cl, err := s.clientFor(in.ClientId)
	if err != nil {
		return nil, err
	}
	if admin && cl.PoolID != in.UserPoolId {
		return nil, errNotFound("User pool client %s does not exist.", in.ClientId)
	}
	p := in.AuthParameters
	flow := in.AuthFlow
	switch flow {
	case "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN":
		return s.refreshAuth(c, cl, p)
	case "USER_SRP_AUTH", "USER_PASSWORD_AUTH", "CUSTOM_AUTH", "USER_AUTH":
	case "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH":
		if !admin {
			return nil, errParam("Initiate Auth method not supported.")
		}
	default:
		return nil, errParam("1 validation error detected: Value '%s' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set", flow)
	}
	allow := map[string]string{
		"USER_SRP_AUTH": "ALLOW_USER_SRP_AUTH", "USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH",
		"CUSTOM_AUTH": "ALLOW_CUSTOM_AUTH", "USER_AUTH": "ALLOW_USER_AUTH",
		"ADMIN_USER_PASSWORD_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
	}[flow]
	if !cl.allows(allow) {
		return nil, errParam("%s flow not enabled for this client", flow)
	}
	name := p.get("USERNAME")
	if name == "" {
		return nil, errParam("Missing required parameter USERNAME")
	}
	if err := checkSecretHash(cl, p.get("SECRET_HASH"), name); err != nil {
		return nil, err
	}
	s.mu.Lock()
	u := s.findUserLocked(cl.PoolID, name)
	var uErr *Error
	switch {
	case u == nil:
		uErr = apiErr("UserNotFoundException", msgUserNotExist)
	case !u.Enabled:
		uErr = apiErr("NotAuthorizedException", msgDisabled)
	case s.locked(u.PoolID, u.Username):
		uErr = errLocked()
	}
	s.mu.Unlock()
	if uErr != nil {
		return nil, uErr
	}
	sess := &authSession{
		poolID: cl.PoolID, clientID: cl.ID, username: u.Username, admin: admin, flow: flow,
		deviceKey: p.get("DEVICE_KEY"), metadata: in.ClientMetadata,
	}
	switch flow {
	case "USER_SRP_AUTH":
		if p.get("SRP_A") == "" {
			return nil, errParam("Missing required parameter SRP_A")
		}
		return s.startPasswordVerifier(sess, u, p.get("SRP_A"))
	case "USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH":
		if p.get("PASSWORD") == "" {
			return nil, errParam("Missing required parameter PASSWORD")
		}
		return s.passwordAuth(c, sess, u, p.get("PASSWORD"))
	case "CUSTOM_AUTH":
		return s.startCustom(c, sess, u, p)
	default: // USER_AUTH
		return s.startUserAuth(c, sess, u, p)
	}
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
// from the stored verifier and a sealed SECRET_BLOCK (docs/protocol.md §3, §9).
func (s *Server) startPasswordVerifier(prev *authSession, u *userRecord, srpA string) (any, *Error) {
	if !validSRPA(srpA) {
		return nil, errParam("SRP_A is invalid")
	}
	v := &srp.Verifier{Salt: u.Salt, V: u.V}
	srv, err := srp.NewCognitoServer(v, s.rand)
	if err != nil {
		return nil, errInternal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, err := s.newSession(prev, string(challenge.PasswordVerifier))
	if err != nil {
		return nil, errInternal(err)
	}
	sess.srpServer, sess.srpA = srv, srpA
	block, err := s.sealSecretBlock(sess)
	if err != nil {
		return nil, errInternal(err)
	}
	return &authOut{
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
// from the stored salt and comparing in constant time.
func (s *Server) passwordAuth(c *call, sess *authSession, u *userRecord, password string) (any, *Error) {
	v, err := srp.PasswordVerifierFromSalt(u.Salt, srpPoolName(u.PoolID), u.Username, password)
	if err != nil {
		return nil, errInternal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.locked(u.PoolID, u.Username) {
		return nil, errLocked()
	}
	if subtle.ConstantTimeCompare(v.V, u.V) != 1 {
		s.recordFailure(u.PoolID, u.Username)
		return nil, errIncorrect()
	}
	s.recordSuccess(u.PoolID, u.Username)
	sess.passwordDone = true
	return s.advance(c, sess)
}

func (s *Server) respond(c *call, in *respondIn, admin bool) (any, *Error) {
	if in.ChallengeName == "" {
		return nil, errParam("1 validation error detected: Value null at 'challengeName' failed to satisfy constraint: Member must not be null")
	}
	cl, err := s.clientFor(in.ClientId)
	if err != nil {
		return nil, err
	}
	if admin && cl.PoolID != in.UserPoolId {
		return nil, errNotFound("User pool client %s does not exist.", in.ClientId)
	}
	r := in.ChallengeResponses
	name := r.get("USERNAME")
	if name == "" {
		return nil, errParam("Missing required parameter USERNAME")
	}
	if err := checkSecretHash(cl, r.get("SECRET_HASH"), name); err != nil {
		return nil, err
	}
	sessionID := in.Session
	if sessionID == "" && (in.ChallengeName == string(challenge.PasswordVerifier) || in.ChallengeName == string(challenge.DevicePasswordVerifier)) {
		// Clients may omit Session here: the SECRET_BLOCK names it.
		if b, err := srp.DecodeSecretBlock(r.get("PASSWORD_CLAIM_SECRET_BLOCK")); err == nil {
			sessionID, _, _ = s.openSecretBlock(b)
		}
	}
	s.mu.Lock()
	sess := s.peekSession(sessionID)
	var u *userRecord
	if sess != nil {
		u = s.findUserLocked(sess.poolID, name)
	}
	var serr *Error
	switch {
	case sess == nil || sess.clientID != cl.ID || sess.admin != admin:
		serr = errBadSession()
	case sess.expect != in.ChallengeName:
		serr = errParam("Invalid challenge name %s for this session", in.ChallengeName)
	case u == nil || u.Username != sess.username:
		// A USERNAME that is not the session's user is a failed proof.
		serr = errIncorrect()
	case in.ClientMetadata != nil:
		sess.metadata = in.ClientMetadata
	}
	s.mu.Unlock()
	if serr != nil {
		return nil, serr
	}
	switch challenge.Name(in.ChallengeName) {
	case challenge.PasswordVerifier:
		return s.answerPasswordVerifier(c, sess, u, r)
	case challenge.DeviceSRPAuth:
		return s.answerDeviceSRPAuth(c, sess, u, r)
	case challenge.DevicePasswordVerifier:
		return s.answerDevicePasswordVerifier(c, sess, u, r)
	case challenge.NewPasswordRequired:
		return s.answerNewPassword(c, sess, u, r)
	case challenge.SMSMFA, challenge.SoftwareTokenMFA, challenge.EmailOTP, challenge.SMSOTP:
		return s.answerCode(c, sess, u, challenge.Name(in.ChallengeName), r)
	case challenge.SelectMFAType:
		return s.answerSelectMFA(c, sess, u, r)
	case challenge.MFASetup:
		return s.answerMFASetup(c, sess, u, r)
	case challenge.CustomChallenge:
		return s.answerCustom(c, sess, u, r)
	case challenge.SelectChallenge:
		return s.answerSelectChallenge(c, sess, u, r)
	}
	return nil, errParam("Unsupported challenge %s", in.ChallengeName)
}

// checkClaimInputs does the checks that do not consume the session:
// TIMESTAMP format, SECRET_BLOCK authenticity and binding to the session.
// It returns the canonical TIMESTAMP and the decoded SECRET_BLOCK.
func (s *Server) checkClaimInputs(sess *authSession, r params) (string, []byte, *Error) {
	ts := r.get("TIMESTAMP")
	canonical, err := challenge.CanonicalTimestamp(ts)
	if err != nil {
		return "", nil, errParam(msgTimestamp)
	}
	block, err := srp.DecodeSecretBlock(r.get("PASSWORD_CLAIM_SECRET_BLOCK"))
	if err != nil {
		return "", nil, errIncorrect()
	}
	sid, bid, ok := s.openSecretBlock(block)
	if !ok || sid != sess.id || subtle.ConstantTimeCompare([]byte(bid), []byte(sess.blockID)) != 1 {
		s.log.Info("idp: SECRET_BLOCK refused", "pool", sess.poolID, "user", sess.username)
		return "", nil, errIncorrect()
	}
	if r.get("PASSWORD_CLAIM_SIGNATURE") == "" {
		return "", nil, errParam("Missing required parameter PASSWORD_CLAIM_SIGNATURE")
	}
	return canonical, block, nil
}

// checkSkew refuses a TIMESTAMP too far from the server clock.
func (s *Server) checkSkew(canonical string) bool {
	t, err := challenge.ParseTimestamp(canonical)
	if err != nil {
		return false
	}
	d := s.now().Sub(t)
	return d <= s.opts.TimestampSkew && d >= -s.opts.TimestampSkew
}

func (s *Server) answerPasswordVerifier(c *call, sess *authSession, u *userRecord, r params) (any, *Error) {
	canonical, block, err := s.checkClaimInputs(sess, r)
	if err != nil {
		return nil, err
	}
	deviceKey := r.get("DEVICE_KEY")
	s.mu.Lock()
	// A forgotten device is refused before the SRP state is consumed: the
	// JS client then re-sends this same request with "DEVICE_KEY": null
	// (docs/protocol.md §9).
	if deviceKey != "" {
		if d := s.devices[deviceKey]; d == nil || d.PoolID != u.PoolID || d.Username != u.Username {
			s.mu.Unlock()
			return nil, errNotFound(msgDeviceNotExist)
		}
	}
	taken := s.takeSession(sess.id)
	locked := s.locked(u.PoolID, u.Username)
	s.mu.Unlock()
	if taken == nil {
		return nil, errBadSession()
	}
	if locked {
		return nil, errLocked()
	}
	verr := taken.srpServer.VerifyPasswordClaim(srp.VerifyClaimParams{
		PoolName: srpPoolName(u.PoolID), UserIDForSRP: u.Username, SRPA: taken.srpA,
		SecretBlock: block, Timestamp: canonical, Signature: r.get("PASSWORD_CLAIM_SIGNATURE"),
	})
	skewOK := s.checkSkew(canonical)
	s.mu.Lock()
	defer s.mu.Unlock()
	if verr != nil || !skewOK {
		if verr == nil {
			s.log.Info("idp: TIMESTAMP outside the skew window", "pool", u.PoolID, "user", u.Username, "timestamp", canonical)
		} else if !errors.Is(verr, srp.ErrVerification) {
			s.log.Info("idp: claim refused", "pool", u.PoolID, "user", u.Username, "err", verr)
		}
		s.recordFailure(u.PoolID, u.Username)
		return nil, errIncorrect()
	}
	s.recordSuccess(u.PoolID, u.Username)
	if deviceKey != "" {
		taken.deviceKey = deviceKey
	}
	taken.passwordDone = true
	if taken.flow == "CUSTOM_AUTH" {
		taken.custom = append(taken.custom, ChallengeResult{ChallengeName: "PASSWORD_VERIFIER", ChallengeResult: true})
	}
	return s.advance(c, taken)
}

// advance decides what follows a passed step: NEW_PASSWORD_REQUIRED, the
// custom challenge, device authentication, MFA, or tokens. Called with s.mu
// held.
func (s *Server) advance(c *call, sess *authSession) (any, *Error) {
	u := s.users[userKey(sess.poolID, sess.username)]
	p := s.pools[sess.poolID]
	cl := s.clients[sess.clientID]
	if u == nil || p == nil || cl == nil {
		return nil, apiErr("UserNotFoundException", msgUserNotExist)
	}
	if !u.Enabled {
		return nil, apiErr("NotAuthorizedException", msgDisabled)
	}
	switch u.Status {
	case StatusUnconfirmed:
		return nil, apiErr("UserNotConfirmedException", "User is not confirmed.")
	case StatusResetRequired:
		return nil, apiErr("PasswordResetRequiredException", "Password reset required for the user")
	case StatusForceChangePassword:
		if !sess.newPasswordDone && sess.passwordDone {
			return s.challengeNewPassword(sess, u)
		}
	}
	if sess.flow == "CUSTOM_AUTH" && !sess.customDone {
		return s.customStep(c, sess, u)
	}
	dev := s.devices[sess.deviceKey]
	if dev != nil && (dev.PoolID != u.PoolID || dev.Username != u.Username || !dev.Confirmed) {
		dev = nil
	}
	if dev != nil && !sess.deviceDone && (dev.Remembered || sess.mfaDone || !s.mfaRequired(p, u)) {
		return s.challengeDeviceSRP(sess)
	}
	if !sess.mfaDone && !(sess.deviceDone && dev != nil && dev.Remembered) && s.mfaRequired(p, u) {
		return s.challengeMFA(sess, p, u)
	}
	if dev != nil && !sess.deviceDone {
		return s.challengeDeviceSRP(sess)
	}
	return s.issueTokens(c, sess, cl, u, p, dev)
}

// issueTokens ends a sign-in. Called with s.mu held.
func (s *Server) issueTokens(c *call, sess *authSession, cl *clientRecord, u *userRecord, p *poolRecord, dev *deviceRecord) (any, *Error) {
	var meta *newDeviceMetadata
	deviceKey := ""
	now := s.now()
	switch {
	case dev != nil && sess.deviceDone:
		deviceKey = dev.Key
		nd := clone(dev)
		nd.LastAuthAt = now
		if err := s.persist(kindDevice, nd.Key, nd); err != nil {
			return nil, err
		}
		s.devices[nd.Key] = nd
	case p.Device != nil:
		id := s.newID()
		gk, err := s.randomString(9, alnum)
		if err != nil {
			return nil, errInternal(err)
		}
		d := &deviceRecord{
			PoolID: u.PoolID, Username: u.Username, Key: regionOf(u.PoolID) + "_" + id, GroupKey: "-" + gk,
			CreatedAt: now, ModifiedAt: now, LastAuthAt: now,
		}
		if err := s.persist(kindDevice, d.Key, d); err != nil {
			return nil, err
		}
		s.devices[d.Key] = d
		deviceKey = d.Key
		meta = &newDeviceMetadata{DeviceKey: d.Key, DeviceGroupKey: d.GroupKey}
	}
	o, refresh, err := s.newOrigin(cl, u, deviceKey, now)
	if err != nil {
		return nil, err
	}
	if err := s.persist(kindOrigin, o.JTI, o); err != nil {
		return nil, err
	}
	s.origins[o.JTI] = o
	toks, err := s.mintTokens(c.endpoint, cl, u, o)
	if err != nil {
		return nil, err
	}
	toks.RefreshToken = refresh
	toks.NewDeviceMetadata = meta
	return &authOut{ChallengeParameters: map[string]string{}, AuthenticationResult: toks}, nil
}

// challenge returns a challenge answer with a fresh session. Called with
// s.mu held.
func (s *Server) challenge(prev *authSession, name string, params map[string]string) (*authOut, *authSession, *Error) {
	sess, err := s.newSession(prev, name)
	if err != nil {
		return nil, nil, errInternal(err)
	}
	if params == nil {
		params = map[string]string{}
	}
	return &authOut{ChallengeName: name, ChallengeParameters: params, Session: sess.id}, sess, nil
}

func (s *Server) challengeNewPassword(prev *authSession, u *userRecord) (any, *Error) {
	attrs := map[string]string{}
	for k, v := range u.Attrs {
		if k != "sub" {
			attrs[k] = v
		}
	}
	ua, _ := json.Marshal(attrs)
	out, _, err := s.challenge(prev, string(challenge.NewPasswordRequired), map[string]string{
		"USER_ID_FOR_SRP": u.Username, "userAttributes": string(ua), "requiredAttributes": "[]",
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Server) challengeDeviceSRP(prev *authSession) (any, *Error) {
	out, _, err := s.challenge(prev, string(challenge.DeviceSRPAuth), nil)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// refreshAuth is REFRESH_TOKEN_AUTH: new ID and access tokens for a live
// refresh token of this client.
func (s *Server) refreshAuth(c *call, cl *clientRecord, p params) (any, *Error) {
	tok := p.get("REFRESH_TOKEN")
	if tok == "" {
		return nil, errParam("Missing required parameter REFRESH_TOKEN")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.refreshOrigin(tok)
	if o == nil || o.ClientID != cl.ID {
		return nil, apiErr("NotAuthorizedException", msgBadRefresh)
	}
	u := s.users[userKey(o.PoolID, o.Username)]
	if u == nil {
		return nil, apiErr("NotAuthorizedException", msgBadRefresh)
	}
	if !u.Enabled {
		return nil, apiErr("NotAuthorizedException", msgDisabled)
	}
	if err := checkSecretHash(cl, p.get("SECRET_HASH"), p.get("USERNAME"), u.Username, u.Sub); err != nil {
		return nil, err
	}
	toks, err := s.mintTokens(c.endpoint, cl, u, o)
	if err != nil {
		return nil, err
	}
	return &authOut{ChallengeParameters: map[string]string{}, AuthenticationResult: toks}, nil
}

// triggerUser describes u for the custom-auth hooks.
func triggerUser(sess *authSession, u *userRecord) TriggerUser {
	attrs := make(map[string]string, len(u.Attrs))
	for k, v := range u.Attrs {
		attrs[k] = v
	}
	return TriggerUser{PoolID: u.PoolID, ClientID: sess.clientID, Username: u.Username, Attributes: attrs}
}

func (s *Server) startCustom(c *call, sess *authSession, u *userRecord, p params) (any, *Error) {
	if s.opts.CustomAuth == nil {
		return nil, errParam("Custom auth lambda trigger is not configured for the user pool.")
	}
	if p.get("CHALLENGE_NAME") == "SRP_A" {
		sess.custom = []ChallengeResult{{ChallengeName: "SRP_A", ChallengeResult: true}}
		def, err := s.opts.CustomAuth.DefineAuthChallenge(context.Background(), DefineAuthChallengeInput{
			User: triggerUser(sess, u), Session: slices.Clone(sess.custom), ClientMetadata: sess.metadata,
		})
		if err != nil {
			return nil, apiErr("UserLambdaValidationException", "DefineAuthChallenge failed with error %v.", err)
		}
		if def.FailAuthentication || def.ChallengeName != "PASSWORD_VERIFIER" {
			return nil, errIncorrect()
		}
		return s.startPasswordVerifier(sess, u, p.get("SRP_A"))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.customStep(c, sess, u)
}

// customStep runs DefineAuthChallenge (and CreateAuthChallenge) on the
// history so far. The hooks run with s.mu held: they must not call back
// into the server.
func (s *Server) customStep(c *call, sess *authSession, u *userRecord) (any, *Error) {
	ctx := context.Background()
	def, err := s.opts.CustomAuth.DefineAuthChallenge(ctx, DefineAuthChallengeInput{
		User: triggerUser(sess, u), Session: slices.Clone(sess.custom), ClientMetadata: sess.metadata,
	})
	if err != nil {
		return nil, apiErr("UserLambdaValidationException", "DefineAuthChallenge failed with error %v.", err)
	}
	switch {
	case def.FailAuthentication:
		return nil, errIncorrect()
	case def.IssueTokens:
		sess.customDone, sess.mfaDone = true, true
		return s.advance(c, sess)
	case def.ChallengeName != string(challenge.CustomChallenge):
		return nil, apiErr("InvalidLambdaResponseException", "Unsupported challenge %q from DefineAuthChallenge", def.ChallengeName)
	}
	cr, err := s.opts.CustomAuth.CreateAuthChallenge(ctx, CreateAuthChallengeInput{
		User: triggerUser(sess, u), ChallengeName: def.ChallengeName, Session: slices.Clone(sess.custom), ClientMetadata: sess.metadata,
	})
	if err != nil {
		return nil, apiErr("UserLambdaValidationException", "CreateAuthChallenge failed with error %v.", err)
	}
	params := map[string]string{}
	for k, v := range cr.PublicChallengeParameters {
		params[k] = v
	}
	params["USERNAME"] = u.Username
	out, ns, aerr := s.challenge(sess, def.ChallengeName, params)
	if aerr != nil {
		return nil, aerr
	}
	ns.customPrivate, ns.customMeta = cr.PrivateChallengeParameters, cr.ChallengeMetadata
	return out, nil
}

func (s *Server) answerCustom(c *call, sess *authSession, u *userRecord, r params) (any, *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	taken := s.takeSession(sess.id)
	if taken == nil {
		return nil, errBadSession()
	}
	v, err := s.opts.CustomAuth.VerifyAuthChallenge(context.Background(), VerifyAuthChallengeInput{
		User: triggerUser(taken, u), PrivateChallengeParameters: taken.customPrivate,
		ChallengeAnswer: r.get("ANSWER"), ClientMetadata: taken.metadata,
	})
	if err != nil {
		return nil, apiErr("UserLambdaValidationException", "VerifyAuthChallengeResponse failed with error %v.", err)
	}
	taken.custom = append(slices.Clone(taken.custom), ChallengeResult{
		ChallengeName: string(challenge.CustomChallenge), ChallengeResult: v.AnswerCorrect, ChallengeMetadata: taken.customMeta,
	})
	return s.customStep(c, taken, u)
}

// answerNewPassword sets the new password of a FORCE_CHANGE_PASSWORD user.
func (s *Server) answerNewPassword(c *call, sess *authSession, u *userRecord, r params) (any, *Error) {
	pw := r.get("NEW_PASSWORD")
	if pw == "" {
		return nil, errParam("Missing required parameter NEW_PASSWORD")
	}
	s.mu.Lock()
	pol := s.pools[u.PoolID].PasswordPolicy
	s.mu.Unlock()
	if err := checkPassword(pol, pw); err != nil {
		return nil, err
	}
	v, err := s.passwordVerifier(u.PoolID, u.Username, pw)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	taken := s.takeSession(sess.id)
	if taken == nil {
		return nil, errBadSession()
	}
	if err := s.updateUser(u.PoolID, u.Username, func(nu *userRecord) {
		nu.Salt, nu.V, nu.Status = v.Salt, v.V, StatusConfirmed
		for k, val := range r {
			if name, ok := strings.CutPrefix(k, "userAttributes."); ok && val != nil && name != "sub" {
				nu.Attrs[name] = *val
			}
		}
	}); err != nil {
		return nil, err
	}
	taken.newPasswordDone = true
	return s.advance(c, taken)
}
