package flow

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caldera-srp/caldera/challenge"
)

// TestTranscriptsLeakNoSecrets replays every transcript and looks for the
// passwords, SRP exponents, x, S, derived keys, the sealing key, codes,
// SECRET_HASH values, signatures, tokens, device passwords and TOTP secrets
// in every saved form (plain and sealed) and every log line.
func TestTranscriptsLeakNoSecrets(t *testing.T) {
	files, err := filepath.Glob("testdata/*")
	if err != nil {
		t.Fatal(err)
	}
	var nSaved, nLines, nSecrets int
	for _, f := range files {
		if st, err := os.Stat(f); err != nil || st.IsDir() {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			h := runTranscript(t, f)
			lines := strings.Split(strings.TrimSpace(h.logBuf.String()), "\n")
			nSaved += len(h.saved)
			nLines += len(lines)
			nSecrets += len(h.secrets)
			for _, s := range h.secrets {
				for i, st := range h.saved {
					if bytes.Contains(st, []byte(s)) {
						t.Errorf("saved form %d contains the secret %q", i, s)
					}
				}
				for _, l := range lines {
					if strings.Contains(l, s) {
						t.Errorf("log line contains the secret %q: %s", s, l)
					}
				}
			}
			for _, p := range h.personal {
				for _, l := range lines {
					if p != "" && strings.Contains(l, p) {
						t.Errorf("log line contains the personal datum %q: %s", p, l)
					}
				}
			}
		})
	}
	t.Logf("%d saved forms, %d log lines, %d secret values checked", nSaved, nLines, nSecrets)
	if nSaved == 0 || nLines == 0 || nSecrets == 0 {
		t.Fatal("nothing checked")
	}
}

