package userpool

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"slices"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/srp"
)

// Values of PreventUserExistenceErrors (botocore's
// PreventUserExistenceErrorTypes).
const (
	PreventUserExistenceEnabled = "ENABLED"
	PreventUserExistenceLegacy  = "LEGACY"
)

// PreventUserExistence returns a client's PreventUserExistenceErrors
// setting: ENABLED unless the client was made LEGACY.
func PreventUserExistence(cl *store.Client) string {
	if cl.PreventUserExistenceErrors == PreventUserExistenceLegacy {
		return PreventUserExistenceLegacy
	}
	return PreventUserExistenceEnabled
}

// hidesUsers reports whether a client answers an unknown user as it
// answers a wrong password ("Managing user existence error responses",
// Amazon Cognito Developer Guide).
func hidesUsers(cl *store.Client) bool {
	return PreventUserExistence(cl) == PreventUserExistenceEnabled
}

const unknownUserKeyLabel = "caldera/idp unknown users v1"

// unknownMAC is HMAC-SHA256 under the server's unknown-user key (derived
// from the seal key, so stable across restarts with --data) of the
// length-prefixed parts.
func (s *Service) unknownMAC(parts ...string) []byte {
	m := hmac.New(sha256.New, s.unknownKey)
	var n [4]byte
	for _, p := range parts {
		binary.BigEndian.PutUint32(n[:], uint32(len(p)))
		m.Write(n[:])
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

// unknownUser returns the stand-in of a user name that does not exist: a
// store.User whose salt is derived from the pool, the name and the
// server's secret (the same at every call, as a real salt is) and whose
// verifier is a pseudo-random value of a real verifier's size, so that
// PASSWORD_VERIFIER is computed by the same code, in the same time, as a
// real user's. Its internal name is the name given, or (on a pool whose
// users sign in with an e-mail address or phone number, whose internal
// names are UUIDs) a UUID derived like the salt.
func (s *Service) unknownUser(p *store.Pool, name string) *store.User {
	salt := srp.PadHex(s.unknownMAC("salt", p.ID, name)[:16])
	v := make([]byte, 0, 384)
	for i := 0; len(v) < 384; i++ {
		v = append(v, s.unknownMAC("verifier", p.ID, name, string(rune('0'+i)))...)
	}
	v = v[:384]
	v[0] &= 0x7f // below N, whose top byte is 0xff
	id := name
	if len(p.UsernameAttributes) > 0 {
		h := hex.EncodeToString(s.unknownMAC("id", p.ID, name)[:16])
		b := []byte(h)
		b[12] = '4'
		b[16] = "89ab"[b[16]%4]
		h = string(b)
		id = h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
	}
	return &store.User{PoolID: p.ID, Username: id, Salt: salt, V: v, Enabled: true, Status: store.StatusConfirmed}
}

// startUnknown answers InitiateAuth for a user name that does not exist,
// on a client that hides users: USER_SRP_AUTH gets a PASSWORD_VERIFIER
// challenge shaped as a real one (see unknownUser) whose claim is then
// refused as a wrong password is; the password flows and CUSTOM_AUTH get
// the wrong-password answer (after the same verifier computation a real
// password check costs); USER_AUTH gets SELECT_CHALLENGE with the
// password factors.
func (s *Service) startUnknown(endpoint string, sess *session, cl *store.Client, name string, p map[string]string) (*AuthResult, *Error) {
	pool, err := s.Pool(cl.PoolID)
	if err != nil {
		return nil, err
	}
	u := s.unknownUser(pool, name)
	sess.username, sess.unknown, sess.unknownName = u.Username, true, name
	switch sess.flow {
	case "USER_SRP_AUTH":
		if p["SRP_A"] == "" {
			return nil, errParam("Missing required parameter SRP_A")
		}
		return s.startPasswordVerifier(sess, u, p["SRP_A"])
	case "USER_AUTH":
		factors := firstFactors(pool, u)
		if pref := p["PREFERRED_CHALLENGE"]; pref != "" && slices.Contains(factors, pref) {
			return s.unknownFactor(sess, u, pref, p)
		}
		o, cerr := s.challenge(sess, string(challenge.SelectChallenge), map[string]string{"USERNAME": u.Username})
		if cerr != nil {
			return nil, errInternal(cerr)
		}
		o.next.mfaChoices = factors
		o.res.AvailableChallenges = factors
		return s.finish(endpoint, o)
	case "CUSTOM_AUTH":
		return nil, errIncorrect()
	default: // USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, ADMIN_NO_SRP_AUTH
		return s.unknownFactor(sess, u, string(challenge.Password), p)
	}
}

// unknownFactor is firstFactor for an unknown user.
func (s *Service) unknownFactor(sess *session, u *store.User, factor string, p map[string]string) (*AuthResult, *Error) {
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
		// The work of a real check, whose answer is known.
		_, _ = srp.PasswordVerifierFromSalt(u.Salt, srpPoolName(u.PoolID), u.Username, p["PASSWORD"])
		return nil, errIncorrect()
	}
	return nil, errIncorrect()
}

// answerUnknown answers a challenge of an unknown user's session as a
// wrong password is answered: the same input checks first, the session
// taken, the same SRP work, then NotAuthorizedException "Incorrect
// username or password.".
func (s *Service) answerUnknown(sess *session, challengeName string, r map[string]string) (*AuthResult, *Error) {
	switch challenge.Name(challengeName) {
	case challenge.PasswordVerifier:
		canonical, block, err := s.checkClaimInputs(sess, r)
		if err != nil {
			return nil, err
		}
		taken := s.sessions.take(sess.id, s.now())
		if taken == nil {
			return nil, errBadSession()
		}
		_ = taken.srpServer.VerifyPasswordClaim(srp.VerifyClaimParams{
			PoolName: srpPoolName(taken.poolID), UserIDForSRP: taken.username, SRPA: taken.srpA,
			SecretBlock: block, Timestamp: canonical, Signature: r["PASSWORD_CLAIM_SIGNATURE"],
		})
		return nil, errIncorrect()
	case challenge.SelectChallenge:
		ans := r["ANSWER"]
		if !slices.Contains(sess.mfaChoices, ans) {
			return nil, errParam("Invalid ANSWER %q for SELECT_CHALLENGE", ans)
		}
		taken := s.sessions.take(sess.id, s.now())
		if taken == nil {
			return nil, errBadSession()
		}
		pool, err := s.Pool(taken.poolID)
		if err != nil {
			return nil, err
		}
		taken.mfaChoices = nil
		return s.unknownFactor(taken, s.unknownUser(pool, taken.unknownName), ans, r)
	}
	return nil, errIncorrect()
}
