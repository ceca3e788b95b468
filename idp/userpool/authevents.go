package userpool

import (
	"net/netip"
	"sync"
	"time"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/idp/store"
)

// The sign-in history (issue 13, item 5): each sign-in of a known user is
// one event, Cognito's AuthEventType, stored from its first proof or its
// outcome on (putEvent, in the step's transaction) and updated by each
// later step, with the end user's IP address and the outcome of each
// proof. AdminListUserAuthEvents lists them. The
// tokens of a sign-in carry its event's id as event_id, as Cognito's do.
//
// Cognito keeps this history only for pools with threat protection (and
// answers UserPoolAddOnNotEnabledException otherwise); the local server
// keeps it for every pool, at most store.MaxAuthEvents per user.

// Proof kinds of Cognito's ChallengeResponseType.
const (
	proofPassword = "Password"
	proofMfa      = "Mfa"
)

// eventTrail is the event of one sign-in, shared by the sessions of its
// challenges (nextSession copies the pointer). The mutex guards against
// two requests answering the same session at once: one takes it and the
// other is refused, but both may get this far.
type eventTrail struct {
	mu         sync.Mutex
	id         string
	created    time.Time
	seq        uint64
	ip         string
	challenges []store.ChallengeOutcome
	pending    string // the proof the step under way answers, if any
	stored     bool
}

// beginEvent opens the event of a sign-in whose user is known; proof is
// what its first step proves (Password for a password sent in clear).
func (s *Service) beginEvent(sess *session, ip, proof string) {
	sess.event = &eventTrail{id: s.newID(), created: s.now(), seq: s.eventSeq.Add(1), ip: ip, pending: proof}
}

// expect notes the proof the next step answers (nil-safe: an unknown
// user's session has no event).
func (ev *eventTrail) expect(proof string) {
	if ev == nil {
		return
	}
	ev.mu.Lock()
	ev.pending = proof
	ev.mu.Unlock()
}

// proofOf names the proof a challenge answer gives (none for the steps
// that prove nothing themselves, such as choosing an MFA type). One-time
// codes, as MFA or as USER_AUTH's first factor, are Mfa: Cognito's type
// has no other name for them.
func proofOf(name string) string {
	switch challenge.Name(name) {
	case challenge.PasswordVerifier:
		return proofPassword
	case challenge.SMSMFA, challenge.SoftwareTokenMFA, challenge.EmailOTP, challenge.SMSOTP:
		return proofMfa
	}
	return ""
}

// refusal reports whether err refuses the sign-in itself (a wrong proof,
// a disabled or unconfirmed user), as opposed to a malformed request or a
// session that is not this request's to answer.
func refusal(err *Error) bool {
	switch err.Type {
	case "NotAuthorizedException":
		return err.Message != msgInvalidSession
	case "CodeMismatchException", "ExpiredCodeException", "TooManyFailedAttemptsException",
		"PasswordResetRequiredException", "UserNotConfirmedException":
		return true
	}
	return false
}

// putEvent stores the event of sess after a step decided o, in the
// step's transaction: the step's proof (if any) and the sign-in's state.
// Nothing is stored for a sign-in that has proved nothing and is not
// decided (the first step of SRP, a choice of challenge), so a flood of
// unanswered starts writes nothing; nor for an outcome that refuses the
// request rather than the sign-in.
func (s *Service) putEvent(tx store.Tx, sess *session, o *outcome) error {
	ev := sess.event
	if ev == nil {
		return nil
	}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	proof, result, response := ev.pending, "Success", "InProgress"
	ev.pending = ""
	switch {
	case o.err != nil && !refusal(o.err):
		return nil
	case o.err != nil && o.afterProof:
		// The proof was right; the user is refused.
		response = "Fail"
	case o.err != nil:
		result, response = "Failure", "Fail"
	case o.mint != nil:
		response = "Pass"
	}
	if proof == "" && response == "InProgress" && !ev.stored {
		return nil
	}
	if proof != "" {
		ev.challenges = append(ev.challenges, store.ChallengeOutcome{Name: proof, Response: result})
	}
	e := &store.AuthEvent{
		ID: ev.id, PoolID: sess.poolID, Username: sess.username, Type: "SignIn", Created: ev.created, Seq: ev.seq,
		Response: response, Challenges: ev.challenges, IPAddress: ev.ip,
	}
	isNew := !ev.stored
	ev.stored = true
	return store.PutAuthEvent(tx, e, isNew)
}