// smsPrompt returns a machine at an SMS_MFA prompt (USER_PASSWORD_AUTH) and
// its config.
func smsPrompt(t testing.TB, now *time.Time) (*Machine, Config) {
	cfg := Config{
		UserPoolID: testPoolID, ClientID: testClientID, ClientSecret: testSecret,
		Username: "alice@example.com", Password: "pw-never-saved", Flow: UserPasswordAuth,
		Device: &Device{DeviceKey: "us-east-1_dk", DeviceGroupKey: "-g", DevicePassword: "dev-pw-never-saved"},
		Rand:   newTestRand(3), Now: func() time.Time { return *now },
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s := m.Start(); s.Request == nil {
		t.Fatal(s.Err)
	}
	s := m.Receive([]byte(`{"ChallengeName":"SMS_MFA","Session":"sess-1","ChallengeParameters":{"USERNAME":"uuid-1","CODE_DELIVERY_DESTINATION":"+***0100"}}`), nil)
	if s.Prompt == nil {
		t.Fatal(s.Err)
	}
	return m, cfg
}

func TestSealedStateEveryByteChangeFails(t *testing.T) {
	now := testEpoch
	m, cfg := smsPrompt(t, &now)
	sealed, err := m.Seal(testSealKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(cfg, sealed, testSealKey); err != nil {
		t.Fatalf("intact state: %v", err)
	}
	changes := 0
	for i := range sealed {
		for v := 0; v < 256; v++ {
			if byte(v) == sealed[i] {
				continue
			}
			alt := bytes.Clone(sealed)
			alt[i] = byte(v)
			_, err := Restore(cfg, alt, testSealKey)
			if !errors.Is(err, ErrStateCorrupt) && !errors.Is(err, ErrStateVersion) && !errors.Is(err, ErrStateKey) {
				t.Fatalf("byte %d = %#x: err = %v", i, v, err)
			}
			changes++
		}
	}
	for n := 0; n < len(sealed); n++ {
		if _, err := Restore(cfg, sealed[:n], testSealKey); err == nil {
			t.Fatalf("prefix of %d bytes restored", n)
		}
	}
	t.Logf("%d single-byte changes of a %d-byte sealed state, all refused", changes, len(sealed))
}

func TestPlainStateEveryByteChangeFails(t *testing.T) {
	now := testEpoch
	m, cfg := smsPrompt(t, &now)
	plain, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	for i := range plain {
		for _, x := range []byte{0x01, 0x80, 0xff} {
			alt := bytes.Clone(plain)
			alt[i] ^= x
			if _, err := Restore(cfg, alt, nil); !errors.Is(err, ErrStateCorrupt) && !errors.Is(err, ErrStateVersion) && !errors.Is(err, ErrStateKey) {
				t.Fatalf("byte %d ^ %#x: err = %v", i, x, err)
			}
		}
	}
	for n := 0; n < len(plain); n++ {
		if _, err := Restore(cfg, plain[:n], nil); !errors.Is(err, ErrStateCorrupt) && !errors.Is(err, ErrStateVersion) {
			t.Fatalf("prefix of %d bytes: err = %v", n, err)
		}
	}
}

func TestRestoreErrors(t *testing.T) {
	now := testEpoch
	m, cfg := smsPrompt(t, &now)
	sealed, _ := m.Seal(testSealKey)
	plain, _ := m.MarshalBinary()
	other := cfg
	other.ClientID = "another-client"
	for _, c := range []struct {
		name  string
		cfg   Config
		state []byte
		key   []byte
		want  error
	}{
		{"unknown version", cfg, append([]byte{0x02}, plain[1:]...), nil, ErrStateVersion},
		{"empty", cfg, nil, nil, ErrStateCorrupt},
		{"sealed without key", cfg, sealed, nil, ErrStateKey},
		{"plain with key", cfg, plain, testSealKey, ErrStateKey},
		{"short key", cfg, sealed, []byte("short"), ErrStateKey},
		{"wrong key", cfg, sealed, bytes.Repeat([]byte{7}, 32), ErrStateCorrupt},
		{"sealed for another client", other, sealed, testSealKey, ErrStateCorrupt},
		{"plain for another client", other, plain, nil, ErrStateMismatch},
	} {
		if _, err := Restore(c.cfg, c.state, c.key); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	u := cfg
	u.Username = "mallory"
	if _, err := Restore(u, plain, nil); !errors.Is(err, ErrStateMismatch) {
		t.Errorf("other user: %v", err)
	}
	now = now.Add(DefaultSessionLifetime)
	if _, err := Restore(cfg, sealed, testSealKey); !errors.Is(err, ErrExpired) {
		t.Errorf("expired: %v", err)
	}
	// Not at a prompt.
	fresh, _ := New(cfg)
	if _, err := fresh.MarshalBinary(); !errors.Is(err, ErrNotAtPrompt) {
		t.Errorf("MarshalBinary before Start: %v", err)
	}
}

// TestSavedStateHoldsNoSecrets checks the plain form directly: it has the
// Session and the names, never the password, device password or secret.
func TestSavedStateHoldsNoSecrets(t *testing.T) {
	now := testEpoch
	m, _ := smsPrompt(t, &now)
	plain, _ := m.MarshalBinary()
	for _, want := range []string{"sess-1", "uuid-1", "alice@example.com", "us-east-1_dk", testClientID} {
		if !bytes.Contains(plain, []byte(want)) {
			t.Errorf("saved state lacks %q", want)
		}
	}
	for _, secret := range []string{"pw-never-saved", "dev-pw-never-saved", testSecret} {
		if bytes.Contains(plain, []byte(secret)) {
			t.Errorf("saved state holds %q", secret)
		}
	}
}

// TestUnmarshalBinary restores with the encoding.BinaryUnmarshaler method.
func TestUnmarshalBinary(t *testing.T) {
	now := testEpoch
	m, cfg := smsPrompt(t, &now)
	plain, _ := m.MarshalBinary()
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.UnmarshalBinary(plain); err != nil {
		t.Fatal(err)
	}
	a, b := m.Answer(Answer{Code: "123456"}), r.Answer(Answer{Code: "123456"})
	if a.Request == nil || b.Request == nil || !bytes.Equal(a.Request.Input, b.Request.Input) {
		t.Fatalf("requests differ:\n%s\n%s", a.Request.Input, b.Request.Input)
	}
	if err := r.UnmarshalBinary(plain); !errors.Is(err, ErrNotWaiting) {
		t.Errorf("UnmarshalBinary into a used machine: %v", err)
	}
}

// TestRestoreRetriesAfterCodeMismatch: a wrong code ends the machine; the
// state saved at the prompt lets the caller ask again within the Session.
func TestRestoreRetriesAfterCodeMismatch(t *testing.T) {
	now := testEpoch
	m, cfg := smsPrompt(t, &now)
	saved, _ := m.Seal(testSealKey)
	first := m.Answer(Answer{Code: "000000"})
	if s := m.Receive(nil, &APIError{Type: "CodeMismatchException", Message: "Invalid code received for user"}); !errors.Is(s.Err, ErrCodeMismatch) {
		t.Fatalf("got %v", s.Err)
	}
	now = now.Add(time.Minute)
	cfg.Password = ""
	r, err := Restore(cfg, saved, testSealKey)
	if err != nil {
		t.Fatal(err)
	}
	second := r.Answer(Answer{Code: "000000"})
	if !bytes.Equal(first.Request.Input, second.Request.Input) {
		t.Fatalf("retry differs:\n%s\n%s", first.Request.Input, second.Request.Input)
	}
	var in struct {
		Session            string
		ChallengeResponses map[string]string
	}
	json.Unmarshal(second.Request.Input, &in)
	if in.Session != "sess-1" || in.ChallengeResponses["SECRET_HASH"] != challenge.SecretHash(testSecret, "uuid-1", testClientID) {
		t.Fatalf("retry request %s", second.Request.Input)
	}
}

// FuzzRestore feeds the decoder arbitrary bytes, plain and sealed. It must
// never panic; whatever it accepts must save and restore again to the same
// prompt. Seeds: testdata/fuzz/FuzzRestore and states saved here.
func FuzzRestore(f *testing.F) {
	now := testEpoch
	m, cfg := smsPrompt(f, &now)
	plain, _ := m.MarshalBinary()
	sealed, _ := m.Seal(testSealKey)
	f.Add(plain)
	f.Add(sealed)
	// A state with the context trailer.
	cc := cfg
	cc.AnalyticsEndpointID, cc.UserContextData = "ep-1", &UserContextData{IPAddress: "203.0.113.7", EncodedData: "fp"}
	if mc, err := New(cc); err == nil {
		mc.Start()
		mc.Receive([]byte(`{"ChallengeName":"SMS_MFA","Session":"sess-1","ChallengeParameters":{"USERNAME":"uuid-1"}}`), nil)
		if st, err := mc.MarshalBinary(); err == nil {
			f.Add(st)
		} else {
			f.Fatal(err)
		}
	}
	cfg.Password, cfg.Username, cfg.Device = "", "", nil
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, key := range [][]byte{nil, testSealKey} {
			r, err := Restore(cfg, data, key)
			if err != nil {
				for _, e := range []error{ErrStateCorrupt, ErrStateVersion, ErrStateKey, ErrStateMismatch, ErrExpired} {
					if errors.Is(err, e) {
						err = nil
					}
				}
				if err != nil {
					t.Fatalf("untyped error %v", err)
				}
				continue
			}
			again, err := r.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			r2, err := Restore(cfg, again, nil)
			if err != nil {
				t.Fatalf("re-saved state refused: %v", err)
			}
			if p1, p2 := r.Prompt(), r2.Prompt(); p1.Kind != p2.Kind || p1.Challenge != p2.Challenge || p1.Username != p2.Username {
				t.Fatalf("prompt changed: %+v vs %+v", p1, p2)
			}
		}
	})
}
