// Package badinput is a test-only package: a table of what a hostile or
// broken server (or caller) can send, each case asserting a typed error
// (errors.Is / errors.As), no panic, and nothing secret in the message —
// or, for the spellings docs/protocol.md §2 and §3 accept, success.
package badinput

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/flow"
	"github.com/caldera-srp/caldera/srp"
)

// Secrets that must never appear in an error message.
const (
	password       = "Hunter2-s3cret-PASSWORD"
	devicePassword = "ZGV2aWNlLXBhc3N3b3JkLWRldmljZS1wYXNzd29yZC0xMjM0NTY3OA=="
	poolID         = "us-east-1_AbCdEfGhI"
	poolName       = "AbCdEfGhI"
	userID         = "4a1d3c6e-8f2b-4c7a-9e10-2b3c4d5e6f70"
	timestamp      = "Tue Jan 1 06:06:09 UTC 2019"
)

// secretA is the client's secret exponent in the srp cases.
var secretA = bytes.Repeat([]byte{0xa5, 0x3c}, 64)

// longHex finds runs of hex digits long enough to be a key, an exponent or
// an intermediate value; no error message may carry one.
var longHex = regexp.MustCompile(`[0-9a-fA-F]{32,}`)

// fixture is a consistent PASSWORD_VERIFIER challenge: a server ephemeral
// for the user's verifier, the hex and base64 strings it sends, and a
// client with a fixed a.
type fixture struct {
	v      *srp.Verifier
	server *srp.Server
	client *srp.Client
	srpB   string
	salt   string
	block  string // SECRET_BLOCK, standard base64 with padding
	n      *big.Int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	g := srp.Cognito()
	v, err := srp.PasswordVerifierFromSalt(srp.PadHex([]byte{0x9d, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd}), poolName, userID, password)
	if err != nil {
		t.Fatal(err)
	}
	s, err := g.NewServerFromSecret(v.V, bytes.Repeat([]byte{0x17}, 128))
	if err != nil {
		t.Fatal(err)
	}
	c, err := g.NewClientFromSecret(secretA)
	if err != nil {
		t.Fatal(err)
	}
	// 65 bytes: standard base64 needs padding ("=") and, for these bytes,
	// uses both '+' and '/'.
	block := bytes.Repeat([]byte{0xfb, 0xef, 0xbe}, 22)[:65]
	return &fixture{
		v: v, server: s, client: c, srpB: s.PublicHex(), salt: v.SaltHex(),
		block: base64.StdEncoding.EncodeToString(block),
		n:     new(big.Int).SetBytes(g.N()),
	}
}

// params returns the fixture's claim parameters with f applied.
func (fx *fixture) params(edit func(*srp.PasswordClaimParams)) srp.PasswordClaimParams {
	p := srp.PasswordClaimParams{
		PoolName: poolName, UserIDForSRP: userID, Password: password,
		SRPB: fx.srpB, Salt: fx.salt, SecretBlock: fx.block, Timestamp: timestamp,
	}
	if edit != nil {
		edit(&p)
	}
	return p
}

// claim computes the claim with edited parameters.
func (fx *fixture) claim(edit func(*srp.PasswordClaimParams)) (*srp.Claim, error) {
	fx.rearm()
	return fx.client.PasswordClaim(fx.params(edit))
}

// rearm gives the client its fixed a again: every claim wipes a
// (srp.ErrEphemeralUsed otherwise), and each case is a claim of its own.
func (fx *fixture) rearm() {
	if err := fx.client.Regenerate(bytes.NewReader(secretA)); err != nil {
		panic(err)
	}
}

func (fx *fixture) hexMul(k int64) string { // k·N as hex
	return new(big.Int).Mul(fx.n, big.NewInt(k)).Text(16)
}

// verify checks a claim on the server, with the SECRET_BLOCK bytes issued.
func (fx *fixture) verify(srpA, sig string) error {
	block, err := base64.StdEncoding.DecodeString(fx.block)
	if err != nil {
		return err
	}
	return fx.server.VerifyPasswordClaim(srp.VerifyClaimParams{
		PoolName: poolName, UserIDForSRP: userID, SRPA: srpA, SecretBlock: block,
		Timestamp: timestamp, Signature: sig,
	})
}

// bad is one case: run returns the error; wantIs lists sentinels the error
// must match (all of them); ok means the input is accepted and run must
// return nil.
type bad struct {
	name   string
	run    func(t *testing.T, fx *fixture) error
	wantIs []error
	wantAs func(error) bool
	ok     bool
	// known, when set, names a gap reported to the package's owner: the
	// case still runs (and must not panic), but a failed expectation
	// skips with this note instead of failing; a met one logs that the
	// mark can go (fixes land in other packages in their own time).
	known string
}

func is(errs ...error) []error { return errs }

