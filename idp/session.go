package idp

import (
	"encoding/base64"
	"time"

	"github.com/caldera-srp/caldera/srp"
)

// authSession is the server's side of one sign-in between challenges. The
// Session string a client holds is only its random id; everything else stays
// here. A session is taken (removed from the table) by the request that
// answers it, so it can be answered once; a new one is made for the next
// challenge.
type authSession struct {
	id       string
	poolID   string
	clientID string
	username string // internal name
	admin    bool
	expect   string // the challenge this session answers
	created  time.Time
	expires  time.Time
	metadata map[string]string

	// SRP state for PASSWORD_VERIFIER and DEVICE_PASSWORD_VERIFIER.
	srpServer *srp.Server
	srpA      string
	blockID   string // sealed into SECRET_BLOCK

	deviceKey string // DEVICE_KEY from InitiateAuth or PASSWORD_VERIFIER

	flow            string
	passwordDone    bool
	newPasswordDone bool
	mfaDone         bool
	deviceDone      bool
	customDone      bool

	code         string // expected SMS/e-mail code
	codeAttempts int
	mfaChoices   []string
	pendingTOTP  string // MFA_SETUP: secret from AssociateSoftwareToken
	totpVerified bool

	custom        []ChallengeResult
	customPrivate map[string]string
	customMeta    string
}

const secretBlockAD = "caldera/idp SECRET_BLOCK v1"

// newSession registers a session for the next challenge. It copies the
// progress of prev (if any). Called with s.mu held.
func (s *Server) newSession(prev *authSession, expect string) (*authSession, error) {
	idb, err := s.randomBytes(32)
	if err != nil {
		return nil, err
	}
	var n authSession
	if prev != nil {
		n = *prev
	}
	n.id = base64.StdEncoding.EncodeToString(idb)
	n.expect = expect
	n.srpServer, n.srpA, n.blockID = nil, "", ""
	n.code, n.codeAttempts = "", 0
	now := s.now()
	if prev == nil {
		n.created = now
	}
	n.expires = now.Add(s.opts.SessionTTL)
	s.gcSessions(now)
	s.sessions[n.id] = &n
	return &n, nil
}

// gcSessions drops expired sessions. Called with s.mu held.
func (s *Server) gcSessions(now time.Time) {
	if len(s.sessions) < 1024 {
		return
	}
	for id, x := range s.sessions {
		if !now.Before(x.expires) {
			delete(s.sessions, id)
		}
	}
}

// peekSession returns a live session without taking it. Called with s.mu
// held.
func (s *Server) peekSession(id string) *authSession {
	x := s.sessions[id]
	if x == nil {
		return nil
	}
	if !s.now().Before(x.expires) {
		delete(s.sessions, id)
		return nil
	}
	return x
}

// takeSession removes a live session so that no other request can answer
// it. Called with s.mu held.
func (s *Server) takeSession(id string) *authSession {
	x := s.peekSession(id)
	if x != nil {
		delete(s.sessions, id)
	}
	return x
}

// sealSecretBlock makes the SECRET_BLOCK of a session: the session's block
// id, sealed under the server key. Clients see opaque bytes; any change
// fails to open.
func (s *Server) sealSecretBlock(sess *authSession) (string, error) {
	idb, err := s.randomBytes(16)
	if err != nil {
		return "", err
	}
	sess.blockID = base64.RawStdEncoding.EncodeToString(idb)
	sealed, err := s.sealer.seal(s.rand, []byte(sess.id+"\x00"+sess.blockID), []byte(secretBlockAD))
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sealed), nil
}

// openSecretBlock returns the session id and block id sealed in a decoded
// SECRET_BLOCK.
func (s *Server) openSecretBlock(block []byte) (sessionID, blockID string, ok bool) {
	pt, err := s.sealer.open(block, []byte(secretBlockAD))
	if err != nil {
		return "", "", false
	}
	for i := range len(pt) {
		if pt[i] == 0 {
			return string(pt[:i]), string(pt[i+1:]), true
		}
	}
	return "", "", false
}

// failureState counts a user's consecutive failed sign-ins.
type failureState struct {
	count       int
	lockedUntil time.Time
}

// locked reports whether the user is locked out. Called with s.mu held.
func (s *Server) locked(poolID, username string) bool {
	f := s.failures[userKey(poolID, username)]
	return f != nil && s.now().Before(f.lockedUntil)
}

// recordFailure counts a failed password or device proof. Called with s.mu
// held.
func (s *Server) recordFailure(poolID, username string) {
	k := userKey(poolID, username)
	f := s.failures[k]
	if f == nil {
		f = &failureState{}
		s.failures[k] = f
	}
	f.count++
	if f.count >= s.opts.MaxFailures {
		d := s.opts.Lockout
		for i := s.opts.MaxFailures; i < f.count && d < 15*time.Minute; i++ {
			d *= 2
		}
		d = min(d, 15*time.Minute)
		f.lockedUntil = s.now().Add(d)
		s.log.Info("idp: user locked", "pool", poolID, "user", username, "for", d)
	}
}

func (s *Server) recordSuccess(poolID, username string) {
	delete(s.failures, userKey(poolID, username))
}

func errLocked() *Error { return apiErr("PasswordAttemptsExceededException", msgAttempts) }
