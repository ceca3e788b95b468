package userpool

import (
	"crypto/subtle"
	"encoding/json"
	"slices"
	"time"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/idp/internal/rnd"
	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/totp"
)

// mfaFactors lists the MFA challenges a user can answer in this pool.
func mfaFactors(p *store.Pool, u *store.User) []string {
	var f []string
	if p.SoftwareTokenMFA && u.TOTPVerified && u.TOTPEnabled {
		f = append(f, string(challenge.SoftwareTokenMFA))
	}
	if p.SMSMFA && verified(u, "phone_number") && (u.SMSMFAEnabled || p.MFA == "ON") {
		f = append(f, string(challenge.SMSMFA))
	}
	if p.EmailMFA && verified(u, "email") && (u.EmailMFAEnabled || p.MFA == "ON") {
		f = append(f, string(challenge.EmailOTP))
	}
	return f
}

// verified reports whether a user has an address (email, phone_number)
// and it is verified: sign-in codes go to verified addresses only, so
// that changing an address never redirects the second factor.
func verified(u *store.User, attr string) bool {
	return u.Attrs[attr] != "" && u.Attrs[attr+"_verified"] == "true"
}

func mfaRequired(p *store.Pool, u *store.User) bool {
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
// SELECT_MFA_TYPE.
func (s *Service) challengeMFA(prev *session, p *store.Pool, u *store.User) (*outcome, error) {
	f := mfaFactors(p, u)
	if prev != nil && prev.otpFirst != "" {
		// The first factor was a code to an address: the second is another.
		f = slices.DeleteFunc(f, func(x string) bool { return x == prev.otpFirst })
	}
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
		return s.challenge(prev, string(challenge.MFASetup), map[string]string{
			"MFAS_CAN_SETUP": string(b), "USER_ID_FOR_SRP": u.Username,
		})
	case len(f) == 1:
		return s.challengeFactor(prev, u, f[0])
	case slices.Contains(f, u.PreferredMFA):
		return s.challengeFactor(prev, u, u.PreferredMFA)
	}
	b, _ := json.Marshal(f)
	o, err := s.challenge(prev, string(challenge.SelectMFAType), map[string]string{
		"MFAS_CAN_CHOOSE": string(b), "USER_ID_FOR_SRP": u.Username,
	})
	if err != nil {
		return nil, err
	}
	o.next.mfaChoices = f
	return o, nil
}

// challengeFactor issues one code challenge; an SMS or e-mail code goes to
// the outbox once the step commits.
func (s *Service) challengeFactor(prev *session, u *store.User, name string) (*outcome, error) {
	params := map[string]string{"USER_ID_FOR_SRP": u.Username}
	var code, medium string
	switch challenge.Name(name) {
	case challenge.SMSMFA, challenge.SMSOTP:
		medium = "SMS"
	case challenge.EmailOTP:
		medium = "EMAIL"
	}
	to := u
	if medium != "" {
		var err error
		if code, err = rnd.Code(s.cfg.Rand); err != nil {
			return nil, err
		}
		attr := map[string]string{"SMS": "phone_number", "EMAIL": "email"}[medium]
		if medium == "EMAIL" && prev != nil && prev.pendingEmail != "" {
			// MFA_SETUP's new address: its code proves it.
			to = &store.User{PoolID: u.PoolID, Username: u.Username, Attrs: map[string]string{"email": prev.pendingEmail}}
		} else if !verified(u, attr) {
			return nil, errParam("No verified %s to send the code to.", attr)
		}
		params["CODE_DELIVERY_DELIVERY_MEDIUM"] = medium
		params["CODE_DELIVERY_DESTINATION"] = maskDestination(medium, to.Attrs[attr])
	}
	o, err := s.challenge(prev, name, params)
	if err != nil {
		return nil, err
	}
	if medium != "" {
		o.next.code = code
		m := s.message(to, medium, name, code)
		o.msg = &m
	}
	return o, nil
}