func TestBadInput(t *testing.T) {
	fx := newFixture(t)
	cases := append(append(append(srpCases(fx), challengeCases()...), flowCases(fx)...), moreCases(fx)...)
	if len(cases) < 40 {
		t.Errorf("only %d cases; the suite promises at least 40", len(cases))
	}
	names := map[string]bool{}
	for _, c := range cases {
		if names[c.name] {
			t.Fatalf("duplicate case name %q", c.name)
		}
		names[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panic: %v", r)
					}
				}()
				err = c.run(t, fx)
			}()
			if c.known != "" {
				if c.met(err) {
					t.Logf("known gap %q appears fixed: remove the mark", c.known)
					return
				}
				t.Skipf("known gap (reported): %s; got %v", c.known, err)
			}
			if c.ok {
				if err != nil {
					t.Fatalf("accepted input refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("bad input accepted")
			}
			for _, want := range c.wantIs {
				if !errors.Is(err, want) {
					t.Errorf("error %q does not match %v", err, want)
				}
			}
			if c.wantAs != nil && !c.wantAs(err) {
				t.Errorf("error %q (%T) is not of the expected type", err, err)
			}
			if len(c.wantIs) == 0 && c.wantAs == nil {
				t.Fatalf("case has no expectation")
			}
			checkNoSecret(t, err)
		})
	}
	t.Logf("%d cases", len(cases))
}

// met reports whether err meets the case's expectation.
func (c bad) met(err error) bool {
	if c.ok || err == nil {
		return c.ok == (err == nil)
	}
	for _, want := range c.wantIs {
		if !errors.Is(err, want) {
			return false
		}
	}
	return c.wantAs == nil || c.wantAs(err)
}

func checkNoSecret(t *testing.T, err error) {
	t.Helper()
	msg := err.Error()
	for _, s := range []string{password, devicePassword, hex.EncodeToString(secretA)[:16], strings.ToUpper(hex.EncodeToString(secretA)[:16])} {
		if strings.Contains(msg, s) {
			t.Errorf("error message %q contains a secret", msg)
		}
	}
	for _, m := range longHex.FindAllString(msg, -1) {
		// Random hex (a key, an exponent) has both digits and letters;
		// "AAAA…" or "0000…" excerpts of a body are not secrets.
		if strings.ContainsAny(m, "0123456789") && strings.ContainsAny(m, "abcdefABCDEF") {
			t.Errorf("error message holds a long hex value %q…", m[:16])
		}
	}
	if len(msg) > 1024 {
		t.Errorf("error message of %d bytes: unbounded input echoed?", len(msg))
	}
}

