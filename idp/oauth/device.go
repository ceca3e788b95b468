package oauth

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/idp/userpool"
	"github.com/caldera-srp/caldera/srp"
)

// "Remember this device" at the hosted pages. When the pool tracks
// devices, a finished sign-in offers to remember the browser: the pages
// then play the part a device-aware client plays (docs/protocol.md §6) —
// they draw a device password and upload its verifier (ConfirmDevice,
// UpdateDeviceStatus remembered) — and keep the device in an HttpOnly
// cookie. The next sign-in from that browser names the device, answers
// DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER with an SRP claim, and MFA
// is skipped exactly as for the API. The device password is as valuable
// as a refresh token; it never leaves the cookie and this process.

// stepRememberDevice is the pseudo-challenge of the offer's page.
const stepRememberDevice = "REMEMBER_DEVICE"

// deviceCookieName is per pool, so one browser may remember a device in
// several pools of one server.
func deviceCookieName(poolID string) string { return "caldera_device_" + poolID }

// deviceTTL is how long the browser keeps a remembered device.
const deviceTTL = 30 * 24 * time.Hour

// rememberedDevice is the cookie's content.
type rememberedDevice struct {
	Key      string `json:"k"`
	Group    string `json:"g"`
	Password string `json:"p"`
}

func (h *Handler) deviceCookie(r *http.Request, req Request) *rememberedDevice {
	c, err := r.Cookie(deviceCookieName(req.PoolID))
	if err != nil {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	var d rememberedDevice
	if err != nil || json.Unmarshal(b, &d) != nil || d.Key == "" || d.Group == "" || d.Password == "" {
		return nil
	}
	return &d
}

// rememberDevice answers the offer: with "remember" checked, the device is
// confirmed and remembered and the cookie set; either way the sign-in
// completes.
func (h *Handler) rememberDevice(w http.ResponseWriter, r *http.Request, req Request, ar *authRequest, l *login) {
	ts := l.tokens
	h.setCookie(w, r, req, loginCookie, "", -1)
	if r.PostForm.Get("remember") == "on" && ts.NewDeviceMetadata != nil {
		md := ts.NewDeviceMetadata
		dv, err := srp.NewDeviceVerifier(h.Rand, md.DeviceGroupKey, md.DeviceKey)
		if err == nil {
			ua := r.UserAgent()
			if len(ua) > 60 {
				ua = ua[:60]
			}
			name := strings.TrimSpace("Hosted sign-in " + ua)
			cfg := srp.DeviceSecretVerifierConfig{PasswordVerifier: dv.Config.PasswordVerifier, Salt: dv.Config.Salt}
			if uerr := h.Service.HostedRememberDevice(ts.AccessToken, md.DeviceKey, name, &cfg); uerr == nil {
				b, _ := json.Marshal(rememberedDevice{Key: md.DeviceKey, Group: md.DeviceGroupKey, Password: dv.DevicePassword})
				h.setCookie(w, r, req, deviceCookieName(req.PoolID), base64.RawURLEncoding.EncodeToString(b), int(deviceTTL/time.Second))
			} else {
				h.log().Info("idp/oauth: remember device", "pool", req.PoolID, "err", uerr)
			}
		}
	}
	h.complete(w, r, req, ar, ts)
}

// answerDevice answers DEVICE_SRP_AUTH with a fresh SRP_A and then
// DEVICE_PASSWORD_VERIFIER with the remembered device's claim
// (srp.Client.DeviceClaim); the ephemeral lives only in this call.
func (h *Handler) answerDevice(auth userpool.HostedAuth, dev *rememberedDevice, res *userpool.AuthResult) (*userpool.AuthResult, *userpool.Error) {
	user := res.ChallengeParameters["USERNAME"]
	if res.ChallengeName == string(challenge.DeviceSRPAuth) {
		c, err := srp.Cognito().NewClient(h.Rand)
		if err != nil {
			return nil, userpool.NewError("InternalErrorException", "device SRP: %v", err)
		}
		next, uerr := h.Service.HostedRespond(auth, res.ChallengeName, res.Session, map[string]string{
			"USERNAME": user, "DEVICE_KEY": dev.Key, "SRP_A": c.PublicHex(),
		})
		if uerr != nil || next.ChallengeName != string(challenge.DevicePasswordVerifier) {
			return next, uerr
		}
		p := next.ChallengeParameters
		ts := challenge.FormatTimestamp(h.now())
		claim, err := c.DeviceClaim(dev.Group, dev.Key, dev.Password, p["SRP_B"], p["SALT"], p["SECRET_BLOCK"], ts)
		if err != nil {
			return nil, userpool.NewError("NotAuthorizedException", "Incorrect username or password.")
		}
		return h.Service.HostedRespond(auth, next.ChallengeName, next.Session, map[string]string{
			"USERNAME": user, "DEVICE_KEY": dev.Key, "PASSWORD_CLAIM_SIGNATURE": claim.Signature,
			"PASSWORD_CLAIM_SECRET_BLOCK": claim.SecretBlock, "TIMESTAMP": claim.Timestamp,
		})
	}
	return nil, userpool.NewError("NotAuthorizedException", "Incorrect username or password.")
}
