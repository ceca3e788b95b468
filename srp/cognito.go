package srp

import (
	"crypto/hmac"
	cryptorand "crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"io"
	"strings"

	"github.com/caldera-srp/caldera/hkdf"
)

// maxHexDigits bounds SRP_A and SRP_B as hex before any parsing: N is 768
// digits; a few leading zeros are tolerated, megabytes are not.
const maxHexDigits = 1024

// maxSecretBlock bounds a decoded SECRET_BLOCK (Cognito's are ≈ 1 KiB).
const maxSecretBlock = 64 << 10

// PoolName returns the SRP pool name of a user pool id "REGION_NAME": the
// part after the first underscore (PROTOCOL.md §3).
func PoolName(poolID string) (string, error) {
	_, name, ok := strings.Cut(poolID, "_")
	if !ok || name == "" {
		return "", fmt.Errorf("%w: pool id %q has no name after '_'", ErrEmpty, poolID)
	}
	return name, nil
}

// PasswordClaimParams are the inputs of a PASSWORD_VERIFIER (or
// DEVICE_PASSWORD_VERIFIER) claim, as the challenge carries them
// (PROTOCOL.md §3).
type PasswordClaimParams struct {
	PoolName     string // the pool id's part after '_'; DeviceGroupKey for devices
	UserIDForSRP string // USER_ID_FOR_SRP; DeviceKey for devices
	Password     string // secret; the device password for devices
	SRPB         string // SRP_B, hex as received
	Salt         string // SALT, hex as received (may be signed)
	SecretBlock  string // SECRET_BLOCK, base64 as received
	Timestamp    string // TIMESTAMP, as challenge.FormatTimestamp renders it
}

// Claim is a computed PASSWORD_CLAIM_SIGNATURE with the values the
// challenge response echoes.
type Claim struct {
	// Signature is PASSWORD_CLAIM_SIGNATURE, standard base64.
	Signature string
	// SecretBlock is PASSWORD_CLAIM_SECRET_BLOCK: SECRET_BLOCK exactly as
	// received.
	SecretBlock string
	// Timestamp is the TIMESTAMP that was signed.
	Timestamp string

	trace ClaimTrace
}

// ClaimTrace holds the intermediate values of a claim. It contains secrets
// (x, S and the derived key): it exists for test vectors and for
// `caldera vector`, the debugging tool for refused signatures. Never log it.
type ClaimTrace struct {
	A        []byte // public A, minimal big-endian
	U        []byte // u = H(padHex(A) ‖ padHex(B))
	X        []byte // secret: x = H(padHex(salt) ‖ H(poolName ‖ userID ‖ ":" ‖ password))
	S        []byte // secret: S, minimal big-endian
	HKDFIkm  []byte // secret: padHex(S)
	HKDFSalt []byte // padHex(u)
	Key      []byte // secret: the 16-byte derived key
}

// Trace returns the claim's intermediate values, secrets included. See
// ClaimTrace.
func (c *Claim) Trace() ClaimTrace { return c.trace }