// codeEqual compares one-time codes in constant time.
func codeEqual(want, got string) bool {
	return want != "" && len(want) == len(got) && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
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
// session for up to three attempts. An accepted TOTP step is recorded in
// the step's transaction, so the same code is refused again (replay).
func (s *Service) answerCode(endpoint string, sess *session, u *store.User, name challenge.Name, r map[string]string) (*AuthResult, *Error) {
	got := r[name.CodeParameter()]
	if got == "" {
		return nil, errParam("Missing required parameter %s", name.CodeParameter())
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
		kind := string(name)
		locked, err := s.codeLocked(tx, cur.PoolID, cur.Username, kind)
		if err != nil {
			return nil, err
		}
		if locked {
			// Even the right code: the session (and its code) is spent.
			return &outcome{err: errTooManyCodes()}, nil
		}
		ok := false
		var step int64 = -1
		if name == challenge.SoftwareTokenMFA {
			step = totpStep(cur.TOTPSecret, got, s.now())
			ok = step >= 0 && step > cur.TOTPLastStep
		} else {
			ok = codeEqual(taken.code, got)
		}
		if !ok {
			lockedNow, err := s.codeFailed(tx, cur.PoolID, cur.Username, kind)
			if err != nil {
				return nil, err
			}
			o := &outcome{err: apiErr("CodeMismatchException", msgCodeMismatch)}
			if taken.codeAttempts++; taken.codeAttempts < maxMFAAttempts && !lockedNow {
				o.retry = taken
			}
			return o, nil
		}
		if err := s.codeAccepted(tx, cur.PoolID, cur.Username, kind); err != nil {
			return nil, err
		}
		if step >= 0 {
			if err := s.editUser(tx, cur, func(nu *store.User) { nu.TOTPLastStep = step }); err != nil {
				return nil, err
			}
		}
		if name == challenge.EmailOTP && taken.pendingEmail != "" {
			// MFA_SETUP's address, proven by this code: stored now.
			email := taken.pendingEmail
			if err := s.editUser(tx, cur, func(nu *store.User) {
				nu.Attrs["email"], nu.Attrs["email_verified"], nu.EmailMFAEnabled = email, "true", true
			}); err != nil {
				return nil, err
			}
			taken.pendingEmail = ""
		}
		if taken.otpFirst == string(name) && !taken.otpFirstDone {
			// USER_AUTH's passwordless first factor: it stands in for MFA
			// unless the user has a TOTP second factor, which is then
			// still asked (challengeMFA leaves this factor out).
			taken.otpFirstDone = true
			p, err := store.GetPool(tx, cur.PoolID)
			if err != nil {
				return nil, err
			}
			taken.mfaDone = p == nil || !slices.Contains(mfaFactors(p, cur), string(challenge.SoftwareTokenMFA))
		} else {
			taken.mfaDone = true
		}
		return s.advance(tx, endpoint, taken)
	})
}

func (s *Service) answerSelectMFA(sess *session, u *store.User, r map[string]string) (*AuthResult, *Error) {
	ans := r["ANSWER"]
	if !slices.Contains(sess.mfaChoices, ans) {
		return nil, errParam("Invalid ANSWER %q for SELECT_MFA_TYPE", ans)
	}
	taken := s.sessions.take(sess.id, s.now())
	if taken == nil {
		return nil, errBadSession()
	}
	o, err := s.challengeFactor(taken, u, ans)
	if err != nil {
		return nil, errInternal(err)
	}
	return s.finish("", o)
}

// answerMFASetup completes MFA_SETUP: after VerifySoftwareToken on the
// session, or with EMAIL for e-mail MFA.
func (s *Service) answerMFASetup(endpoint string, sess *session, u *store.User, r map[string]string) (*AuthResult, *Error) {
	if email := r["EMAIL"]; email != "" && !sess.totpVerified {
		p, err := s.Pool(u.PoolID)
		if err != nil {
			return nil, err
		}
		if !p.EmailMFA {
			return nil, errParam("Email MFA is not enabled for this user pool.")
		}
		taken := s.sessions.take(sess.id, s.now())
		if taken == nil {
			return nil, errBadSession()
		}
		// The address is stored only once the code sent to it is proven
		// (answerCode): until then it is the session's.
		taken.pendingEmail = email
		o, cerr := s.challengeFactor(taken, u, string(challenge.EmailOTP))
		if cerr != nil {
			return nil, asError(cerr)
		}
		return s.finish(endpoint, o)
	}
	if !sess.totpVerified {
		return nil, apiErr("NotAuthorizedException", "Software token MFA has not been verified for this session.")
	}
	taken := s.sessions.take(sess.id, s.now())
	if taken == nil {
		return nil, errBadSession()
	}
	taken.mfaDone = true
	return s.step(endpoint, taken, func(tx store.Tx) (*outcome, error) { return s.advance(tx, endpoint, taken) })
}

// AssociateSoftwareToken returns a new base32 TOTP secret: for the user of
// an access token (stored, unverified), or for an MFA_SETUP session (kept
// in the next session).
func (s *Service) AssociateSoftwareToken(accessToken, sessionID string) (secret, nextSession string, err *Error) {
	raw, rerr := s.randomBytes(20)
	if rerr != nil {
		return "", "", errInternal(rerr)
	}
	secret = totp.EncodeSecret(raw)
	if accessToken != "" {
		return secret, "", s.accessEdit(accessToken, func(_ store.Tx, u *store.User) error {
			u.TOTPSecret, u.TOTPVerified, u.TOTPEnabled = secret, false, false
			return nil
		})
	}
	taken := s.sessions.take(sessionID, s.now())
	if taken == nil || taken.expect != string(challenge.MFASetup) {
		return "", "", errBadSession()
	}
	ns, nerr := s.nextSession(taken, string(challenge.MFASetup))
	if nerr != nil {
		return "", "", errInternal(nerr)
	}
	ns.pendingTOTP, ns.totpVerified = secret, false
	s.sessions.put(ns, s.now())
	return secret, ns.id, nil
}

