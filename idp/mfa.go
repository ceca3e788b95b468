package idp

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/totp"
)

// mfaFactors lists the MFA challenges a user can answer in this pool.
func mfaFactors(p *poolRecord, u *userRecord) []string {
	var f []string
	if p.SoftwareTokenMFA && u.TOTPVerified && u.TOTPEnabled {
		f = append(f, string(challenge.SoftwareTokenMFA))
	}
	if p.SMSMFA && u.Attrs["phone_number"] != "" && (u.SMSMFAEnabled || p.MFA == "ON") {
		f = append(f, string(challenge.SMSMFA))
	}
	if p.EmailMFA && u.Attrs["email"] != "" && (u.EmailMFAEnabled || p.MFA == "ON") {
		f = append(f, string(challenge.EmailOTP))
	}
	return f
}

func (s *Server) mfaRequired(p *poolRecord, u *userRecord) bool {
	switch p.MFA {
	case "ON":
		return true
	case "OPTIONAL":
		return len(mfaFactors(p, u)) > 0
	}
	return false
}

// challengeMFA issues the MFA step: MFA_SETUP when the pool requires MFA
// and the user has no factor, the preferred or only factor, or
// SELECT_MFA_TYPE. Called with s.mu held.
func (s *Server) challengeMFA(prev *authSession, p *poolRecord, u *userRecord) (any, *Error) {
	f := mfaFactors(p, u)
	switch {
	case len(f) == 0:
		var can []string
		if p.SoftwareTokenMFA {
			can = append(can, string(challenge.SoftwareTokenMFA))
		}
		if p.EmailMFA {
			can = append(can, string(challenge.EmailOTP))
		}
		if p.SMSMFA {
			can = append(can, string(challenge.SMSMFA))
		}
		b, _ := json.Marshal(can)
		out, _, err := s.challenge(prev, string(challenge.MFASetup), map[string]string{
			"MFAS_CAN_SETUP": string(b), "USER_ID_FOR_SRP": u.Username,
		})
		if err != nil {
			return nil, err
		}
		return out, nil
	case len(f) == 1:
		return s.challengeFactor(prev, u, f[0])
	case slices.Contains(f, u.PreferredMFA):
		return s.challengeFactor(prev, u, u.PreferredMFA)
	}
	b, _ := json.Marshal(f)
	out, ns, err := s.challenge(prev, string(challenge.SelectMFAType), map[string]string{
		"MFAS_CAN_CHOOSE": string(b), "USER_ID_FOR_SRP": u.Username,
	})
	if err != nil {
		return nil, err
	}
	ns.mfaChoices = f
	return out, nil
}

// challengeFactor issues one code challenge; SMS and e-mail codes go to the
// outbox. Called with s.mu held.
func (s *Server) challengeFactor(prev *authSession, u *userRecord, name string) (any, *Error) {
	params := map[string]string{"USER_ID_FOR_SRP": u.Username}
	var code, medium string
	switch challenge.Name(name) {
	case challenge.SMSMFA, challenge.SMSOTP:
		medium = "SMS"
	case challenge.EmailOTP:
		medium = "EMAIL"
	}
	if medium != "" {
		var err error
		if code, err = s.randomCode(); err != nil {
			return nil, errInternal(err)
		}
		attr := map[string]string{"SMS": "phone_number", "EMAIL": "email"}[medium]
		params["CODE_DELIVERY_DELIVERY_MEDIUM"] = medium
		params["CODE_DELIVERY_DESTINATION"] = maskDestination(medium, u.Attrs[attr])
	}
	out, ns, err := s.challenge(prev, name, params)
	if err != nil {
		return nil, err
	}
	if medium != "" {
		ns.code = code
		s.send(u, medium, name, code)
	}
	return out, nil
}

// codeEqual compares one-time codes in constant time.
func codeEqual(want, got string) bool {
	return want != "" && len(want) == len(got) && subtleEq(want, got)
}

// totpStep checks a TOTP code against a secret at now ±1 step and returns
// the step it matched, or -1. Every step of the window is computed.
func totpStep(secretB32, code string, now time.Time) int64 {
	secret, err := totp.DecodeSecret(secretB32)
	if err != nil {
		return -1
	}
	step := now.Unix() / 30
	matched := int64(-1)
	for d := int64(-1); d <= 1; d++ {
		t := time.Unix((step+d)*30, 0)
		if totp.Validate(secret, code, t, 0) {
			matched = step + d
		}
	}
	return matched
}