// PasswordClaim computes the PASSWORD_VERIFIER claim of PROTOCOL.md §3
// steps 2–7 with this client's ephemeral a. It checks the public inputs
// (typed errors: ErrEmpty, ErrMalformedHex, ErrTooWide, ErrBZero, ErrUZero,
// ErrMalformedBase64) before doing any secret-dependent work. Everything
// computed from the password or a is constant-time for fixed input lengths.
//
// The group must use the padHex encoding (Cognito()).
func (c *Client) PasswordClaim(p PasswordClaimParams) (*Claim, error) {
	g := c.g
	if g.enc != EncodePadHex {
		return nil, fmt.Errorf("%w: Cognito claims need the padHex encoding", ErrGroup)
	}
	if p.PoolName == "" {
		return nil, fmt.Errorf("%w: pool name", ErrEmpty)
	}
	if p.UserIDForSRP == "" {
		return nil, fmt.Errorf("%w: USER_ID_FOR_SRP", ErrEmpty)
	}
	if p.SRPB == "" {
		return nil, fmt.Errorf("%w: SRP_B", ErrEmpty)
	}
	B, err := decodeHexInt(p.SRPB, maxHexDigits)
	if err != nil {
		return nil, fmt.Errorf("SRP_B: %w", err)
	}
	if err := g.parseB(B); err != nil {
		return nil, err
	}
	if p.Salt == "" {
		return nil, fmt.Errorf("%w: SALT", ErrEmpty)
	}
	salt, err := SignedPadHex(p.Salt)
	if err != nil {
		return nil, fmt.Errorf("SALT: %w", err)
	}
	secretBlock, err := DecodeSecretBlock(p.SecretBlock)
	if err != nil {
		return nil, err
	}
	u, err := g.scramble(c.A, B)
	if err != nil {
		return nil, err
	}

	x := cognitoX(salt, p.PoolName, p.UserIDForSRP, p.Password)
	S := c.premaster(B, x, u)
	ikm := PadHex(S)
	hsalt := PadHex(u)
	key := hkdf.CognitoKey(ikm, hsalt)
	sig := claimSignature(key, p.PoolName, p.UserIDForSRP, secretBlock, p.Timestamp)
	return &Claim{
		Signature:   base64.StdEncoding.EncodeToString(sig),
		SecretBlock: p.SecretBlock,
		Timestamp:   p.Timestamp,
		trace: ClaimTrace{
			A: c.Public(), U: trimLeadingZeros(u), X: x, S: trimLeadingZeros(S),
			HKDFIkm: ikm, HKDFSalt: hsalt, Key: key,
		},
	}, nil
}

// DeviceClaim computes the DEVICE_PASSWORD_VERIFIER claim (PROTOCOL.md §6):
// the PASSWORD_VERIFIER math with poolName := DeviceGroupKey,
// USER_ID_FOR_SRP := DeviceKey and password := the device password. The
// client must be a fresh one, not the one used for the password claim.
func (c *Client) DeviceClaim(deviceGroupKey, deviceKey, devicePassword, srpB, salt, secretBlock, timestamp string) (*Claim, error) {
	return c.PasswordClaim(PasswordClaimParams{
		PoolName: deviceGroupKey, UserIDForSRP: deviceKey, Password: devicePassword,
		SRPB: srpB, Salt: salt, SecretBlock: secretBlock, Timestamp: timestamp,
	})
}

// cognitoX returns x = H(padHex(salt) ‖ H(UTF-8(poolName ‖ userID ‖ ":" ‖
// password))) (PROTOCOL.md §3 step 4). salt is already padHex-encoded.
func cognitoX(salt []byte, poolName, userID, password string) []byte {
	h := sha256.New()
	h.Write([]byte(poolName))
	h.Write([]byte(userID))
	h.Write([]byte{':'})
	h.Write([]byte(password))
	inner := h.Sum(nil)
	h.Reset()
	h.Write(salt)
	h.Write(inner)
	return h.Sum(nil)
}

// claimSignature returns HMAC-SHA256(key, poolName ‖ userID ‖ secretBlock ‖
// timestamp) (PROTOCOL.md §3 step 7).
func claimSignature(key []byte, poolName, userID string, secretBlock []byte, timestamp string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(poolName))
	m.Write([]byte(userID))
	m.Write(secretBlock)
	m.Write([]byte(timestamp))
	return m.Sum(nil)
}

// DecodeSecretBlock decodes a SECRET_BLOCK: standard base64 with padding as
// Cognito sends it, or — as Amplify v6 tolerates — the URL-safe alphabet
// and/or missing padding. Any other character is ErrMalformedBase64; nothing
// is silently skipped (PROTOCOL.md §3 step 7).
func DecodeSecretBlock(s string) ([]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("%w: SECRET_BLOCK", ErrEmpty)
	}
	if len(s) > maxSecretBlock*4/3+4 {
		return nil, fmt.Errorf("%w: SECRET_BLOCK of %d characters", ErrTooWide, len(s))
	}
	if looksLikeUUID(s) {
		// moto_server sends a UUID here. It happens to be valid URL-safe
		// base64, but it is not a secret block: say so rather than sign it.
		return nil, fmt.Errorf("%w: SECRET_BLOCK is a UUID, not base64 of a secret block", ErrMalformedBase64)
	}
	std, url := strings.ContainsAny(s, "+/"), strings.ContainsAny(s, "-_")
	if std && url {
		return nil, fmt.Errorf("%w: SECRET_BLOCK mixes base64 alphabets", ErrMalformedBase64)
	}
	enc := base64.StdEncoding
	if url {
		enc = base64.URLEncoding
	}
	if !strings.HasSuffix(s, "=") && len(s)%4 != 0 {
		enc = enc.WithPadding(base64.NoPadding)
	}
	b, err := enc.Strict().DecodeString(s)
	if err != nil || strings.ContainsAny(s, "\r\n") {
		return nil, fmt.Errorf("%w: SECRET_BLOCK", ErrMalformedBase64)
	}
	return b, nil
}

