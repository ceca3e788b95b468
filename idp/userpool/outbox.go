package userpool

import (
	"sync"
	"time"

	"github.com/caldera-srp/caldera/idp/store"
)

// Message is one SMS or e-mail the server would have sent: sign-up
// confirmation codes, MFA and one-time codes, temporary passwords. The
// server keeps the last 1000 in memory; read them with Outbox.
type Message struct {
	Time        time.Time `json:"time"`
	PoolID      string    `json:"poolId"`
	Username    string    `json:"username"` // the user's internal name
	Medium      string    `json:"medium"`   // "EMAIL" or "SMS"
	Destination string    `json:"destination"`
	Purpose     string    `json:"purpose"` // SIGN_UP, RESEND_CODE, SMS_MFA, EMAIL_OTP, SMS_OTP, ADMIN_CREATE_USER, …
	Code        string    `json:"code"`    // the code or temporary password
	// Text and Subject are the message a CustomMessage trigger wrote, the
	// code in place of {####}; empty without one.
	Text    string `json:"text,omitempty"`
	Subject string `json:"subject,omitempty"`
}

// outbox is the in-memory list of sent messages. Messages are appended
// after the transaction that made them has committed.
type outbox struct {
	mu   sync.Mutex
	max  int
	msgs []Message
}

func (o *outbox) send(m Message) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.msgs = append(o.msgs, m)
	if len(o.msgs) > o.max {
		o.msgs = append([]Message(nil), o.msgs[len(o.msgs)-o.max:]...)
	}
}

func (o *outbox) all() []Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Message(nil), o.msgs...)
}

// message addresses a message to u.
func (s *Service) message(u *store.User, medium, purpose, code string) Message {
	dest := u.Attrs["email"]
	if medium == "SMS" {
		dest = u.Attrs["phone_number"]
	}
	s.log.Info("idp: outbox", "pool", u.PoolID, "user", u.Username, "medium", medium, "purpose", purpose)
	return Message{
		Time: s.now(), PoolID: u.PoolID, Username: u.Username, Medium: medium,
		Destination: dest, Purpose: purpose, Code: code,
	}
}

// Outbox returns the messages for a pool and user, oldest first. Empty
// poolID or username match any. The username may be an alias (e-mail,
// phone number) or the internal name.
func (s *Service) Outbox(poolID, username string) []Message {
	var out []Message
	resolved := map[string]string{} // pool → internal name of username
	for _, m := range s.outbox.all() {
		if poolID != "" && m.PoolID != poolID {
			continue
		}
		if username != "" && m.Username != username && m.Destination != username {
			name, ok := resolved[m.PoolID]
			if !ok {
				s.view(func(tx store.Tx) error {
					if u, err := findUserIn(tx, m.PoolID, username); err == nil && u != nil {
						name = u.Username
					}
					return nil
				})
				resolved[m.PoolID] = name
			}
			if name == "" || name != m.Username {
				continue
			}
		}
		out = append(out, m)
	}
	return out
}

// maskDestination renders a delivery destination as Cognito does in
// CODE_DELIVERY_DESTINATION: most characters hidden.
func maskDestination(medium, dest string) string {
	if dest == "" {
		return ""
	}
	if medium == "SMS" {
		if len(dest) <= 4 {
			return dest
		}
		return "+*******" + dest[len(dest)-4:]
	}
	at := -1
	for i := range len(dest) {
		if dest[i] == '@' {
			at = i
			break
		}
	}
	if at < 1 {
		return "***"
	}
	return dest[:1] + "***" + dest[at:]
}
