package idp

import "time"

// Message is one SMS or e-mail the server would have sent: sign-up
// confirmation codes, MFA and one-time codes, temporary passwords. The
// server keeps the last 1000 in memory; read them with Outbox, LastCode or
// GET /_caldera/outbox?pool=&username=.
type Message struct {
	Time        time.Time `json:"time"`
	PoolID      string    `json:"poolId"`
	Username    string    `json:"username"` // the user's internal name
	Medium      string    `json:"medium"`   // "EMAIL" or "SMS"
	Destination string    `json:"destination"`
	Purpose     string    `json:"purpose"` // SIGN_UP, SMS_MFA, EMAIL_OTP, SMS_OTP, ADMIN_CREATE_USER
	Code        string    `json:"code"`    // the code or temporary password
}

// Outbox returns the messages for a pool and user, oldest first. Empty
// poolID or username match any. The username may be an alias (e-mail,
// phone number) or the internal name.
func (s *Server) Outbox(poolID, username string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.outbox {
		if poolID != "" && m.PoolID != poolID {
			continue
		}
		if username != "" && m.Username != username && m.Destination != username {
			if u := s.findUserLocked(m.PoolID, username); u == nil || u.Username != m.Username {
				continue
			}
		}
		out = append(out, m)
	}
	return out
}

// LastCode returns the code of the newest message for the user, or "".
func (s *Server) LastCode(poolID, username string) string {
	msgs := s.Outbox(poolID, username)
	if len(msgs) == 0 {
		return ""
	}
	return msgs[len(msgs)-1].Code
}

// send appends to the outbox. Called with s.mu held.
func (s *Server) send(u *userRecord, medium, purpose, code string) {
	dest := u.Attrs["email"]
	if medium == "SMS" {
		dest = u.Attrs["phone_number"]
	}
	s.outbox = append(s.outbox, Message{
		Time: s.now(), PoolID: u.PoolID, Username: u.Username, Medium: medium,
		Destination: dest, Purpose: purpose, Code: code,
	})
	if len(s.outbox) > defaultMaxOutbox {
		s.outbox = append([]Message(nil), s.outbox[len(s.outbox)-defaultMaxOutbox:]...)
	}
	s.log.Info("idp: outbox", "pool", u.PoolID, "user", u.Username, "medium", medium, "purpose", purpose)
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
