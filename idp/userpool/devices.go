package userpool

import (
	"sort"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/idp/tokens"
	"github.com/caldera-srp/caldera/srp"
)

// answerDeviceSRPAuth answers DEVICE_SRP_AUTH with DEVICE_PASSWORD_VERIFIER
// for the device's stored verifier (docs/protocol.md §6); B is computed
// outside any transaction.
func (s *Service) answerDeviceSRPAuth(sess *session, u *store.User, r map[string]string) (*AuthResult, *Error) {
	dk, srpA := r["DEVICE_KEY"], r["SRP_A"]
	if dk == "" || srpA == "" {
		return nil, errParam("Missing required parameter DEVICE_KEY or SRP_A")
	}
	if !validSRPA(srpA) {
		return nil, errParam("SRP_A is invalid")
	}
	var d *store.Device
	if err := s.view(func(tx store.Tx) error {
		var err error
		d, err = store.GetDevice(tx, dk)
		return err
	}); err != nil {
		return nil, err
	}
	if d == nil || d.PoolID != u.PoolID || d.Username != u.Username || !d.Confirmed {
		return nil, errNotFound(msgDeviceNotExist)
	}
	v := &srp.Verifier{Salt: d.Salt, V: d.V}
	srv, err := srp.NewCognitoServer(v, s.cfg.Rand)
	if err != nil {
		return nil, errInternal(err)
	}
	taken := s.sessions.take(sess.id, s.now())
	if taken == nil {
		return nil, errBadSession()
	}
	taken.deviceKey = dk
	ns, err := s.nextSession(taken, string(challenge.DevicePasswordVerifier))
	if err != nil {
		return nil, errInternal(err)
	}
	ns.srpServer, ns.srpA = srv, srpA
	block, err := s.sealSecretBlock(ns)
	if err != nil {
		return nil, errInternal(err)
	}
	s.sessions.put(ns, s.now())
	return &AuthResult{
		ChallengeName: string(challenge.DevicePasswordVerifier),
		ChallengeParameters: map[string]string{
			"SALT": v.SaltHex(), "SRP_B": srv.PublicHex(), "SECRET_BLOCK": block,
			"USERNAME": u.Username, "DEVICE_KEY": dk,
		},
		Session: ns.id,
	}, nil
}

func (s *Service) answerDevicePasswordVerifier(endpoint string, sess *session, u *store.User, r map[string]string) (*AuthResult, *Error) {
	canonical, block, err := s.checkClaimInputs(sess, r)
	if err != nil {
		return nil, err
	}
	var d *store.Device
	if err := s.view(func(tx store.Tx) error {
		var err error
		d, err = store.GetDevice(tx, sess.deviceKey)
		return err
	}); err != nil {
		return nil, err
	}
	if dk := r["DEVICE_KEY"]; d == nil || (dk != "" && dk != d.Key) {
		return nil, errNotFound(msgDeviceNotExist)
	}
	taken := s.sessions.take(sess.id, s.now())
	if taken == nil {
		return nil, errBadSession()
	}
	verr := taken.srpServer.VerifyPasswordClaim(srp.VerifyClaimParams{
		PoolName: d.GroupKey, UserIDForSRP: d.Key, SRPA: taken.srpA,
		SecretBlock: block, Timestamp: canonical, Signature: r["PASSWORD_CLAIM_SIGNATURE"],
	})
	skewOK := s.checkSkew(canonical)
	return s.step(endpoint, taken, func(tx store.Tx) (*outcome, error) {
		if verr != nil || !skewOK {
			return &outcome{err: errIncorrect()}, s.recordFailure(tx, u.PoolID, u.Username)
		}
		taken.deviceDone = true
		return s.advance(tx, endpoint, taken)
	})
}

// ConfirmDevice stores the verifier of the device the caller's sign-in was
// given (docs/protocol.md §6) and reports whether the user must still be
// asked to remember it. Only that device (the access token's device_key)
// and only while unconfirmed: another device of the user, or a confirmed
// one (a re-keying), is refused with NotAuthorizedException, so a stolen
// access token cannot plant a verifier its holder knows on a device the
// user trusts. Degenerate verifiers (v ≡ 0, 1, −1 mod N) are refused by
// srp.ParseDeviceSecretVerifierConfig.
func (s *Service) ConfirmDevice(accessToken, deviceKey, name string, cfg *srp.DeviceSecretVerifierConfig) (userConfirmationNecessary bool, err *Error) {
	if cfg == nil {
		return false, errParam("Missing required parameter DeviceSecretVerifierConfig")
	}
	v, perr := srp.ParseDeviceSecretVerifierConfig(*cfg)
	if perr != nil {
		return false, errParam("Invalid DeviceSecretVerifierConfig: %v", perr)
	}
	c, err := s.verifyAccess(accessToken)
	if err != nil {
		return false, err
	}
	return s.confirmDevice(c, deviceKey, name, v, false)
}