// looksLikeUUID reports whether s has the 8-4-4-4-12 hex shape of a UUID.
func looksLikeUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if s[i] != '-' {
				return false
			}
		} else if _, ok := hexNibble(s[i]); !ok {
			return false
		}
	}
	return true
}

// Verifier is what a server stores for a password or a device: the salt and
// v = g^x mod N. Salt is padHex-encoded (it is hashed so); V is secret.
type Verifier struct {
	Salt []byte
	V    []byte
}

// SaltHex returns the salt as the SALT challenge parameter: lower-case hex
// of the salt integer.
func (v *Verifier) SaltHex() string { return lowerHex(v.Salt) }

// NewPasswordVerifier draws a 16-byte salt from rand (crypto/rand.Reader if
// nil) and returns the verifier of (poolName, userID, password) in the
// Cognito group. The password is used only inside constant-time code.
func NewPasswordVerifier(rand io.Reader, poolName, userID, password string) (*Verifier, error) {
	salt, err := randomBytes(rand, 16)
	if err != nil {
		return nil, err
	}
	return PasswordVerifierFromSalt(PadHex(salt), poolName, userID, password)
}

// PasswordVerifierFromSalt returns the verifier for a given padHex-encoded
// salt (for stored data and test vectors).
func PasswordVerifierFromSalt(salt []byte, poolName, userID, password string) (*Verifier, error) {
	if poolName == "" || userID == "" {
		return nil, fmt.Errorf("%w: pool name or user id", ErrEmpty)
	}
	g := Cognito()
	x := cognitoX(salt, poolName, userID, password)
	return &Verifier{Salt: append([]byte(nil), salt...), V: g.ar.expG(x)}, nil
}

// DeviceSecretVerifierConfig is the ConfirmDevice parameter of the same
// name: Base64(padHex(salt)) and Base64(padHex(v)) (PROTOCOL.md §6).
type DeviceSecretVerifierConfig struct {
	PasswordVerifier string
	Salt             string
}

// DeviceVerifier is a freshly made device secret: the device password the
// client keeps and the configuration it uploads with ConfirmDevice.
type DeviceVerifier struct {
	// DevicePassword is secret: Base64 of 40 random bytes.
	DevicePassword string
	Config         DeviceSecretVerifierConfig
}

// NewDeviceVerifier draws a 40-byte device password and a 16-byte salt from
// rand (crypto/rand.Reader if nil) for the device (PROTOCOL.md §6).
func NewDeviceVerifier(rand io.Reader, deviceGroupKey, deviceKey string) (*DeviceVerifier, error) {
	pw, err := randomBytes(rand, 40)
	if err != nil {
		return nil, err
	}
	salt, err := randomBytes(rand, 16)
	if err != nil {
		return nil, err
	}
	return DeviceVerifierFromSecrets(deviceGroupKey, deviceKey, base64.StdEncoding.EncodeToString(pw), salt)
}

// DeviceVerifierFromSecrets computes the device verifier for a given device
// password and raw salt bytes (for test vectors and reproducible runs).
func DeviceVerifierFromSecrets(deviceGroupKey, deviceKey, devicePassword string, salt []byte) (*DeviceVerifier, error) {
	if deviceGroupKey == "" || deviceKey == "" {
		return nil, fmt.Errorf("%w: device group key or device key", ErrEmpty)
	}
	v, err := PasswordVerifierFromSalt(PadHex(salt), deviceGroupKey, deviceKey, devicePassword)
	if err != nil {
		return nil, err
	}
	return &DeviceVerifier{
		DevicePassword: devicePassword,
		Config: DeviceSecretVerifierConfig{
			PasswordVerifier: base64.StdEncoding.EncodeToString(PadHex(v.V)),
			Salt:             base64.StdEncoding.EncodeToString(v.Salt),
		},
	}, nil
}