func srpCases(fx *fixture) []bad {
	claimErr := func(edit func(*srp.PasswordClaimParams)) func(*testing.T, *fixture) error {
		return func(_ *testing.T, fx *fixture) error { _, err := fx.claim(edit); return err }
	}
	setB := func(b string) func(*srp.PasswordClaimParams) { return func(p *srp.PasswordClaimParams) { p.SRPB = b } }
	setSalt := func(s string) func(*srp.PasswordClaimParams) { return func(p *srp.PasswordClaimParams) { p.Salt = s } }
	setBlock := func(s string) func(*srp.PasswordClaimParams) {
		return func(p *srp.PasswordClaimParams) { p.SecretBlock = s }
	}
	// sameAs requires the edited claim to succeed with the signature of
	// the unedited one (same integer, same SECRET_BLOCK bytes).
	sameAs := func(edit func(*srp.PasswordClaimParams)) func(*testing.T, *fixture) error {
		return func(t *testing.T, fx *fixture) error {
			want, err := fx.claim(nil)
			if err != nil {
				return err
			}
			got, err := fx.claim(edit)
			if err != nil {
				return err
			}
			if got.Signature != want.Signature {
				return fmt.Errorf("signature differs from the canonical spelling's")
			}
			// And the server agrees.
			return fx.verify(fx.client.PublicHex(), got.Signature)
		}
	}
	nHex := func() string { return fx.n.Text(16) }
	return []bad{
		{name: "srp/B=0", run: claimErr(setB("0")), wantIs: is(srp.ErrBZero)},
		{name: "srp/B=000", run: claimErr(setB("000")), wantIs: is(srp.ErrBZero)},
		{name: "srp/B=N", run: claimErr(setB(nHex())), wantIs: is(srp.ErrBZero)},
		{name: "srp/B=2N", run: claimErr(setB(fx.hexMul(2))), wantIs: is(srp.ErrTooWide)},
		{name: "srp/B>N·2^8", run: claimErr(setB(new(big.Int).Lsh(fx.n, 8).Text(16) + "1")), wantIs: is(srp.ErrTooWide)},
		{name: "srp/B=N·2^8", run: claimErr(setB(new(big.Int).Lsh(fx.n, 8).Text(16))), wantIs: is(srp.ErrTooWide)},
		{name: "srp/B=10MB", run: claimErr(setB(strings.Repeat("f", 10<<20))), wantIs: is(srp.ErrTooWide)},
		{name: "srp/B-non-hex", run: claimErr(setB("0123456789abcdefg")), wantIs: is(srp.ErrMalformedHex)},
		{name: "srp/B-0x-prefix", run: claimErr(setB("0x" + fx.srpB)), wantIs: is(srp.ErrMalformedHex)},
		{name: "srp/B-space", run: claimErr(setB(fx.srpB[:10] + " " + fx.srpB[10:])), wantIs: is(srp.ErrMalformedHex)},
		{name: "srp/B-trailing-newline", run: claimErr(setB(fx.srpB + "\n")), wantIs: is(srp.ErrMalformedHex)},
		{name: "srp/B-negative", run: claimErr(setB("-" + fx.srpB)), wantIs: is(srp.ErrMalformedHex)},
		{name: "srp/B-non-ascii-digit", run: claimErr(setB("１２")), wantIs: is(srp.ErrMalformedHex)},
		{name: "srp/B-empty", run: claimErr(setB("")), wantIs: is(srp.ErrEmpty)},
		{name: "srp/B-upper-case-accepted", run: sameAs(setB(strings.ToUpper(fx.srpB))), ok: true},
		{name: "srp/B-leading-zeros-accepted", run: sameAs(setB("000" + fx.srpB)), ok: true},
		{name: "srp/B-odd-length-accepted", run: func(t *testing.T, fx *fixture) error {
			// A B whose hex has an odd number of digits: N − 2^3068·k keeps
			// a leading digit below 0x10… choose N >> 4 (767 digits).
			b := new(big.Int).Rsh(fx.n, 4).Text(16)
			if len(b)%2 == 0 {
				return fmt.Errorf("test bug: %d digits", len(b))
			}
			_, err := fx.claim(setB(b))
			return err
		}, ok: true},
		{name: "srp/salt-empty", run: claimErr(setSalt("")), wantIs: is(srp.ErrEmpty)},
		{name: "srp/salt-minus-only", run: claimErr(setSalt("-")), wantIs: is(srp.ErrEmpty)},
		{name: "srp/salt-double-minus", run: claimErr(setSalt("--1a")), wantIs: is(srp.ErrMalformedHex)},
		{name: "srp/salt-plus", run: claimErr(setSalt("+1a")), wantIs: is(srp.ErrMalformedHex)},
		{name: "srp/salt-non-hex", run: claimErr(setSalt("salt")), wantIs: is(srp.ErrMalformedHex)},
		{name: "srp/salt-10MB", run: claimErr(setSalt(strings.Repeat("1", 10<<20))), wantIs: is(srp.ErrTooWide)},
		{name: "srp/salt-negative-accepted", run: claimErr(setSalt("-1a2b3c")), ok: true},
		{name: "srp/salt-upper-odd-accepted", run: sameAs(setSalt(strings.ToUpper("0" + fx.salt))), ok: true},
		{name: "srp/secret-block-bad-base64", run: claimErr(setBlock("not*base64")), wantIs: is(srp.ErrMalformedBase64)},
		{name: "srp/secret-block-one-char", run: claimErr(setBlock("A")), wantIs: is(srp.ErrMalformedBase64)},
		{name: "srp/secret-block-mixed-alphabets", run: claimErr(setBlock("ab+_")), wantIs: is(srp.ErrMalformedBase64)},
		{name: "srp/secret-block-newline", run: claimErr(setBlock(fx.block[:8] + "\n" + fx.block[8:])), wantIs: is(srp.ErrMalformedBase64)},
		{name: "srp/secret-block-inner-padding", run: claimErr(setBlock("AA==AA==")), wantIs: is(srp.ErrMalformedBase64)},
		{name: "srp/secret-block-empty", run: claimErr(setBlock("")), wantIs: is(srp.ErrEmpty)},
		{name: "srp/secret-block-1MB", run: claimErr(setBlock(strings.Repeat("QUFB", 1<<18))), wantIs: is(srp.ErrTooWide)},
		{name: "srp/secret-block-url-safe-accepted", run: sameAs(setBlock(strings.NewReplacer("+", "-", "/", "_").Replace(fx.block))), ok: true},
		{name: "srp/secret-block-no-padding-accepted", run: sameAs(setBlock(strings.TrimRight(fx.block, "="))), ok: true},
		{name: "srp/empty-pool-name", run: claimErr(func(p *srp.PasswordClaimParams) { p.PoolName = "" }), wantIs: is(srp.ErrEmpty)},
		{name: "srp/pool-id-without-underscore", run: func(*testing.T, *fixture) error { _, err := srp.PoolName("us-east-1"); return err }, wantIs: is(srp.ErrEmpty)},
		{name: "srp/empty-user-id-for-srp", run: claimErr(func(p *srp.PasswordClaimParams) { p.UserIDForSRP = "" }), wantIs: is(srp.ErrEmpty)},
		// u = 0 needs H(padHex(A) ‖ padHex(B)) = 0, a SHA-256 preimage: it
		// cannot be constructed through the exported API. srp's internal
		// tests exercise the check with a hooked hash (commit a62c0c4).
		{name: "srp/server-A=0", run: func(_ *testing.T, fx *fixture) error { return fx.verify("0", "AAAA") }, wantIs: is(srp.ErrAZero)},
		{name: "srp/server-A=000", run: func(_ *testing.T, fx *fixture) error { return fx.verify("000", "AAAA") }, wantAs: func(err error) bool {
			return errors.Is(err, srp.ErrAZero) || errors.Is(err, srp.ErrEmpty)
		}},
		{name: "srp/server-A=N", run: func(_ *testing.T, fx *fixture) error { return fx.verify(fx.n.Text(16), "AAAA") }, wantIs: is(srp.ErrAZero)},
		{name: "srp/server-A=2N", run: func(_ *testing.T, fx *fixture) error { return fx.verify(fx.hexMul(2), "AAAA") }, wantIs: is(srp.ErrTooWide)},
		{name: "srp/server-A-non-hex", run: func(_ *testing.T, fx *fixture) error { return fx.verify("A=1", "AAAA") }, wantIs: is(srp.ErrMalformedHex)},
		{name: "srp/server-A-empty", run: func(_ *testing.T, fx *fixture) error { return fx.verify("", "AAAA") }, wantIs: is(srp.ErrEmpty)},
		{name: "srp/server-signature-bad-base64", run: func(_ *testing.T, fx *fixture) error {
			return fx.verify(fx.client.PublicHex(), "!!!!")
		}, wantIs: is(srp.ErrMalformedBase64)},
		{name: "srp/server-signature-wrong", run: func(_ *testing.T, fx *fixture) error {
			return fx.verify(fx.client.PublicHex(), base64.StdEncoding.EncodeToString(make([]byte, 32)))
		}, wantIs: is(srp.ErrVerification)},
		{name: "srp/server-signature-truncated", run: func(_ *testing.T, fx *fixture) error {
			c, err := fx.claim(nil)
			if err != nil {
				return err
			}
			sig, _ := base64.StdEncoding.DecodeString(c.Signature)
			return fx.verify(fx.client.PublicHex(), base64.StdEncoding.EncodeToString(sig[:16]))
		}, wantIs: is(srp.ErrVerification)},
		{name: "srp/server-wrong-password", run: func(_ *testing.T, fx *fixture) error {
			c, err := fx.claim(func(p *srp.PasswordClaimParams) { p.Password = password + "x" })
			if err != nil {
				return err
			}
			return fx.verify(fx.client.PublicHex(), c.Signature)
		}, wantIs: is(srp.ErrVerification)},
		{name: "srp/device-verifier-above-N", run: func(*testing.T, *fixture) error {
			_, err := srp.ParseDeviceSecretVerifierConfig(srp.DeviceSecretVerifierConfig{
				PasswordVerifier: base64.StdEncoding.EncodeToString(append([]byte{0}, fx.n.Bytes()...)),
				Salt:             "AQID",
			})
			return err
		}, wantIs: is(srp.ErrTooWide)},
		{name: "srp/device-verifier-negative", run: func(*testing.T, *fixture) error {
			_, err := srp.ParseDeviceSecretVerifierConfig(srp.DeviceSecretVerifierConfig{PasswordVerifier: "gAEC", Salt: "AQID"})
			return err
		}, wantIs: is(srp.ErrMalformedBase64)},
		{name: "srp/device-salt-empty", run: func(*testing.T, *fixture) error {
			_, err := srp.ParseDeviceSecretVerifierConfig(srp.DeviceSecretVerifierConfig{PasswordVerifier: "AQID", Salt: ""})
			return err
		}, wantIs: is(srp.ErrMalformedBase64)},
		{name: "srp/device-claim-B=0", run: func(_ *testing.T, fx *fixture) error {
			fx.rearm()
			_, err := fx.client.DeviceClaim("grp", "us-east-1_dev", devicePassword, "0", fx.salt, fx.block, timestamp)
			return err
		}, wantIs: is(srp.ErrBZero)},
	}
}