func errTOTPMismatch() *Error {
	return apiErr("EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")
}

// VerifySoftwareToken verifies the first code of an associated TOTP
// secret: for the user of an access token, or for an MFA_SETUP session
// (whose next session is returned).
func (s *Service) VerifySoftwareToken(accessToken, sessionID, code string) (nextSession string, err *Error) {
	if accessToken != "" {
		return "", s.accessEdit(accessToken, func(tx store.Tx, u *store.User) error {
			if u.TOTPSecret == "" {
				return errParam("User has not associated a software token.")
			}
			step := totpStep(u.TOTPSecret, code, s.now())
			if step < 0 {
				return errTOTPMismatch()
			}
			p, err := store.GetPool(tx, u.PoolID)
			if err != nil {
				return err
			}
			u.TOTPVerified, u.TOTPLastStep = true, step
			if p != nil && p.MFA == "ON" {
				u.TOTPEnabled = true
			}
			return nil
		})
	}
	now := s.now()
	taken := s.sessions.take(sessionID, now)
	if taken == nil || taken.expect != string(challenge.MFASetup) || taken.pendingTOTP == "" {
		return "", errBadSession()
	}
	step := totpStep(taken.pendingTOTP, code, now)
	if step < 0 {
		s.sessions.put(taken, now) // the user may try again
		return "", errTOTPMismatch()
	}
	ns, nerr := s.nextSession(taken, string(challenge.MFASetup))
	if nerr != nil {
		return "", errInternal(nerr)
	}
	ns.totpVerified = true
	if err := s.update(func(tx store.Tx) error {
		u, err := store.GetUser(tx, taken.poolID, taken.username)
		if err != nil {
			return err
		}
		if u == nil {
			return errUserNotFound()
		}
		return s.editUser(tx, u, func(nu *store.User) {
			nu.TOTPSecret, nu.TOTPVerified, nu.TOTPEnabled, nu.TOTPLastStep = taken.pendingTOTP, true, true, step
			nu.PreferredMFA = string(challenge.SoftwareTokenMFA)
		})
	}); err != nil {
		return "", err
	}
	s.sessions.put(ns, s.now())
	return ns.id, nil
}

// MFASetting is one factor of SetUserMFAPreference (nil: unchanged).
type MFASetting struct {
	Enabled      bool
	PreferredMfa bool
}

// MFAPreference is SetUserMFAPreference's request.
type MFAPreference struct {
	SMS, SoftwareToken, Email *MFASetting
}

// SetUserMFAPreference applies SetUserMFAPreference for the user of an
// access token.
func (s *Service) SetUserMFAPreference(accessToken string, in MFAPreference) *Error {
	return s.accessEdit(accessToken, func(_ store.Tx, u *store.User) error { return applyMFAPreference(u, in) })
}

// AdminSetUserMFAPreference applies it for a user named by an admin.
func (s *Service) AdminSetUserMFAPreference(poolID, name string, in MFAPreference) *Error {
	return s.adminEdit(poolID, name, func(_ store.Tx, u *store.User) error { return applyMFAPreference(u, in) })
}

func applyMFAPreference(u *store.User, in MFAPreference) error {
	if t := in.SoftwareToken; t != nil && t.Enabled && !u.TOTPVerified {
		return apiErr("InvalidParameterException", "User has not verified software token mfa")
	}
	if t := in.SMS; t != nil && t.Enabled && u.Attrs["phone_number"] == "" {
		return apiErr("InvalidParameterException", "User does not have a phone number")
	}
	if t := in.Email; t != nil && t.Enabled && u.Attrs["email"] == "" {
		return apiErr("InvalidParameterException", "User does not have an email address")
	}
	apply := func(set *MFASetting, enabled *bool, name string) {
		if set == nil {
			return
		}
		*enabled = set.Enabled
		if set.Enabled && set.PreferredMfa {
			u.PreferredMFA = name
		} else if u.PreferredMFA == name {
			u.PreferredMFA = ""
		}
	}
	apply(in.SoftwareToken, &u.TOTPEnabled, string(challenge.SoftwareTokenMFA))
	apply(in.SMS, &u.SMSMFAEnabled, string(challenge.SMSMFA))
	apply(in.Email, &u.EmailMFAEnabled, string(challenge.EmailOTP))
	return nil
}