// answerCode checks an MFA or one-time code. A wrong code leaves the
// session for up to three attempts.
func (s *Server) answerCode(c *call, sess *authSession, u *userRecord, name challenge.Name, r params) (any, *Error) {
	got := r.get(name.CodeParameter())
	if got == "" {
		return nil, errParam("Missing required parameter %s", name.CodeParameter())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	taken := s.takeSession(sess.id)
	if taken == nil {
		return nil, errBadSession()
	}
	u = s.users[userKey(u.PoolID, u.Username)]
	ok := false
	var step int64 = -1
	if name == challenge.SoftwareTokenMFA {
		step = totpStep(u.TOTPSecret, got, s.now())
		ok = step >= 0 && step > u.TOTPLastStep
	} else {
		ok = codeEqual(taken.code, got)
	}
	if !ok {
		taken.codeAttempts++
		if taken.codeAttempts < maxMFAAttempts {
			s.sessions[taken.id] = taken
		}
		return nil, apiErr("CodeMismatchException", msgCodeMismatch)
	}
	if step >= 0 {
		if err := s.updateUser(u.PoolID, u.Username, func(nu *userRecord) { nu.TOTPLastStep = step }); err != nil {
			return nil, err
		}
	}
	taken.mfaDone = true
	return s.advance(c, taken)
}

func (s *Server) answerSelectMFA(c *call, sess *authSession, u *userRecord, r params) (any, *Error) {
	ans := r.get("ANSWER")
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(sess.mfaChoices, ans) {
		return nil, errParam("Invalid ANSWER %q for SELECT_MFA_TYPE", ans)
	}
	taken := s.takeSession(sess.id)
	if taken == nil {
		return nil, errBadSession()
	}
	return s.challengeFactor(taken, u, ans)
}

// answerMFASetup completes MFA_SETUP: after VerifySoftwareToken on the
// session, or with EMAIL for e-mail MFA.
func (s *Server) answerMFASetup(c *call, sess *authSession, u *userRecord, r params) (any, *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if email := r.get("EMAIL"); email != "" && !sess.totpVerified {
		if !s.pools[u.PoolID].EmailMFA {
			return nil, errParam("Email MFA is not enabled for this user pool.")
		}
		taken := s.takeSession(sess.id)
		if taken == nil {
			return nil, errBadSession()
		}
		if err := s.updateUser(u.PoolID, u.Username, func(nu *userRecord) {
			nu.Attrs["email"], nu.EmailMFAEnabled = email, true
		}); err != nil {
			return nil, err
		}
		return s.challengeFactor(taken, s.users[userKey(u.PoolID, u.Username)], string(challenge.EmailOTP))
	}
	if !sess.totpVerified {
		return nil, apiErr("NotAuthorizedException", "Software token MFA has not been verified for this session.")
	}
	taken := s.takeSession(sess.id)
	if taken == nil {
		return nil, errBadSession()
	}
	taken.mfaDone = true
	return s.advance(c, taken)
}

type tokenOrSessionIn struct {
	AccessToken string
	Session     string
}

// AssociateSoftwareToken with a Session (during MFA_SETUP) or an access
// token returns a new base32 TOTP secret.
func opAssociateSoftwareToken(s *Server, c *call, in *tokenOrSessionIn) (any, *Error) {
	raw, err := s.randomBytes(20)
	if err != nil {
		return nil, errInternal(err)
	}
	secret := totp.EncodeSecret(raw)
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.AccessToken != "" {
		u, _, aerr := s.accessUser(in.AccessToken)
		if aerr != nil {
			return nil, aerr
		}
		if aerr := s.updateUser(u.PoolID, u.Username, func(nu *userRecord) {
			nu.TOTPSecret, nu.TOTPVerified, nu.TOTPEnabled = secret, false, false
		}); aerr != nil {
			return nil, aerr
		}
		return map[string]string{"SecretCode": secret}, nil
	}
	taken := s.takeSession(in.Session)
	if taken == nil || taken.expect != string(challenge.MFASetup) {
		return nil, errBadSession()
	}
	ns, nerr := s.newSession(taken, string(challenge.MFASetup))
	if nerr != nil {
		return nil, errInternal(nerr)
	}
	ns.pendingTOTP, ns.totpVerified = secret, false
	return map[string]string{"SecretCode": secret, "Session": ns.id}, nil
}

type verifySoftwareTokenIn struct {
	AccessToken        string
	Session            string
	UserCode           string
	FriendlyDeviceName string
}

func errTOTPMismatch() *Error {
	return apiErr("EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")
}

func opVerifySoftwareToken(s *Server, c *call, in *verifySoftwareTokenIn) (any, *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.AccessToken != "" {
		u, _, aerr := s.accessUser(in.AccessToken)
		if aerr != nil {
			return nil, aerr
		}
		if u.TOTPSecret == "" {
			return nil, errParam("User has not associated a software token.")
		}
		step := totpStep(u.TOTPSecret, in.UserCode, s.now())
		if step < 0 {
			return nil, errTOTPMismatch()
		}
		p := s.pools[u.PoolID]
		if aerr := s.updateUser(u.PoolID, u.Username, func(nu *userRecord) {
			nu.TOTPVerified, nu.TOTPLastStep = true, step
			if p.MFA == "ON" {
				nu.TOTPEnabled = true
			}
		}); aerr != nil {
			return nil, aerr
		}
		return map[string]string{"Status": "SUCCESS"}, nil
	}
	taken := s.takeSession(in.Session)
	if taken == nil || taken.expect != string(challenge.MFASetup) || taken.pendingTOTP == "" {
		return nil, errBadSession()
	}
	step := totpStep(taken.pendingTOTP, in.UserCode, s.now())
	if step < 0 {
		s.sessions[taken.id] = taken // the user may try again
		return nil, errTOTPMismatch()
	}
	if aerr := s.updateUser(taken.poolID, taken.username, func(nu *userRecord) {
		nu.TOTPSecret, nu.TOTPVerified, nu.TOTPEnabled, nu.TOTPLastStep = taken.pendingTOTP, true, true, step
		nu.PreferredMFA = string(challenge.SoftwareTokenMFA)
	}); aerr != nil {
		return nil, aerr
	}
	ns, err := s.newSession(taken, string(challenge.MFASetup))
	if err != nil {
		return nil, errInternal(err)
	}
	ns.totpVerified = true
	return map[string]string{"Status": "SUCCESS", "Session": ns.id}, nil
}

// mfaSetting is SMSMfaSettings / SoftwareTokenMfaSettings / EmailMfaSettings;
// a JSON null is accepted (docs/protocol.md §9).
type mfaSetting struct {
	Enabled      bool
	PreferredMfa bool
}

type mfaPreferenceIn struct {
	AccessToken              string
	UserPoolId               string
	Username                 string
	SMSMfaSettings           *mfaSetting
	SoftwareTokenMfaSettings *mfaSetting
	EmailMfaSettings         *mfaSetting
}

func opSetUserMFAPreference(s *Server, c *call, in *mfaPreferenceIn) (any, *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, _, err := s.accessUser(in.AccessToken)
	if err != nil {
		return nil, err
	}
	return nil, s.setMFAPreference(u, in)
}

func opAdminSetUserMFAPreference(s *Server, c *call, in *mfaPreferenceIn) (any, *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.adminUser(in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	return nil, s.setMFAPreference(u, in)
}

// setMFAPreference applies SetUserMFAPreference. Called with s.mu held.
func (s *Server) setMFAPreference(u *userRecord, in *mfaPreferenceIn) *Error {
	if t := in.SoftwareTokenMfaSettings; t != nil && t.Enabled && !u.TOTPVerified {
		return apiErr("InvalidParameterException", "User has not verified software token mfa")
	}
	if t := in.SMSMfaSettings; t != nil && t.Enabled && u.Attrs["phone_number"] == "" {
		return apiErr("InvalidParameterException", "User does not have a phone number")
	}
	if t := in.EmailMfaSettings; t != nil && t.Enabled && u.Attrs["email"] == "" {
		return apiErr("InvalidParameterException", "User does not have an email address")
	}
	return s.updateUser(u.PoolID, u.Username, func(nu *userRecord) {
		apply := func(set *mfaSetting, enabled *bool, name string) {
			if set == nil {
				return
			}
			*enabled = set.Enabled
			if set.Enabled && set.PreferredMfa {
				nu.PreferredMFA = name
			} else if nu.PreferredMFA == name {
				nu.PreferredMFA = ""
			}
		}
		apply(in.SoftwareTokenMfaSettings, &nu.TOTPEnabled, string(challenge.SoftwareTokenMFA))
		apply(in.SMSMfaSettings, &nu.SMSMFAEnabled, string(challenge.SMSMFA))
		apply(in.EmailMfaSettings, &nu.EmailMFAEnabled, string(challenge.EmailOTP))
	})
}

// addMFASettings adds GetUser's MFA fields.
func addMFASettings(out map[string]any, u *userRecord) {
	var list []string
	if u.TOTPEnabled && u.TOTPVerified {
		list = append(list, string(challenge.SoftwareTokenMFA))
	}
	if u.SMSMFAEnabled {
		list = append(list, string(challenge.SMSMFA))
	}
	if u.EmailMFAEnabled {
		list = append(list, string(challenge.EmailOTP))
	}
	if len(list) > 0 {
		out["UserMFASettingList"] = list
	}
	if u.PreferredMFA != "" {
		out["PreferredMfaSetting"] = u.PreferredMFA
	}
}