// ParseDeviceSecretVerifierConfig reads an uploaded device verifier as the
// server stores it. Both fields are base64 of non-negative padHex integers;
// the verifier must be below N.
func ParseDeviceSecretVerifierConfig(c DeviceSecretVerifierConfig) (*Verifier, error) {
	salt, err := base64.StdEncoding.Strict().DecodeString(c.Salt)
	if err != nil || len(salt) == 0 || len(salt) > 64 || salt[0]&0x80 != 0 {
		return nil, fmt.Errorf("%w: device Salt", ErrMalformedBase64)
	}
	v, err := base64.StdEncoding.Strict().DecodeString(c.PasswordVerifier)
	if err != nil || len(v) == 0 || v[0]&0x80 != 0 {
		return nil, fmt.Errorf("%w: device PasswordVerifier", ErrMalformedBase64)
	}
	g := Cognito()
	if _, err := g.ar.checkPublic(v); err != nil {
		return nil, err
	}
	if err := g.ar.checkSecret(v); err != nil {
		return nil, err
	}
	return &Verifier{Salt: PadHex(salt), V: leftPad(v, g.size)}, nil
}

// VerifyClaimParams are what a server needs to check a claim: the public
// values it received and the SECRET_BLOCK bytes it issued.
type VerifyClaimParams struct {
	PoolName     string
	UserIDForSRP string
	SRPA         string // SRP_A, hex as received
	SecretBlock  []byte // the decoded SECRET_BLOCK the server issued
	Timestamp    string // the canonical TIMESTAMP to sign (the server re-renders it)
	Signature    string // PASSWORD_CLAIM_SIGNATURE, base64
}

// NewCognitoServer returns a Cognito server ephemeral for verifier v, with
// a fresh 1024-bit b from rand (crypto/rand.Reader if nil).
func NewCognitoServer(v *Verifier, rand io.Reader) (*Server, error) {
	return Cognito().NewServer(v.V, rand)
}

// VerifyPasswordClaim checks a PASSWORD_VERIFIER or DEVICE_PASSWORD_VERIFIER
// claim against this server ephemeral (PROTOCOL.md §3 seen from the server).
// The signature comparison is constant-time; a mismatch is ErrVerification.
// The server ephemeral must not be reused after this call.
func (s *Server) VerifyPasswordClaim(p VerifyClaimParams) error {
	g := s.g
	if g.enc != EncodePadHex {
		return fmt.Errorf("%w: Cognito claims need the padHex encoding", ErrGroup)
	}
	if p.PoolName == "" || p.UserIDForSRP == "" {
		return fmt.Errorf("%w: pool name or user id", ErrEmpty)
	}
	A, err := decodeHexInt(p.SRPA, maxHexDigits)
	if err != nil {
		return fmt.Errorf("SRP_A: %w", err)
	}
	if err := g.parseA(A); err != nil {
		return err
	}
	got, err := base64.StdEncoding.Strict().DecodeString(p.Signature)
	if err != nil {
		return fmt.Errorf("%w: PASSWORD_CLAIM_SIGNATURE", ErrMalformedBase64)
	}
	u, err := g.scramble(A, s.B)
	if err != nil {
		return err
	}
	S := s.premaster(A, u)
	key := hkdf.CognitoKey(PadHex(S), PadHex(u))
	want := claimSignature(key, p.PoolName, p.UserIDForSRP, p.SecretBlock, p.Timestamp)
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return fmt.Errorf("%w: PASSWORD_CLAIM_SIGNATURE", ErrVerification)
	}
	return nil
}

func randomBytes(r io.Reader, n int) ([]byte, error) {
	if r == nil {
		r = cryptorand.Reader
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRandom, err)
	}
	return b, nil
}

// leftPad returns b left-padded with zeros to n bytes (b is at most n bytes
// once its leading zeros are dropped).
func leftPad(b []byte, n int) []byte {
	b = trimLeadingZeros(b)
	out := make([]byte, n)
	copy(out[n-len(b):], b)
	return out
}
