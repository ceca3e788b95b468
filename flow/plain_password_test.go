package flow

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/caldera-srp/caldera/challenge"
)

// TestPlainPasswordPolicy: whatever the flow, a server that answers with a
// SELECT_CHALLENGE offering PASSWORD gets the password in clear only when
// the configuration sends it anyway (USER_PASSWORD_AUTH,
// ADMIN_USER_PASSWORD_AUTH, USER_AUTH not preferring PASSWORD_SRP) or
// Config.AllowPlainPassword is set (issue 11 item 12). Otherwise the answer
// is ErrPlainPassword, the machine stays at the prompt, and PASSWORD_SRP
// still works. A machine restored from a saved state keeps the rule of its
// saved flow.
func TestPlainPasswordPolicy(t *testing.T) {
	const password = "Never-In-Clear-42"
	selectChallenge := []byte(`{"ChallengeName":"SELECT_CHALLENGE","Session":"sess-1",` +
		`"AvailableChallenges":["PASSWORD","PASSWORD_SRP"],"ChallengeParameters":{}}`)
	for _, flow := range propFlows {
		if flow == GetTokensFromRefreshToken {
			continue // answers tokens or an error, never a challenge to choose from
		}
		preferences := []string{""}
		if flow == UserAuth {
			preferences = []string{"", "PASSWORD_SRP", "PASSWORD", "EMAIL_OTP"}
		}
		for _, pref := range preferences {
			for _, allow := range []bool{false, true} {
				for _, restore := range []bool{false, true} {
					name := fmt.Sprintf("%s/pref=%s/allow=%v/restored=%v", flow, pref, allow, restore)
					t.Run(name, func(t *testing.T) {
						cfg := Config{
							UserPoolID: testPoolID, ClientID: testClientID, Username: "u", Password: password,
							Flow: flow, PreferredChallenge: pref, RefreshToken: "r", Admin: flow == AdminUserPasswordAuth,
							AllowPlainPassword: allow, Rand: newTestRand(9), Now: func() time.Time { return testEpoch },
						}
						m, err := New(cfg)
						if err != nil {
							t.Fatal(err)
						}
						m.Start()
						if st := m.Receive(selectChallenge, nil); st.Prompt == nil {
							t.Fatalf("no prompt: %+v", st)
						}
						if restore {
							state, err := m.Seal(testSealKey)
							if err != nil {
								t.Fatal(err)
							}
							rc := cfg
							rc.Flow, rc.PreferredChallenge, rc.Username = "", pref, ""
							if m, err = Restore(rc, state, testSealKey); err != nil {
								t.Fatal(err)
							}
						}
						sent := allow || flow == UserPasswordAuth || flow == AdminUserPasswordAuth ||
							(flow == UserAuth && pref != "PASSWORD_SRP")
						st := m.Answer(Answer{Choice: challenge.Password})
						if sent {
							if st.Request == nil || !strings.Contains(string(st.Request.Input), `"PASSWORD":"`+password+`"`) {
								t.Fatalf("PASSWORD not sent: %+v", st)
							}
							return
						}
						if !errors.Is(st.Err, ErrPlainPassword) || !errors.Is(st.Err, ErrInvalidAnswer) {
							t.Fatalf("PASSWORD answer: %+v, want ErrPlainPassword", st)
						}
						if m.Done() || m.Prompt() == nil {
							t.Fatal("the refused answer ended the machine")
						}
						st = m.Answer(Answer{Choice: challenge.PasswordSRP, Password: password})
						if st.Request == nil {
							t.Fatalf("PASSWORD_SRP after the refusal: %+v", st)
						}
						in := string(st.Request.Input)
						if strings.Contains(in, password) || !strings.Contains(in, `"SRP_A":"`) {
							t.Fatalf("PASSWORD_SRP request: %s", in)
						}
					})
				}
			}
		}
	}
}