func challengeCases() []bad {
	tsErr := func(s string) func(*testing.T, *fixture) error {
		return func(*testing.T, *fixture) error { _, err := challenge.ParseTimestamp(s); return err }
	}
	isTimestampErr := func(err error) bool {
		var te *challenge.TimestampError
		return errors.As(err, &te)
	}
	// accepted-but-not-canonical: the server parses these and signs the
	// canonical form, so the client must detect them by comparing.
	notCanonical := func(s, want string) func(*testing.T, *fixture) error {
		return func(*testing.T, *fixture) error {
			c, err := challenge.CanonicalTimestamp(s)
			if err != nil {
				return err
			}
			if c != want {
				return fmt.Errorf("canonical form %q, want %q", c, want)
			}
			return nil
		}
	}
	params := func(raw string) func(*testing.T, *fixture) error {
		return func(*testing.T, *fixture) error {
			_, err := challenge.ParseParameters(challenge.PasswordVerifier, []byte(raw))
			return err
		}
	}
	pv := func(raw string) func(*testing.T, *fixture) error {
		return func(*testing.T, *fixture) error {
			p, err := challenge.ParseParameters(challenge.PasswordVerifier, []byte(raw))
			if err != nil {
				return err
			}
			_, err = challenge.ParsePasswordVerifier(p)
			return err
		}
	}
	isParamErr := func(err error) bool {
		var pe *challenge.ParameterError
		return errors.As(err, &pe)
	}
	many := func() string {
		var b strings.Builder
		b.WriteString("{")
		for i := range 300 {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `"k%d":"v"`, i)
		}
		b.WriteString("}")
		return b.String()
	}
	okPV := `"USER_ID_FOR_SRP":"u","SRP_B":"ab","SALT":"1f","SECRET_BLOCK":"AAAA"`
	return []bad{
		{name: "timestamp/zero-padded-day-parses-not-canonical", run: notCanonical("Tue Jan 01 06:06:09 UTC 2019", timestamp), ok: true},
		{name: "timestamp/wrong-weekday-parses-not-canonical", run: notCanonical("Wed Jan 1 06:06:09 UTC 2019", timestamp), ok: true},
		{name: "timestamp/hour-24", run: tsErr("Tue Jan 1 24:00:00 UTC 2019"), wantIs: is(challenge.ErrTimestampFormat), wantAs: isTimestampErr},
		{name: "timestamp/one-digit-hour", run: tsErr("Tue Jan 1 6:06:09 UTC 2019"), wantIs: is(challenge.ErrTimestampFormat)},
		{name: "timestamp/12-hour-clock", run: tsErr("Tue Jan 1 06:06:09 PM UTC 2019"), wantIs: is(challenge.ErrTimestampFormat)},
		{name: "timestamp/german-month", run: tsErr("Tue Mär 1 06:06:09 UTC 2019"), wantIs: is(challenge.ErrTimestampFormat)},
		{name: "timestamp/french-weekday", run: tsErr("Mar Jan 1 06:06:09 UTC 2019"), wantIs: is(challenge.ErrTimestampFormat)},
		{name: "timestamp/lower-case", run: tsErr("tue jan 1 06:06:09 UTC 2019"), wantIs: is(challenge.ErrTimestampFormat)},
		{name: "timestamp/GMT", run: tsErr("Tue Jan 1 06:06:09 GMT 2019"), wantIs: is(challenge.ErrTimestampFormat)},
		{name: "timestamp/Feb-30", run: tsErr("Sat Feb 30 06:06:09 UTC 2019"), wantIs: is(challenge.ErrTimestampFormat)},
		{name: "timestamp/leap-second", run: tsErr("Mon Dec 31 23:59:60 UTC 2018"), wantIs: is(challenge.ErrTimestampFormat)},
		{name: "timestamp/double-space", run: tsErr("Tue Jan  1 06:06:09 UTC 2019"), wantIs: is(challenge.ErrTimestampFormat)},
		{name: "timestamp/RFC3339", run: tsErr("2019-01-01T06:06:09Z"), wantIs: is(challenge.ErrTimestampFormat)},
		{name: "timestamp/empty", run: tsErr(""), wantIs: is(challenge.ErrTimestampFormat)},
		{name: "timestamp/1MB", run: tsErr(strings.Repeat("Tue ", 1<<18)), wantIs: is(challenge.ErrTimestampFormat)},
		{name: "challenge/unknown-name", run: func(*testing.T, *fixture) error {
			if challenge.Name("PASSWORD_VERIFIER_V2").Known() {
				return nil
			}
			return &challenge.UnknownChallengeError{Name: "PASSWORD_VERIFIER_V2"}
		}, wantIs: is(challenge.ErrUnknownChallenge)},
		{name: "params/duplicated-key", run: params(`{"SRP_B":"ab","SRP_B":"cd"}`), wantIs: is(challenge.ErrMalformedParameter), wantAs: isParamErr},
		{name: "params/number-value", run: params(`{"SRP_B":12}`), wantIs: is(challenge.ErrMalformedParameter)},
		{name: "params/nested-object", run: params(`{"SRP_B":{"x":"y"}}`), wantIs: is(challenge.ErrMalformedParameter)},
		{name: "params/array", run: params(`["SRP_B"]`), wantIs: is(challenge.ErrMalformedParameter)},
		{name: "params/trailing-data", run: params(`{"SRP_B":"ab"}{}`), wantIs: is(challenge.ErrMalformedParameter)},
		{name: "params/truncated", run: params(`{"SRP_B":"ab`), wantIs: is(challenge.ErrMalformedParameter)},
		{name: "params/300-entries", run: params(many()), wantIs: is(challenge.ErrMalformedParameter)},
		{name: "pv/missing-USER_ID_FOR_SRP", run: pv(`{"SRP_B":"ab","SALT":"1f","SECRET_BLOCK":"AAAA"}`), wantIs: is(challenge.ErrMissingParameter), wantAs: isParamErr},
		{name: "pv/null-USER_ID_FOR_SRP", run: pv(`{"USER_ID_FOR_SRP":null,"SRP_B":"ab","SALT":"1f","SECRET_BLOCK":"AAAA"}`), wantIs: is(challenge.ErrMissingParameter)},
		{name: "pv/missing-SRP_B", run: pv(`{"USER_ID_FOR_SRP":"u","SALT":"1f","SECRET_BLOCK":"AAAA"}`), wantIs: is(challenge.ErrMissingParameter)},
		{name: "pv/missing-SALT", run: pv(`{"USER_ID_FOR_SRP":"u","SRP_B":"ab","SECRET_BLOCK":"AAAA"}`), wantIs: is(challenge.ErrMissingParameter)},
		{name: "pv/missing-SECRET_BLOCK", run: pv(`{"USER_ID_FOR_SRP":"u","SRP_B":"ab","SALT":"1f"}`), wantIs: is(challenge.ErrMissingParameter)},
		{name: "pv/SRP_B-not-hex", run: pv(`{"USER_ID_FOR_SRP":"u","SRP_B":"xyz","SALT":"1f","SECRET_BLOCK":"AAAA"}`), wantIs: is(challenge.ErrMalformedParameter)},
		{name: "pv/SECRET_BLOCK-not-base64", run: pv(`{"USER_ID_FOR_SRP":"u","SRP_B":"ab","SALT":"1f","SECRET_BLOCK":"A*AA"}`), wantIs: is(challenge.ErrMalformedParameter)},
		{name: "pv/SRP_B-number", run: pv(`{"USER_ID_FOR_SRP":"u","SRP_B":171,"SALT":"1f","SECRET_BLOCK":"AAAA"}`), wantIs: is(challenge.ErrMalformedParameter)},
		{name: "pv/well-formed-accepted", run: pv(`{` + okPV + `}`), ok: true},
		{name: "new-password/missing-requiredAttributes", run: func(*testing.T, *fixture) error {
			_, err := challenge.ParseNewPasswordRequired(challenge.Parameters{"userAttributes": "{}"})
			return err
		}, wantIs: is(challenge.ErrMissingParameter)},
		{name: "new-password/userAttributes-not-json", run: func(*testing.T, *fixture) error {
			_, err := challenge.ParseNewPasswordRequired(challenge.Parameters{"userAttributes": "{", "requiredAttributes": "[]"})
			return err
		}, wantIs: is(challenge.ErrMalformedParameter)},
		{name: "mfa-setup/duplicate-types", run: func(*testing.T, *fixture) error {
			_, err := challenge.ParseMFASetup(challenge.Parameters{"MFAS_CAN_SETUP": `["SOFTWARE_TOKEN_MFA","SOFTWARE_TOKEN_MFA"]`})
			return err
		}, wantIs: is(challenge.ErrMalformedParameter)},
		{name: "select-mfa/missing", run: func(*testing.T, *fixture) error {
			_, err := challenge.ParseSelectMFAType(challenge.Parameters{})
			return err
		}, wantIs: is(challenge.ErrMissingParameter)},
		{name: "webauthn/options-not-json", run: func(*testing.T, *fixture) error {
			_, err := challenge.ParseWebAuthn(challenge.Parameters{"CREDENTIAL_REQUEST_OPTIONS": "{"})
			return err
		}, wantIs: is(challenge.ErrMalformedParameter)},
	}
}

