package userpool

import (
	"slices"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/idp/store"
)

// firstFactors lists the USER_AUTH first factors open to a user.
func firstFactors(p *store.Pool, u *store.User) []string {
	allowed := p.FirstFactors
	if len(allowed) == 0 {
		allowed = []string{"PASSWORD"}
	}
	var f []string
	if slices.Contains(allowed, "PASSWORD") {
		f = append(f, string(challenge.PasswordSRP), string(challenge.Password))
	}
	if slices.Contains(allowed, "EMAIL_OTP") && verified(u, "email") {
		f = append(f, string(challenge.EmailOTP))
	}
	if slices.Contains(allowed, "SMS_OTP") && verified(u, "phone_number") {
		f = append(f, string(challenge.SMSOTP))
	}
	return f
}

// startUserAuth is the choice-based USER_AUTH flow: the PREFERRED_CHALLENGE
// if it is available, else SELECT_CHALLENGE.
func (s *Service) startUserAuth(endpoint string, sess *session, u *store.User, p map[string]string) (*AuthResult, *Error) {
	pool, err := s.Pool(u.PoolID)
	if err != nil {
		return nil, err
	}
	f := firstFactors(pool, u)
	if pref := p["PREFERRED_CHALLENGE"]; pref != "" && slices.Contains(f, pref) {
		return s.firstFactor(endpoint, sess, u, pref, p)
	}
	o, cerr := s.challenge(sess, string(challenge.SelectChallenge), map[string]string{"USERNAME": u.Username})
	if cerr != nil {
		return nil, errInternal(cerr)
	}
	o.next.mfaChoices = f
	o.res.AvailableChallenges = f
	return s.finish(endpoint, o)
}

// firstFactor starts the chosen first factor. p holds SRP_A or PASSWORD.
func (s *Service) firstFactor(endpoint string, sess *session, u *store.User, factor string, p map[string]string) (*AuthResult, *Error) {
	switch challenge.Name(factor) {
	case challenge.PasswordSRP:
		if p["SRP_A"] == "" {
			return nil, errParam("Missing required parameter SRP_A")
		}
		return s.startPasswordVerifier(sess, u, p["SRP_A"])
	case challenge.Password:
		if p["PASSWORD"] == "" {
			return nil, errParam("Missing required parameter PASSWORD")
		}
		sess.event.expect(proofPassword) // also when SELECT_CHALLENGE chose it
		return s.passwordAuth(endpoint, sess, u, p["PASSWORD"])
	}
	// EMAIL_OTP or SMS_OTP: a passwordless first factor. Once proven it
	// stands in for MFA too, except for a TOTP second factor the user has
	// (answerCode): a code sent to an address is not the authenticator.
	sess.otpFirst = factor
	o, err := s.challengeFactor(sess, u, factor)
	if err != nil {
		return nil, errInternal(err)
	}
	return s.finish(endpoint, o)
}

func (s *Service) answerSelectChallenge(endpoint string, sess *session, u *store.User, r map[string]string) (*AuthResult, *Error) {
	ans := r["ANSWER"]
	if !slices.Contains(sess.mfaChoices, ans) {
		return nil, errParam("Invalid ANSWER %q for SELECT_CHALLENGE", ans)
	}
	taken := s.sessions.take(sess.id, s.now())
	if taken == nil {
		return nil, errBadSession()
	}
	taken.mfaChoices = nil
	return s.firstFactor(endpoint, taken, u, ans, r)
}
