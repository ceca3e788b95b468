package srp

import (
	cryptorand "crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"strings"

	"github.com/caldera-srp/caldera/hkdf"
	"github.com/caldera-srp/caldera/internal/ctgrind"
)

// maxHexDigits bounds SRP_A and SRP_B as hex before any parsing: N is 768
// digits; a few leading zeros are tolerated, megabytes are not.
const maxHexDigits = 1024

// maxSecretBlock bounds a decoded SECRET_BLOCK (Cognito's are ≈ 1 KiB).
const maxSecretBlock = 64 << 10

// PoolName returns the SRP pool name of a user pool id "REGION_NAME": the
// part after the first underscore (docs/protocol.md §3).
func PoolName(poolID string) (string, error) {
	_, name, ok := strings.Cut(poolID, "_")
	if !ok || name == "" {
		return "", fmt.Errorf("%w: pool id %q has no name after '_'", ErrEmpty, poolID)
	}
	return name, nil
}

// PasswordClaimParams are the inputs of a PASSWORD_VERIFIER (or
// DEVICE_PASSWORD_VERIFIER) claim, as the challenge carries them
// (docs/protocol.md §3).
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
// challenge response echoes: what goes on the wire, nothing secret.
type Claim struct {
	// Signature is PASSWORD_CLAIM_SIGNATURE, standard base64.
	Signature string
	// SecretBlock is PASSWORD_CLAIM_SECRET_BLOCK: SECRET_BLOCK exactly as
	// received.
	SecretBlock string
	// Timestamp is the TIMESTAMP that was signed.
	Timestamp string
}

// ClaimTrace holds the intermediate values of a claim (docs/protocol.md §3
// steps 3–6), as PasswordClaimTrace returns them. It contains secrets: x, S
// and the derived key let anyone who holds them sign this exchange's claim,
// and x is a password-equivalent for this salt (v = g^x). It exists for
// test vectors and `caldera vector`; never log it or keep it.
type ClaimTrace struct {
	A        []byte // public A, minimal big-endian
	U        []byte // u = H(padHex(A) ‖ padHex(B))
	X        []byte // secret: x = H(padHex(salt) ‖ H(poolName ‖ userID ‖ ":" ‖ password))
	S        []byte // secret: S, minimal big-endian
	HKDFIkm  []byte // secret: padHex(S)
	HKDFSalt []byte // padHex(u)
	Key      []byte // secret: the 16-byte derived key
}

// PasswordClaim computes the PASSWORD_VERIFIER claim of docs/protocol.md §3
// steps 2–7 with this client's ephemeral a. It checks the public inputs
// (typed errors: ErrEmpty, ErrMalformedHex, ErrTooWide, ErrBZero, ErrUZero,
// ErrMalformedBase64) before doing any secret-dependent work. Everything
// computed from the password or a is constant-time for fixed input lengths.
//
// A claim uses up the client's a: when PasswordClaim returns, with a claim
// or an error, a and the scratch that held x, a + u·x, S, padHex(S), the
// derived key and the hashed messages (password included) are zeroed, and
// another claim is ErrEphemeralUsed until Regenerate draws a fresh a. The
// returned Claim holds only the three values sent on the wire.
//
// The group must use the padHex encoding (Cognito()). See
// AppendPasswordClaim for a variant that does not allocate.
func (c *Client) PasswordClaim(p PasswordClaimParams) (*Claim, error) {
	defer c.wipe()
	if err := c.sign(&p); err != nil {
		return nil, err
	}
	return &Claim{
		Signature:   base64.StdEncoding.EncodeToString(c.sc.sig[:]),
		SecretBlock: p.SecretBlock,
		Timestamp:   p.Timestamp,
	}, nil
}

// PasswordClaimTrace is PasswordClaim that also returns the claim's
// intermediate values. It exposes secrets (x, S, the derived key: see
// ClaimTrace): it is for test vectors and for debugging a refused
// signature (`caldera vector`), never for a sign-in. The trace is a copy;
// the client's own buffers are wiped as after PasswordClaim. For a device
// claim, pass DeviceClaim's values as the parameters: PoolName :=
// DeviceGroupKey, UserIDForSRP := DeviceKey, Password := the device
// password (docs/protocol.md §6).
func (c *Client) PasswordClaimTrace(p PasswordClaimParams) (*Claim, ClaimTrace, error) {
	defer c.wipe()
	if err := c.sign(&p); err != nil {
		return nil, ClaimTrace{}, err
	}
	sc := &c.sc
	clone := func(b []byte) []byte { return append([]byte(nil), b...) }
	return &Claim{
			Signature:   base64.StdEncoding.EncodeToString(sc.sig[:]),
			SecretBlock: p.SecretBlock,
			Timestamp:   p.Timestamp,
		}, ClaimTrace{
			A: c.Public(), U: clone(trimLeadingZeros(sc.u[:])), X: clone(sc.x[:]),
			S: clone(sc.s[leadingZeros(sc.s):]), HKDFIkm: clone(sc.ikm), HKDFSalt: clone(sc.hsalt),
			Key: clone(sc.key[:]),
		}, nil
}