// machine returns a started USER_SRP_AUTH machine with a fixed clock.
func machine(t *testing.T, edit func(*flow.Config)) (*flow.Machine, error) {
	cfg := flow.Config{
		UserPoolID: poolID, ClientID: "client0123456789", Username: "alice", Password: password,
		Flow: flow.UserSRPAuth, Rand: bytes.NewReader(bytes.Repeat([]byte{0x42}, 1<<12)),
		Now: func() time.Time { return time.Date(2019, 1, 1, 6, 6, 9, 0, time.UTC) },
	}
	if edit != nil {
		edit(&cfg)
	}
	m, err := flow.New(cfg)
	if err != nil {
		return nil, err
	}
	if s := m.Start(); s.Request == nil {
		t.Fatalf("Start: %+v", s)
	}
	return m, nil
}

// answer feeds the first response of a sign-in and returns the machine's
// error (nil if it went on to another step without error).
func answer(t *testing.T, body string) error {
	m, err := machine(t, nil)
	if err != nil {
		return err
	}
	return m.Receive(json.RawMessage(body), nil).Err
}

// pvResponse is a PASSWORD_VERIFIER answer with the given parameter
// object and Session.
func pvResponse(fx *fixture, edit func(map[string]any)) string {
	p := map[string]any{
		"USER_ID_FOR_SRP": userID, "USERNAME": userID, "SRP_B": fx.srpB, "SALT": fx.salt, "SECRET_BLOCK": fx.block,
	}
	r := map[string]any{"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": p, "Session": "sess-1"}
	if edit != nil {
		edit(r)
	}
	b, _ := json.Marshal(r)
	return string(b)
}

