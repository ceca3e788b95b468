package challenge_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/caldera-srp/caldera/challenge"
)

type secretHashCase struct {
	source                     string
	secret, username, clientID string
	want                       string
}

// secretHashCases loads every SECRET_HASH vector in testdata; each source must
// yield the number of cases it is known to hold.
func secretHashCases(t *testing.T) []secretHashCase {
	var cases []secretHashCase
	add := func(file string, want int, got []secretHashCase) {
		t.Helper()
		if len(got) != want {
			t.Fatalf("%s: %d SECRET_HASH cases, want %d", file, len(got), want)
		}
		for i, c := range got {
			if c.secret == "" || c.clientID == "" || c.want == "" {
				t.Fatalf("%s: incomplete case %d", file, i)
			}
			got[i].source = file + ": " + c.source
		}
		cases = append(cases, got...)
	}

	// cognito-srp-helper (USER_ID_FOR_SRP as the message user).
	var helper struct {
		SecretHash struct {
			User     string `json:"message_user"`
			ClientID string `json:"client_id"`
			Secret   string `json:"client_secret"`
			Hash     string `json:"SECRET_HASH"`
		} `json:"secret_hash"`
	}
	readJSON(t, "cognito-srp-helper.json", &helper)
	h := helper.SecretHash
	add("cognito-srp-helper.json", 1, []secretHashCase{{"secret_hash", h.Secret, h.User, h.ClientID, h.Hash}})

	// aws-sdk-net-extensions-cognito TestSecretHash and alexrudd/cognito-srp
	// GetSecretHash: vectors with a SECRET_HASH field.
	type vectorFile struct {
		Vectors []struct {
			Name     string `json:"name"`
			Username string `json:"username"`
			ClientID string `json:"client_id"`
			Secret   string `json:"client_secret"`
			Hash     string `json:"SECRET_HASH"`
		} `json:"vectors"`
	}
	for _, file := range []string{"cognito-aws-sdk-net-extensions.json", "cognito-alexrudd-cognito-srp.json"} {
		var vf vectorFile
		readJSON(t, file, &vf)
		var got []secretHashCase
		for _, v := range vf.Vectors {
			if v.Hash != "" {
				got = append(got, secretHashCase{v.Name, v.Secret, v.Username, v.ClientID, v.Hash})
			}
		}
		add(file, 1, got)
	}

	// 20 cases of cognito-js-reference.json (see the file's extracted_from):
	// e-mail, phone, UUID, Unicode (NFD, CJK, RTL, astral) and colon user names.
	var js struct {
		Cases []struct {
			ID       string `json:"id"`
			Kind     string `json:"username_kind"`
			Username string `json:"username"`
			ClientID string `json:"clientId"`
			Secret   string `json:"clientSecret"`
			Hash     string `json:"secretHash"`
		} `json:"cases"`
	}
	readJSON(t, "cognito-js-reference-secret-hash.json", &js)
	var got []secretHashCase
	for _, c := range js.Cases {
		got = append(got, secretHashCase{c.ID + " (" + c.Kind + ")", c.Secret, c.Username, c.ClientID, c.Hash})
	}
	add("cognito-js-reference-secret-hash.json", 20, got)
	return cases
}

func TestSecretHashVectors(t *testing.T) {
	cases := secretHashCases(t)
	if len(cases) != 23 {
		t.Fatalf("%d SECRET_HASH cases, want 23", len(cases))
	}
	for _, c := range cases {
		if got := challenge.SecretHash(c.secret, c.username, c.clientID); got != c.want {
			t.Errorf("%s: SecretHash(%q, %q, %q) = %s, want %s", c.source, "<secret>", c.username, c.clientID, got, c.want)
		}
	}
}

// TestSecretHashDifferential compares SecretHash with a direct crypto/hmac
// computation over 2000 seeded random inputs, including empty strings, secrets
// longer than the SHA-256 block and invalid UTF-8 (used as bytes, unchanged).
func TestSecretHashDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 0))
	str := func() string {
		b := make([]byte, rng.IntN(130))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return string(b)
	}
	for range 2000 {
		secret, user, id := str(), str(), str()
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(user + id))
		want := base64.StdEncoding.EncodeToString(m.Sum(nil))
		if got := challenge.SecretHash(secret, user, id); got != want {
			t.Fatalf("SecretHash = %s, want %s", got, want)
		}
	}
}

// TestSecretHashProperties pins down the message layout: the user name and
// client id are concatenated with no separator, in that order, and every input
// changes the result.
func TestSecretHashProperties(t *testing.T) {
	base := challenge.SecretHash("secret", "Mess", "age")
	if base != "qnR8UCqJggD55PohusaBNviGoOJ67HC6Btry4qXLVZc=" { // aws-sdk-net-extensions-cognito TestSecretHash
		t.Fatalf("SecretHash = %s", base)
	}
	if got := challenge.SecretHash("secret", "Mes", "sage"); got != base {
		t.Errorf("the message is username||clientID with no separator: %s != %s", got, base)
	}
	for _, other := range []string{
		challenge.SecretHash("secret", "age", "Mess"),
		challenge.SecretHash("Secret", "Mess", "age"),
		challenge.SecretHash("secret", "mess", "age"),
		challenge.SecretHash("secret ", "Mess", "age"),
		challenge.SecretHash("secret", "Mess", "age "),
	} {
		if other == base {
			t.Errorf("different inputs gave the same SECRET_HASH %s", base)
		}
	}
	if len(base) != 44 || !strings.HasSuffix(base, "=") {
		t.Errorf("SECRET_HASH %q is not padded standard base64 of 32 bytes", base)
	}
}

// The values are aws-sdk-net-extensions-cognito's TestSecretHash
// (testdata/cognito-aws-sdk-net-extensions.json).
func ExampleSecretHash() {
	fmt.Println(challenge.SecretHash("secret", "Mess", "age"))
	// Output: qnR8UCqJggD55PohusaBNviGoOJ67HC6Btry4qXLVZc=
}