// Event types besides SignIn (Cognito's EventType).
const (
	eventSignUp         = "SignUp"
	eventForgotPassword = "ForgotPassword"
	eventPasswordChange = "PasswordChange"
	eventResendCode     = "ResendCode"
)

// putAccountEvent stores a one-step event of u's account in tx: SignUp
// (Pass), ForgotPassword (InProgress when the code is sent; Pass or Fail
// at ConfirmForgotPassword), PasswordChange (Pass or Fail), ResendCode
// (Pass).
func (s *Service) putAccountEvent(tx store.Tx, u *store.User, typ, response, ip string) error {
	return store.PutAuthEvent(tx, &store.AuthEvent{
		ID: s.newID(), PoolID: u.PoolID, Username: u.Username, Type: typ, Created: s.now(), Seq: s.eventSeq.Add(1),
		Response: response, IPAddress: ip,
	}, true)
}

// AdminUpdateAuthEventFeedback records an administrator's verdict on one
// of a user's sign-in events (FeedbackValue Valid or Invalid); the event
// lists it as EventFeedback. Unknown events are ResourceNotFoundException.
func (s *Service) AdminUpdateAuthEventFeedback(poolID, username, eventID, value string) *Error {
	if value != "Valid" && value != "Invalid" {
		return validation("Value '%s' at 'feedbackValue' failed to satisfy constraint: Member must satisfy enum value set: [Valid, Invalid]", value)
	}
	return s.update(func(tx store.Tx) error {
		u, err := adminUser(tx, poolID, username)
		if err != nil {
			return err
		}
		var found *store.AuthEvent
		if err := store.AuthEvents(tx, u.PoolID, u.Username, func(_ string, e *store.AuthEvent) error {
			if e.ID == eventID {
				found = e
			}
			return nil
		}); err != nil {
			return err
		}
		if found == nil {
			return errNotFound("Auth event %s does not exist.", eventID)
		}
		found.Feedback = &store.EventFeedback{Value: value, Provider: "Admin", Date: s.now()}
		return store.PutAuthEvent(tx, found, false)
	})
}

// SourceIP is the address of an http.Request's RemoteAddr ("" if it has
// none), for the history of sign-ins that name no end user's address.
// Forwarding headers are not believed: a client sets them as it likes.
func SourceIP(remoteAddr string) string {
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return ""
	}
	return ap.Addr().Unmap().String()
}

// eventID is the id a sign-in's tokens carry as event_id.
func (s *Service) eventID(sess *session) string {
	if sess.event != nil {
		return sess.event.id
	}
	return s.newID()
}

// AdminListUserAuthEvents lists a user's sign-in events, newest first,
// maxResults (0: 60) at a time.
func (s *Service) AdminListUserAuthEvents(poolID, username string, maxResults int, token string) ([]*store.AuthEvent, string, *Error) {
	limit, err := checkLimit("maxResults", maxResults)
	if err != nil {
		return nil, "", err
	}
	type keyed struct {
		key string
		e   *store.AuthEvent
	}
	var all []keyed
	if err := s.view(func(tx store.Tx) error {
		u, err := adminUser(tx, poolID, username)
		if err != nil {
			return err
		}
		return store.AuthEvents(tx, u.PoolID, u.Username, func(k string, e *store.AuthEvent) error {
			all = append(all, keyed{k, e})
			return nil
		})
	}); err != nil {
		return nil, "", err
	}
	got, next, err := page(all, func(k keyed) string { return k.key }, limit, token)
	if err != nil {
		return nil, "", err
	}
	out := make([]*store.AuthEvent, len(got))
	for i, k := range got {
		out[i] = k.e
	}
	return out, next, nil
}
