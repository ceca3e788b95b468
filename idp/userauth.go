package idp

import (
	"slices"

	"github.com/caldera-srp/caldera/challenge"
)

// firstFactors lists the USER_AUTH first factors open to a user.
func firstFactors(p *poolRecord, u *userRecord) []string {
	allowed := p.FirstFactors
	if len(allowed) == 0 {
		allowed = []string{"PASSWORD"}
	}
	var f []string
	if slices.Contains(allowed, "PASSWORD") {
		f = append(f, string(challenge.PasswordSRP), string(challenge.Password))
	}
	if slices.Contains(allowed, "EMAIL_OTP") && u.Attrs["email"] != "" {
		f = append(f, string(challenge.EmailOTP))
	}
	if slices.Contains(allowed, "SMS_OTP") && u.Attrs["phone_number"] != "" {
		f = append(f, string(challenge.SMSOTP))
	}
	return f
}

// startUserAuth is the choice-based USER_AUTH flow: the PREFERRED_CHALLENGE
// if it is available, else SELECT_CHALLENGE.
func (s *Server) startUserAuth(c *call, sess *authSession, u *userRecord, p params) (any, *Error) {
	s.mu.Lock()
	f := firstFactors(s.pools[u.PoolID], u)
	s.mu.Unlock()
	if pref := p.get("PREFERRED_CHALLENGE"); pref != "" && slices.Contains(f, pref) {
		return s.firstFactor(c, sess, u, pref, p)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out, ns, err := s.challenge(sess, string(challenge.SelectChallenge), map[string]string{"USERNAME": u.Username})
	if err != nil {
		return nil, err
	}
	ns.mfaChoices = f
	out.AvailableChallenges = f
	return out, nil
}

// firstFactor starts the chosen first factor. p holds SRP_A or PASSWORD.
func (s *Server) firstFactor(c *call, sess *authSession, u *userRecord, factor string, p params) (any, *Error) {
	switch challenge.Name(factor) {
	case challenge.PasswordSRP:
		if p.get("SRP_A") == "" {
			return nil, errParam("Missing required parameter SRP_A")
		}
		return s.startPasswordVerifier(sess, u, p.get("SRP_A"))
	case challenge.Password:
		if p.get("PASSWORD") == "" {
			return nil, errParam("Missing required parameter PASSWORD")
		}
		return s.passwordAuth(c, sess, u, p.get("PASSWORD"))
	}
	// EMAIL_OTP or SMS_OTP: a passwordless first factor, which stands in
	// for MFA as well.
	s.mu.Lock()
	defer s.mu.Unlock()
	sess.mfaDone = true
	return s.challengeFactor(sess, u, factor)
}

func (s *Server) answerSelectChallenge(c *call, sess *authSession, u *userRecord, r params) (any, *Error) {
	ans := r.get("ANSWER")
	s.mu.Lock()
	ok := slices.Contains(sess.mfaChoices, ans)
	var taken *authSession
	if ok {
		taken = s.takeSession(sess.id)
	}
	s.mu.Unlock()
	if !ok {
		return nil, errParam("Invalid ANSWER %q for SELECT_CHALLENGE", ans)
	}
	if taken == nil {
		return nil, errBadSession()
	}
	taken.mfaChoices = nil
	return s.firstFactor(c, taken, u, ans, r)
}