// HostedRememberDevice confirms and remembers the new device of a hosted
// sign-in (the page's "remember this device"): ConfirmDevice and
// UpdateDeviceStatus in one transaction, for an access token of any scope
// (the page, not the token's holder, asks).
func (s *Service) HostedRememberDevice(accessToken, deviceKey, name string, cfg *srp.DeviceSecretVerifierConfig) *Error {
	if cfg == nil {
		return errParam("Missing required parameter DeviceSecretVerifierConfig")
	}
	v, perr := srp.ParseDeviceSecretVerifierConfig(*cfg)
	if perr != nil {
		return errParam("Invalid DeviceSecretVerifierConfig: %v", perr)
	}
	c, err := s.verifyAccessToken(accessToken)
	if err != nil {
		return err
	}
	_, err = s.confirmDevice(c, deviceKey, name, v, true)
	return err
}

// confirmDevice stores the verifier of the sign-in's (claims c) new
// device; remember marks it remembered whatever the pool's setting.
func (s *Service) confirmDevice(c tokens.Claims, deviceKey, name string, v *srp.Verifier, remember bool) (userConfirmationNecessary bool, err *Error) {
	err = s.update(func(tx store.Tx) error {
		u, err := accessUser(tx, c)
		if err != nil {
			return err
		}
		d, err := deviceOf(tx, u, deviceKey)
		if err != nil {
			return err
		}
		if c.String("device_key") != d.Key {
			return apiErr("NotAuthorizedException", msgDeviceNotOfSignIn)
		}
		if d.Confirmed {
			return apiErr("NotAuthorizedException", msgDeviceConfirmed)
		}
		p, err := store.GetPool(tx, u.PoolID)
		if err != nil {
			return err
		}
		userConfirmationNecessary = p != nil && p.Device != nil && p.Device.DeviceOnlyRememberedOnUserPrompt
		d.Salt, d.V, d.Confirmed, d.Name = v.Salt, v.V, true, name
		d.Remembered = remember || !userConfirmationNecessary
		d.ModifiedAt = s.now()
		return store.PutDevice(tx, d)
	})
	return userConfirmationNecessary, err
}

// UpdateDeviceStatus marks a device remembered or not.
func (s *Service) UpdateDeviceStatus(accessToken, deviceKey string, remembered bool) *Error {
	return s.accessUpdate(accessToken, func(tx store.Tx, u *store.User) error {
		d, err := deviceOf(tx, u, deviceKey)
		if err != nil {
			return err
		}
		d.Remembered = remembered
		d.ModifiedAt = s.now()
		return store.PutDevice(tx, d)
	})
}

// ForgetDevice deletes a device of the access token's user.
func (s *Service) ForgetDevice(accessToken, deviceKey string) *Error {
	return s.accessUpdate(accessToken, func(tx store.Tx, u *store.User) error {
		return forgetDevice(tx, u, deviceKey)
	})
}

// AdminForgetDevice deletes a device of a user named by an admin, so that
// its next DEVICE_KEY is refused with ResourceNotFoundException.
func (s *Service) AdminForgetDevice(poolID, name, deviceKey string) *Error {
	return s.update(func(tx store.Tx) error {
		u, err := adminUser(tx, poolID, name)
		if err != nil {
			return err
		}
		return forgetDevice(tx, u, deviceKey)
	})
}

func forgetDevice(tx store.Tx, u *store.User, key string) error {
	if _, err := deviceOf(tx, u, key); err != nil {
		return err
	}
	return store.DeleteDevice(tx, u.PoolID, u.Username, key)
}

// ListDevices returns a page of the access token's user's confirmed
// devices in key order (at most 60) and the key to continue from.
func (s *Service) ListDevices(accessToken string, limit int, from string) (page []*store.Device, next string, err *Error) {
	var ds []*store.Device
	err = s.accessView(accessToken, func(tx store.Tx, u *store.User) error {
		return store.UserDevices(tx, u.PoolID, u.Username, func(d *store.Device) error {
			if d.Confirmed {
				ds = append(ds, d)
			}
			return nil
		})
	})
	if err != nil {
		return nil, "", err
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i].Key < ds[j].Key })
	start := 0
	if from != "" {
		start = len(ds)
		for i, d := range ds {
			if d.Key == from {
				start = i
			}
		}
	}
	if limit <= 0 || limit > 60 {
		limit = 60
	}
	for i := start; i < len(ds); i++ {
		if len(page) == limit {
			next = ds[i].Key
			break
		}
		page = append(page, ds[i])
	}
	return page, next, nil
}