// DeviceClaim computes the DEVICE_PASSWORD_VERIFIER claim (docs/protocol.md §6):
// the PASSWORD_VERIFIER math with poolName := DeviceGroupKey,
// USER_ID_FOR_SRP := DeviceKey and password := the device password. The
// client must be a fresh one, not the one used for the password claim; the
// claim uses up and wipes its a as PasswordClaim does.
func (c *Client) DeviceClaim(deviceGroupKey, deviceKey, devicePassword, srpB, salt, secretBlock, timestamp string) (*Claim, error) {
	return c.PasswordClaim(PasswordClaimParams{
		PoolName: deviceGroupKey, UserIDForSRP: deviceKey, Password: devicePassword,
		SRPB: srpB, Salt: salt, SecretBlock: secretBlock, Timestamp: timestamp,
	})
}

// DecodeSecretBlock decodes a SECRET_BLOCK: standard base64 with padding as
// Cognito sends it, or — as Amplify v6 tolerates — the URL-safe alphabet
// and/or missing padding. Any other character is ErrMalformedBase64; nothing
// is silently skipped (docs/protocol.md §3 step 7). A UUID (what moto_server
// sends) is refused too.
func DecodeSecretBlock(s string) ([]byte, error) {
	b, _, err := appendSecretBlock(nil, nil, s)
	return b, err
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
	ctgrind.Public(salt) // sent as SALT
	return PasswordVerifierFromSalt(PadHex(salt), poolName, userID, password)
}

// PasswordVerifierFromSalt returns the verifier for a given padHex-encoded
// salt (for stored data and test vectors).
func PasswordVerifierFromSalt(salt []byte, poolName, userID, password string) (*Verifier, error) {
	if poolName == "" || userID == "" {
		return nil, fmt.Errorf("%w: pool name or user id", ErrEmpty)
	}
	g := Cognito()
	var x [sha256.Size]byte
	cognitoX(&x, nil, salt, poolName, userID, password)
	return &Verifier{Salt: append([]byte(nil), salt...), V: g.ar.expG(nil, x[:])}, nil
}

// DeviceSecretVerifierConfig is the ConfirmDevice parameter of the same
// name: Base64(padHex(salt)) and Base64(padHex(v)) (docs/protocol.md §6).
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
// rand (crypto/rand.Reader if nil) for the device (docs/protocol.md §6).
func NewDeviceVerifier(rand io.Reader, deviceGroupKey, deviceKey string) (*DeviceVerifier, error) {
	pw, err := randomBytes(rand, 40)
	if err != nil {
		return nil, err
	}
	salt, err := randomBytes(rand, 16)
	if err != nil {
		return nil, err
	}
	ctgrind.Public(salt) // uploaded with ConfirmDevice
	// The device password is secret: encode it without table lookups.
	devicePassword := string(appendBase64(nil, pw))
	clear(pw)
	return DeviceVerifierFromSecrets(deviceGroupKey, deviceKey, devicePassword, salt)
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
	ctgrind.Public(v.V) // uploaded with ConfirmDevice as PasswordVerifier
	return &DeviceVerifier{
		DevicePassword: devicePassword,
		Config: DeviceSecretVerifierConfig{
			PasswordVerifier: base64.StdEncoding.EncodeToString(PadHex(v.V)),
			Salt:             base64.StdEncoding.EncodeToString(v.Salt),
		},
	}, nil
}

// ParseDeviceSecretVerifierConfig reads an uploaded device verifier as the
// server stores it (ConfirmDevice, docs/protocol.md §6). Both fields are
// base64 of non-negative padHex integers (else ErrMalformedBase64). The
// verifier goes through Group.CheckVerifier: v ≥ N, v ≡ 0, 1 or −1 mod N
// is ErrDegenerateVerifier (v ≥ N also ErrTooWide), because such a v lets
// anyone who knows the device key answer DEVICE_PASSWORD_VERIFIER.
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
	if err := g.CheckVerifier(v); err != nil {
		return nil, fmt.Errorf("device PasswordVerifier: %w", err)
	}
	// Left-pad (or drop the zero bytes CheckVerifier saw) to N's length,
	// branching on the length only.
	V := make([]byte, g.size)
	if len(v) > g.size {
		v = v[len(v)-g.size:]
	}
	copy(V[g.size-len(v):], v)
	return &Verifier{Salt: PadHex(salt), V: V}, nil
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
// a fresh 512-bit b from rand (crypto/rand.Reader if nil; see [Cognito] for
// the length).
func NewCognitoServer(v *Verifier, rand io.Reader) (*Server, error) {
	return Cognito().NewServer(v.V, rand)
}

// VerifyPasswordClaim checks a PASSWORD_VERIFIER or DEVICE_PASSWORD_VERIFIER
// claim against this server ephemeral (docs/protocol.md §3 seen from the server).
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
	var key [hkdf.KeySize]byte
	var want [sha256.Size]byte
	hkdf.CognitoKeyTo(&key, PadHex(S), PadHex(u))
	claimSignature(&want, nil, key[:], p.PoolName, p.UserIDForSRP, p.SecretBlock, p.Timestamp)
	clear(key[:])
	clear(S)
	if !publicEqual(got, want[:]) {
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
