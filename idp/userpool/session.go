package userpool

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/srp"
)

// session is the server's side of one sign-in between challenges. The
// Session string a client holds is only its random id; everything else
// stays in this process (a restart ends sign-ins in progress, never a
// finished one). A session is taken (removed from the table) by the
// request that answers it, so it can be answered once; a new one is made
// for the next challenge. A taken session belongs to its request alone.
type session struct {
	id       string
	poolID   string
	clientID string
	username string // internal name
	sub      string // the user's sub: a later user of the same name is another
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
	otpFirst        string // EMAIL_OTP or SMS_OTP as USER_AUTH's first factor
	otpFirstDone    bool

	code         string // expected SMS/e-mail code
	codeAttempts int
	mfaChoices   []string
	pendingTOTP  string // MFA_SETUP: secret from AssociateSoftwareToken
	pendingEmail string // MFA_SETUP with EMAIL: the address its code proves
	totpVerified bool

	custom        []ChallengeResult
	customPrivate map[string]string
	customMeta    string

	// A sign-in at the hosted pages (issue 15): answered only through
	// HostedRespond; its tokens carry scopes and nonce.
	hosted bool
	scopes []string
	nonce  string

	// unknown marks the session of a user name that does not exist, on a
	// client that hides users (existence.go); unknownName is that name.
	unknown     bool
	unknownName string

	// event is the sign-in's entry in the user's history (authevents.go);
	// nil for an unknown user.
	event *eventTrail

	// The table's bookkeeping (sessiontable.go): the user key the per-user
	// cap counts under and the position in the expiry heap.
	userKey string
	heapIdx int
}

// nextSession makes the session for the next challenge, carrying the
// progress of prev (if any). It is registered by finish, after the
// request's transaction has committed.
func (s *Service) nextSession(prev *session, expect string) (*session, error) {
	idb, err := s.randomBytes(32)
	if err != nil {
		return nil, err
	}
	var n session
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
	n.expires = now.Add(s.cfg.SessionTTL)
	return &n, nil
}

const secretBlockAD = "caldera/idp SECRET_BLOCK v1"

// sealer seals SECRET_BLOCKs with AES-256-GCM under the server key, so a
// SECRET_BLOCK is opaque to clients and any change to it is detected
// before it is used.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("idp: seal key: %w", err)
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, fmt.Errorf("idp: seal key: %w", err)
	}
	return &sealer{aead: g}, nil
}

var errUnseal = errors.New("idp: sealed value does not authenticate")

// seal returns nonce ‖ AES-GCM(plaintext) with additional data ad.
func (s *sealer) seal(rand io.Reader, plaintext, ad []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := io.ReadFull(rand, nonce); err != nil {
		return nil, err
	}
	return s.aead.Seal(nonce, nonce, plaintext, ad), nil
}

func (s *sealer) open(sealed, ad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, errUnseal
	}
	pt, err := s.aead.Open(nil, sealed[:n], sealed[n:], ad)
	if err != nil {
		return nil, errUnseal
	}
	return pt, nil
}

// sealSecretBlock makes the SECRET_BLOCK of a session: the session's block
// id, sealed under the server key. Clients see opaque bytes; any change
// fails to open.
func (s *Service) sealSecretBlock(sess *session) (string, error) {
	idb, err := s.randomBytes(16)
	if err != nil {
		return "", err
	}
	sess.blockID = base64.RawStdEncoding.EncodeToString(idb)
	sealed, err := s.sealer.seal(s.cfg.Rand, []byte(sess.id+"\x00"+sess.blockID), []byte(secretBlockAD))
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sealed), nil
}

// openSecretBlock returns the session id and block id sealed in a decoded
// SECRET_BLOCK.
func (s *Service) openSecretBlock(block []byte) (sessionID, blockID string, ok bool) {
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

// locked reports whether the user is locked out.
func (s *Service) locked(tx store.Tx, poolID, username string) (bool, error) {
	return s.codeLocked(tx, poolID, username, "")
}

// Codes: one-time codes are limited per user and kind of code across
// sessions (maxCodeFailures wrong ones lock that kind for Lockout, then
// doubling up to 15 minutes, as for passwords). The counts are records
// of the store (store.Failures with a Kind), written in the transaction
// of the request that checked the code.
const maxCodeFailures = 5

// codeLocked reports whether a user's codes of a kind are locked (kind "":
// the user's password and device proofs).
func (s *Service) codeLocked(tx store.Tx, poolID, username, kind string) (bool, error) {
	f, err := store.GetCodeFailures(tx, poolID, username, kind)
	if err != nil || f == nil {
		return false, err
	}
	return s.now().Before(f.LockedUntil), nil
}

// codeFailed counts a wrong code of a kind and reports whether the user
// is now locked for it.
func (s *Service) codeFailed(tx store.Tx, poolID, username, kind string) (bool, error) {
	return s.failed(tx, poolID, username, kind, maxCodeFailures)
}

// failed counts a failure of a kind ("": a password or device proof) and
// reports whether it locks the kind: limit failures in a row lock it for
// Lockout, each further one doubles that up to 15 minutes.
func (s *Service) failed(tx store.Tx, poolID, username, kind string, limit int) (bool, error) {
	f, err := store.GetCodeFailures(tx, poolID, username, kind)
	if err != nil {
		return false, err
	}
	if f == nil {
		f = &store.Failures{PoolID: poolID, Username: username, Kind: kind}
	}
	f.Count++
	locked := f.Count >= limit
	if locked {
		d := s.cfg.Lockout
		for i := limit; i < f.Count && d < maxLockout; i++ {
			d *= 2
		}
		d = min(d, maxLockout)
		f.LockedUntil = s.now().Add(d)
		if kind == "" {
			s.log.Info("idp: user locked", "pool", poolID, "user", username, "for", d)
		} else {
			s.log.Info("idp: codes locked", "pool", poolID, "user", username, "kind", kind, "for", d)
		}
	}
	return locked, store.PutFailures(tx, f)
}

// codeAccepted clears a user's count of wrong codes of a kind.
func (s *Service) codeAccepted(tx store.Tx, poolID, username, kind string) error {
	return store.ClearCodeFailures(tx, poolID, username, kind)
}

// Refusals of a locked kind of code. LimitExceededException's message is
// the service's; TooManyFailedAttemptsException's is ours.
func errTooManyCodes() *Error {
	return apiErr("TooManyFailedAttemptsException", "Too many failed attempts. Try again later.")
}

func errCodeLimit() *Error {
	return apiErr("LimitExceededException", "Attempt limit exceeded, please try after some time.")
}

// recordFailure counts a failed password or device proof: MaxFailures in a
// row lock the user for Lockout, each further one doubles it up to 15
// minutes.
func (s *Service) recordFailure(tx store.Tx, poolID, username string) error {
	_, err := s.failed(tx, poolID, username, "", s.cfg.MaxFailures)
	return err
}
