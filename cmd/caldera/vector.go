package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/srp"
)

const vectorUsage = `Usage: caldera vector [file]

Reads JSON objects, one a line, from file or standard input, and writes one
JSON object a line with what a Cognito client computes for it:

  {"op": "password_claim" | "device_claim" | "device_verifier" | "secret_hash",
   "poolName", "username", "password", "smallA", "srpB", "salt",
   "secretBlock", "timestamp", "clientId", "clientSecret",
   "deviceGroupKey", "deviceKey", "devicePassword", "deviceSalt"}

The fields are those of the "input" objects of cognito-js-reference.json
(testvectors/testdata); an operation reads only the fields it needs.
smallA (the secret exponent a), srpB, salt and deviceSalt are hex; an empty
timestamp means now. The output has the field names of that file's
"expected" entries:

  password_claim, device_claim: A, u, x, S, hkdfIkm, hkdfSalt, hkdfKey,
      signature, timestamp, timestampSource [, libraryWouldSendTimestamp],
      challengeResponses, secretBlockEchoed
  device_verifier: deviceSecretVerifierConfig {Salt, PasswordVerifier},
      devicePassword
  secret_hash: secretHash

or {"error": "..."} for a line that cannot be computed. Blank lines are
skipped. The output contains secrets (x, S, the key): use it with test
values or your own debugging data only.
`

func vectorCommand(args []string) int {
	return vectorMain(args, os.Stdin, os.Stdout, os.Stderr)
}

func vectorMain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("vector", flag.ContinueOnError)
	if code, done := parseFlags(fs, args, stderr, vectorUsage, true); done {
		return code
	}
	in := stdin
	switch fs.NArg() {
	case 0:
	case 1:
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			fmt.Fprintf(stderr, "caldera vector: %v\n", err)
			return 1
		}
		defer f.Close()
		in = f
	default:
		fs.Usage()
		return 2
	}
	w := bufio.NewWriter(stdout)
	r := bufio.NewReaderSize(in, 64<<10)
	for {
		line, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			out, _ := json.Marshal(vectorLine(line))
			w.Write(out)
			w.WriteByte('\n')
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			w.Flush()
			fmt.Fprintf(stderr, "caldera vector: %v\n", err)
			return 1
		}
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintf(stderr, "caldera vector: %v\n", err)
		return 1
	}
	return 0
}

// vectorInput is one input line: an "input" object of
// cognito-js-reference.json plus "op".
type vectorInput struct {
	Op             string `json:"op"`
	PoolName       string `json:"poolName"`
	Username       string `json:"username"`
	Password       string `json:"password"`
	SmallA         string `json:"smallA"`
	SrpB           string `json:"srpB"`
	Salt           string `json:"salt"`
	SecretBlock    string `json:"secretBlock"`
	Timestamp      string `json:"timestamp"`
	ClientID       string `json:"clientId"`
	ClientSecret   string `json:"clientSecret"`
	DeviceGroupKey string `json:"deviceGroupKey"`
	DeviceKey      string `json:"deviceKey"`
	DevicePassword string `json:"devicePassword"`
	DeviceSalt     string `json:"deviceSalt"`
}

// claimOutput is expected.password_claim / expected.device_claim.
type claimOutput struct {
	A                         string             `json:"A"`
	U                         string             `json:"u"`
	X                         string             `json:"x"`
	S                         string             `json:"S"`
	HKDFIkm                   string             `json:"hkdfIkm"`
	HKDFSalt                  string             `json:"hkdfSalt"`
	HKDFKey                   string             `json:"hkdfKey"`
	Signature                 string             `json:"signature"`
	Timestamp                 string             `json:"timestamp"`
	TimestampSource           string             `json:"timestampSource"`
	LibraryWouldSendTimestamp string             `json:"libraryWouldSendTimestamp,omitempty"`
	ChallengeResponses        challengeResponses `json:"challengeResponses"`
	SecretBlockEchoed         bool               `json:"secretBlockEchoed"`
}

// challengeResponses are the ChallengeResponses the reference client sent
// (docs/protocol.md §7), without the echoed SECRET_BLOCK (see secretBlockEchoed).
type challengeResponses struct {
	Username  string `json:"USERNAME"`
	Timestamp string `json:"TIMESTAMP"`
	Signature string `json:"PASSWORD_CLAIM_SIGNATURE"`
	DeviceKey string `json:"DEVICE_KEY,omitempty"`
}

// verifierOutput is expected.device_verifier.
type verifierOutput struct {
	Config struct {
		Salt             string `json:"Salt"`
		PasswordVerifier string `json:"PasswordVerifier"`
	} `json:"deviceSecretVerifierConfig"`
	DevicePassword string `json:"devicePassword"`
}