func flowCases(fx *fixture) []bad {
	resp := func(body string) func(*testing.T, *fixture) error {
		return func(t *testing.T, _ *fixture) error { return answer(t, body) }
	}
	params := func(edit func(map[string]any)) func(map[string]any) {
		return func(r map[string]any) { edit(r["ChallengeParameters"].(map[string]any)) }
	}
	cfg := func(edit func(*flow.Config)) func(*testing.T, *fixture) error {
		return func(t *testing.T, _ *fixture) error { _, err := machine(t, edit); return err }
	}
	return []bad{
		{name: "flow/pv-well-formed-accepted", run: resp(pvResponse(fx, nil)), ok: true},
		{name: "flow/missing-Session", run: resp(`{"ChallengeName":"SMS_MFA","ChallengeParameters":{"USERNAME":"u"}}`), wantIs: is(flow.ErrMissingSession)},
		{name: "flow/empty-Session", run: resp(`{"ChallengeName":"SOFTWARE_TOKEN_MFA","ChallengeParameters":{},"Session":""}`), wantIs: is(flow.ErrMissingSession)},
		{name: "flow/Session-number", run: resp(`{"ChallengeName":"SMS_MFA","ChallengeParameters":{},"Session":42}`), wantIs: is(flow.ErrMalformedResponse)},
		// The SRP challenges may come without a Session: SECRET_BLOCK
		// carries the state (flow/machine.go).
		{name: "flow/pv-without-Session-accepted", run: resp(pvResponse(fx, func(r map[string]any) { delete(r, "Session") })), ok: true},
		{name: "flow/1MB-USER_ID_FOR_SRP", run: resp(pvResponse(fx, params(func(p map[string]any) { p["USER_ID_FOR_SRP"] = strings.Repeat("u", 1<<20) }))), wantIs: is(flow.ErrMalformedResponse)},
		// Below the 1 MiB answer bound a long USER_ID_FOR_SRP is only hashed:
		// accepted (a real server refuses the signature).
		{name: "flow/100KB-USER_ID_FOR_SRP-accepted", run: resp(pvResponse(fx, params(func(p map[string]any) { p["USER_ID_FOR_SRP"] = strings.Repeat("u", 100<<10) }))), ok: true},
		{name: "flow/missing-USER_ID_FOR_SRP", run: resp(pvResponse(fx, params(func(p map[string]any) { delete(p, "USER_ID_FOR_SRP") }))), wantIs: is(challenge.ErrMissingParameter)},
		{name: "flow/B=0", run: resp(pvResponse(fx, params(func(p map[string]any) { p["SRP_B"] = "0" }))), wantIs: is(srp.ErrBZero)},
		{name: "flow/B=N", run: resp(pvResponse(fx, params(func(p map[string]any) { p["SRP_B"] = fx.n.Text(16) }))), wantIs: is(srp.ErrBZero)},
		{name: "flow/unknown-challenge", run: resp(`{"ChallengeName":"QUANTUM_MFA","ChallengeParameters":{},"Session":"s"}`), wantIs: is(challenge.ErrUnknownChallenge)},
		{name: "flow/challenge-name-number", run: resp(`{"ChallengeName":7,"Session":"s"}`), wantIs: is(flow.ErrMalformedResponse)},
		{name: "flow/duplicated-ChallengeName", run: resp(`{"ChallengeName":"SMS_MFA","ChallengeName":"SOFTWARE_TOKEN_MFA","ChallengeParameters":{},"Session":"s"}`), wantIs: is(flow.ErrMalformedResponse)},
		{name: "flow/duplicated-parameter", run: resp(`{"ChallengeName":"PASSWORD_VERIFIER","ChallengeParameters":{"SRP_B":"ab","SRP_B":"ab"},"Session":"s"}`), wantIs: is(challenge.ErrMalformedParameter)},
		{name: "flow/truncated-json", run: resp(pvResponse(fx, nil)[:100]), wantIs: is(flow.ErrMalformedResponse)},
		{name: "flow/html-body", run: resp(`<html><body>502 Bad Gateway</body></html>`), wantIs: is(flow.ErrMalformedResponse)},
		{name: "flow/empty-body", run: resp(``), wantIs: is(flow.ErrMalformedResponse)},
		{name: "flow/json-null", run: resp(`null`), wantAs: func(err error) bool {
			return errors.Is(err, flow.ErrMalformedResponse) || errors.Is(err, flow.ErrUnexpectedResponse)
		}},
		{name: "flow/json-array", run: resp(`[]`), wantIs: is(flow.ErrMalformedResponse)},
		{name: "flow/neither-challenge-nor-tokens", run: resp(`{}`), wantIs: is(flow.ErrUnexpectedResponse)},
		{name: "flow/tokens-without-AccessToken", run: resp(`{"AuthenticationResult":{"IdToken":"x","RefreshToken":"y","ExpiresIn":3600}}`), wantIs: is(flow.ErrMalformedResponse)},
		{name: "flow/ExpiresIn-bool", run: resp(`{"AuthenticationResult":{"AccessToken":"x","ExpiresIn":true}}`), wantIs: is(flow.ErrMalformedResponse)},
		{name: "flow/ExpiresIn-negative", run: resp(`{"AuthenticationResult":{"AccessToken":"x","ExpiresIn":-1}}`), wantIs: is(flow.ErrMalformedResponse)},
		{name: "flow/AccessToken-number", run: resp(`{"AuthenticationResult":{"AccessToken":1}}`), wantIs: is(flow.ErrMalformedResponse)},
		{name: "flow/ExpiresIn-huge", run: resp(`{"AuthenticationResult":{"AccessToken":"x","ExpiresIn":1e300}}`), wantIs: is(flow.ErrMalformedResponse)},
		{name: "flow/AuthenticationResult-string", run: resp(`{"AuthenticationResult":"tokens"}`), wantIs: is(flow.ErrMalformedResponse)},
		{name: "flow/100MB-answer", run: resp(`{"x":"` + strings.Repeat("A", 100<<20) + `"}`), wantIs: is(flow.ErrMalformedResponse)},
		{name: "flow/api-error-not-authorized", run: func(t *testing.T, _ *fixture) error {
			m, err := machine(t, nil)
			if err != nil {
				return err
			}
			return m.Receive(nil, &flow.APIError{Type: "NotAuthorizedException", Message: "Incorrect username or password.", StatusCode: 400}).Err
		}, wantIs: is(flow.ErrNotAuthorized)},
		{name: "flow/device-challenge-without-device", run: resp(`{"ChallengeName":"DEVICE_SRP_AUTH","ChallengeParameters":{"USERNAME":"u"},"Session":"s"}`), wantIs: is(flow.ErrNoDevice)},
		{name: "flow/config-non-utf8-username", run: cfg(func(c *flow.Config) { c.Username = "al\xffice" }), wantIs: is(flow.ErrInvalidConfig)},
		{name: "flow/config-1MB-username", run: cfg(func(c *flow.Config) { c.Username = strings.Repeat("u", 1<<20) }), wantIs: is(flow.ErrInvalidConfig)},
		{name: "flow/config-pool-id-without-name", run: cfg(func(c *flow.Config) { c.UserPoolID = "us-east-1" }), wantIs: is(flow.ErrInvalidConfig)},
		{name: "flow/config-empty-client-id", run: cfg(func(c *flow.Config) { c.ClientID = "" }), wantIs: is(flow.ErrInvalidConfig)},
	}
}

// moreCases are the rest of what a hostile server can send, in srp terms.
func moreCases(fx *fixture) []bad {
	return []bad{
		{name: "srp/B=N+1-reduced-accepted", run: func(_ *testing.T, fx *fixture) error {
			_, err := fx.claim(func(p *srp.PasswordClaimParams) { p.SRPB = new(big.Int).Add(fx.n, big.NewInt(1)).Text(16) })
			return err
		}, ok: true},
		{name: "srp/B=1", run: func(_ *testing.T, fx *fixture) error {
			// B = 1 is a legal group element: accepted (the signature will
			// not verify on a real server).
			_, err := fx.claim(func(p *srp.PasswordClaimParams) { p.SRPB = "1" })
			return err
		}, ok: true},
	}
}
