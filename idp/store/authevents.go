package store

import (
	"fmt"
	"math"
	"time"
)

// KindAuthEvent holds the users' sign-in history, what
// AdminListUserAuthEvents answers (key AuthEventKey); each user's index
// (KindUserIndex) lists its events' keys, newest first, through which the
// history is read, trimmed and deleted.
const KindAuthEvent = "authevent"

// MaxAuthEvents bounds the history kept per user: when a sign-in starts a
// new event, the oldest beyond this many are deleted. (Cognito keeps 90
// days of events; a local server keeps a bounded number.)
const MaxAuthEvents = 100

// AuthEvent is one sign-in attempt of a user, Cognito's AuthEventType:
// created when the user is known and its first step answered, and updated
// by each later step of the same sign-in.
type AuthEvent struct {
	ID       string
	PoolID   string
	Username string
	// Type is Cognito's EventType; the local server records SignIn.
	Type    string
	Created time.Time
	// Seq orders the events of one Created time (a process's count).
	Seq uint64 `json:",omitempty"`
	// Response is Pass (tokens issued), Fail (a proof or code refused, or
	// the user refused) or InProgress (a challenge is open, or was left).
	Response string
	// Challenges are the proofs of the sign-in so far, in order.
	Challenges []ChallengeOutcome `json:",omitempty"`
	// IPAddress is the end user's address the request named
	// (UserContextData or ContextData), else the request's source.
	IPAddress string `json:",omitempty"`
	// Feedback is AdminUpdateAuthEventFeedback's verdict, if any.
	Feedback *EventFeedback `json:",omitempty"`
}

// EventFeedback is Cognito's EventFeedbackType: Value is Valid or
// Invalid, Provider who said so (Admin).
type EventFeedback struct {
	Value    string
	Provider string
	Date     time.Time
}

// ChallengeOutcome is Cognito's ChallengeResponseType: Name is Password or
// Mfa, Response Success or Failure.
type ChallengeOutcome struct {
	Name     string `json:"ChallengeName"`
	Response string `json:"ChallengeResponse"`
}

// AuthEventsPrefix is the key prefix of a user's events.
func AuthEventsPrefix(poolID, username string) string { return UserKey(poolID, username) + "\x00" }

// AuthEventKey is the key of an event: the user's prefix, then the
// creation time and the sequence number counted down (so that a user's
// events sort newest first), then the id.
func AuthEventKey(e *AuthEvent) string {
	return fmt.Sprintf("%s%016x%016x/%s", AuthEventsPrefix(e.PoolID, e.Username),
		uint64(math.MaxInt64-e.Created.UnixNano()), math.MaxUint64-e.Seq, e.ID)
}

// PutAuthEvent stores e: a new event (isNew), which goes first in its
// user's index and pushes the oldest beyond MaxAuthEvents out, or an
// update of one (the key is the same for the same ID, creation time and
// sequence number).
//
// An update of an event the index no longer lists (pushed out by newer
// ones while its sign-in waited on a challenge) writes nothing: the record
// would be in no index, never listed, trimmed or deleted.
func PutAuthEvent(tx Tx, e *AuthEvent, isNew bool) error {
	key := AuthEventKey(e)
	if !isNew {
		if old, err := tx.Get(KindAuthEvent, key); err != nil || old == nil {
			return err
		}
	}
	if err := put(tx, KindAuthEvent, key, e); err != nil || !isNew {
		return err
	}
	idx, err := getIndex(tx, e.PoolID, e.Username, indexEvents)
	if err != nil {
		return err
	}
	idx = append([]IndexEntry{{Key: key}}, idx...)
	if len(idx) > MaxAuthEvents {
		for _, old := range idx[MaxAuthEvents:] {
			if err := tx.Delete(KindAuthEvent, old.Key); err != nil {
				return err
			}
		}
		idx = idx[:MaxAuthEvents]
	}
	return putIndex(tx, e.PoolID, e.Username, indexEvents, idx)
}

// AuthEvents calls fn with a user's events, newest first, and the key
// each is stored under.
func AuthEvents(tx Tx, poolID, username string, fn func(key string, e *AuthEvent) error) error {
	return eachIndexed(tx, KindAuthEvent, poolID, username, indexEvents, fn)
}