// secretHashOutput is expected.secret_hash.
type secretHashOutput struct {
	SecretHash string `json:"secretHash"`
}

type errorOutput struct {
	Error string `json:"error"`
}

// vectorLine computes one line. It never panics: a bug surfaces as an
// error object for that line, not as a crash of the whole run.
func vectorLine(line []byte) (out any) {
	defer func() {
		if r := recover(); r != nil {
			out = errorOutput{fmt.Sprintf("caldera: internal error: %v", r)}
		}
	}()
	var in vectorInput
	if err := json.Unmarshal(line, &in); err != nil {
		return errorOutput{"caldera: bad JSON line: " + err.Error()}
	}
	var err error
	switch in.Op {
	case "password_claim":
		out, err = vectorClaim(in, in.PoolName, in.Username, in.Password, "")
	case "device_claim":
		out, err = vectorClaim(in, in.DeviceGroupKey, in.DeviceKey, in.DevicePassword, in.DeviceKey)
	case "device_verifier":
		out, err = vectorVerifier(in)
	case "secret_hash":
		out = secretHashOutput{challenge.SecretHash(in.ClientSecret, in.Username, in.ClientID)}
	case "":
		err = errors.New(`caldera: missing "op"`)
	default:
		err = fmt.Errorf("caldera: unknown op %q", in.Op)
	}
	if err != nil {
		return errorOutput{err.Error()}
	}
	return out
}

// vectorClaim computes a PASSWORD_VERIFIER claim (docs/protocol.md §3), or the
// DEVICE_PASSWORD_VERIFIER claim when deviceKey is set (§6), with the
// secret exponent a taken from the line.
func vectorClaim(in vectorInput, pool, user, password, deviceKey string) (any, error) {
	a, err := hexBytes("smallA", in.SmallA)
	if err != nil {
		return nil, err
	}
	c, err := srp.Cognito().NewClientFromSecret(a)
	if err != nil {
		return nil, err
	}
	ts := in.Timestamp
	if ts == "" {
		ts = challenge.FormatTimestamp(time.Now())
	}
	// The trace (x, S, the derived key) is what this tool is for: printing
	// the intermediate values of a claim a server refused.
	claim, tr, err := c.PasswordClaimTrace(srp.PasswordClaimParams{
		PoolName: pool, UserIDForSRP: user, Password: password,
		SRPB: in.SrpB, Salt: in.Salt, SecretBlock: in.SecretBlock, Timestamp: ts,
	})
	if err != nil {
		return nil, err
	}
	out := claimOutput{
		A: c.PublicHex(), U: minimalHex(tr.U), X: minimalHex(tr.X), S: minimalHex(tr.S),
		HKDFIkm: hex.EncodeToString(tr.HKDFIkm), HKDFSalt: hex.EncodeToString(tr.HKDFSalt),
		HKDFKey: hex.EncodeToString(tr.Key), Signature: claim.Signature, Timestamp: claim.Timestamp,
		TimestampSource: "library-clock",
		ChallengeResponses: challengeResponses{
			Username: in.Username, Timestamp: claim.Timestamp, Signature: claim.Signature, DeviceKey: deviceKey,
		},
		SecretBlockEchoed: claim.SecretBlock == in.SecretBlock,
	}
	// A TIMESTAMP that is not its own canonical rendering is signed as
	// given, which is what a server will refuse (docs/protocol.md §4): say so.
	if canon, err := challenge.CanonicalTimestamp(ts); err != nil || canon != ts {
		out.TimestampSource = "forced"
		out.LibraryWouldSendTimestamp = canon
	}
	return out, nil
}

func vectorVerifier(in vectorInput) (any, error) {
	salt, err := hexBytes("deviceSalt", in.DeviceSalt)
	if err != nil {
		return nil, err
	}
	v, err := srp.DeviceVerifierFromSecrets(in.DeviceGroupKey, in.DeviceKey, in.DevicePassword, salt)
	if err != nil {
		return nil, err
	}
	var out verifierOutput
	out.Config.Salt = v.Config.Salt
	out.Config.PasswordVerifier = v.Config.PasswordVerifier
	out.DevicePassword = v.DevicePassword
	return out, nil
}

// hexBytes decodes hex of any case; an odd number of digits gets a leading
// zero, as the integer it denotes.
func hexBytes(field, s string) ([]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("caldera: %s is empty", field)
	}
	if len(s)%2 == 1 {
		s = "0" + s
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("caldera: %s is not hex", field)
	}
	return b, nil
}

// minimalHex is lower-case hex of the integer b without leading zeros, as
// the reference prints u, x and S (BigInteger.toString(16)).
func minimalHex(b []byte) string {
	s := strings.TrimLeft(hex.EncodeToString(b), "0")
	if s == "" {
		return "0"
	}
	return s
}
