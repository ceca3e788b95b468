package idp

import (
	"sort"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/srp"
)

// answerDeviceSRPAuth answers DEVICE_SRP_AUTH with DEVICE_PASSWORD_VERIFIER
// for the device's stored verifier (docs/protocol.md §6).
func (s *Server) answerDeviceSRPAuth(c *call, sess *authSession, u *userRecord, r params) (any, *Error) {
	dk, srpA := r.get("DEVICE_KEY"), r.get("SRP_A")
	if dk == "" || srpA == "" {
		return nil, errParam("Missing required parameter DEVICE_KEY or SRP_A")
	}
	if !validSRPA(srpA) {
		return nil, errParam("SRP_A is invalid")
	}
	s.mu.Lock()
	d := s.devices[dk]
	s.mu.Unlock()
	if d == nil || d.PoolID != u.PoolID || d.Username != u.Username || !d.Confirmed {
		return nil, errNotFound(msgDeviceNotExist)
	}
	v := &srp.Verifier{Salt: d.Salt, V: d.V}
	srv, err := srp.NewCognitoServer(v, s.rand)
	if err != nil {
		return nil, errInternal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	taken := s.takeSession(sess.id)
	if taken == nil {
		return nil, errBadSession()
	}
	taken.deviceKey = dk
	out, ns, aerr := s.challenge(taken, string(challenge.DevicePasswordVerifier), nil)
	if aerr != nil {
		return nil, aerr
	}
	ns.srpServer, ns.srpA = srv, srpA
	block, berr := s.sealSecretBlock(ns)
	if berr != nil {
		return nil, errInternal(berr)
	}
	out.ChallengeParameters = map[string]string{
		"SALT": v.SaltHex(), "SRP_B": srv.PublicHex(), "SECRET_BLOCK": block,
		"USERNAME": u.Username, "DEVICE_KEY": dk,
	}
	return out, nil
}

func (s *Server) answerDevicePasswordVerifier(c *call, sess *authSession, u *userRecord, r params) (any, *Error) {
	canonical, block, err := s.checkClaimInputs(sess, r)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	d := s.devices[sess.deviceKey]
	if dk := r.get("DEVICE_KEY"); d == nil || (dk != "" && dk != d.Key) {
		s.mu.Unlock()
		return nil, errNotFound(msgDeviceNotExist)
	}
	taken := s.takeSession(sess.id)
	s.mu.Unlock()
	if taken == nil {
		return nil, errBadSession()
	}
	verr := taken.srpServer.VerifyPasswordClaim(srp.VerifyClaimParams{
		PoolName: d.GroupKey, UserIDForSRP: d.Key, SRPA: taken.srpA,
		SecretBlock: block, Timestamp: canonical, Signature: r.get("PASSWORD_CLAIM_SIGNATURE"),
	})
	skewOK := s.checkSkew(canonical)
	s.mu.Lock()
	defer s.mu.Unlock()
	if verr != nil || !skewOK {
		s.recordFailure(u.PoolID, u.Username)
		return nil, errIncorrect()
	}
	taken.deviceDone = true
	return s.advance(c, taken)
}

// deviceOf finds a device of the user. Called with s.mu held.
func (s *Server) deviceOf(u *userRecord, key string) (*deviceRecord, *Error) {
	d := s.devices[key]
	if d == nil || d.PoolID != u.PoolID || d.Username != u.Username {
		return nil, errNotFound(msgDeviceNotExist)
	}
	return d, nil
}

type confirmDeviceIn struct {
	AccessToken                string
	DeviceKey                  string
	DeviceName                 string
	DeviceSecretVerifierConfig *srp.DeviceSecretVerifierConfig
}

func opConfirmDevice(s *Server, c *call, in *confirmDeviceIn) (any, *Error) {
	if in.DeviceSecretVerifierConfig == nil {
		return nil, errParam("Missing required parameter DeviceSecretVerifierConfig")
	}
	v, err := srp.ParseDeviceSecretVerifierConfig(*in.DeviceSecretVerifierConfig)
	if err != nil {
		return nil, errParam("Invalid DeviceSecretVerifierConfig: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, _, aerr := s.accessUser(in.AccessToken)
	if aerr != nil {
		return nil, aerr
	}
	d, aerr := s.deviceOf(u, in.DeviceKey)
	if aerr != nil {
		return nil, aerr
	}
	p := s.pools[u.PoolID]
	prompt := p.Device != nil && p.Device.DeviceOnlyRememberedOnUserPrompt
	nd := clone(d)
	nd.Salt, nd.V, nd.Confirmed, nd.Name = v.Salt, v.V, true, in.DeviceName
	nd.Remembered = !prompt
	nd.ModifiedAt = s.now()
	if err := s.persist(kindDevice, nd.Key, nd); err != nil {
		return nil, err
	}
	s.devices[nd.Key] = nd
	return map[string]bool{"UserConfirmationNecessary": prompt}, nil
}

type updateDeviceStatusIn struct {
	AccessToken            string
	DeviceKey              string
	DeviceRememberedStatus string
}

func opUpdateDeviceStatus(s *Server, c *call, in *updateDeviceStatusIn) (any, *Error) {
	if in.DeviceRememberedStatus != "remembered" && in.DeviceRememberedStatus != "not_remembered" {
		return nil, errParam("Invalid DeviceRememberedStatus %q", in.DeviceRememberedStatus)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, _, aerr := s.accessUser(in.AccessToken)
	if aerr != nil {
		return nil, aerr
	}
	d, aerr := s.deviceOf(u, in.DeviceKey)
	if aerr != nil {
		return nil, aerr
	}
	nd := clone(d)
	nd.Remembered = in.DeviceRememberedStatus == "remembered"
	nd.ModifiedAt = s.now()
	if err := s.persist(kindDevice, nd.Key, nd); err != nil {
		return nil, err
	}
	s.devices[nd.Key] = nd
	return nil, nil
}

type forgetDeviceIn struct {
	AccessToken string
	UserPoolId  string
	Username    string
	DeviceKey   string
}

func opForgetDevice(s *Server, c *call, in *forgetDeviceIn) (any, *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, _, aerr := s.accessUser(in.AccessToken)
	if aerr != nil {
		return nil, aerr
	}
	return nil, s.forgetDevice(u, in.DeviceKey)
}

func opAdminForgetDevice(s *Server, c *call, in *forgetDeviceIn) (any, *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, aerr := s.adminUser(in.UserPoolId, in.Username)
	if aerr != nil {
		return nil, aerr
	}
	return nil, s.forgetDevice(u, in.DeviceKey)
}

// forgetDevice deletes a device. Called with s.mu held.
func (s *Server) forgetDevice(u *userRecord, key string) *Error {
	if _, err := s.deviceOf(u, key); err != nil {
		return err
	}
	if err := s.unpersist(kindDevice, key); err != nil {
		return err
	}
	delete(s.devices, key)
	return nil
}

type listDevicesIn struct {
	AccessToken     string
	Limit           int
	PaginationToken string
}

func opListDevices(s *Server, c *call, in *listDevicesIn) (any, *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, _, aerr := s.accessUser(in.AccessToken)
	if aerr != nil {
		return nil, aerr
	}
	var ds []*deviceRecord
	for _, d := range s.devices {
		if d.PoolID == u.PoolID && d.Username == u.Username && d.Confirmed {
			ds = append(ds, d)
		}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i].Key < ds[j].Key })
	start := 0
	if in.PaginationToken != "" {
		start = len(ds)
		for i, d := range ds {
			if d.Key == in.PaginationToken {
				start = i
			}
		}
	}
	limit := in.Limit
	if limit <= 0 || limit > 60 {
		limit = 60
	}
	out := []map[string]any{}
	next := ""
	for i := start; i < len(ds); i++ {
		if len(out) == limit {
			next = ds[i].Key
			break
		}
		d := ds[i]
		status := "not_remembered"
		if d.Remembered {
			status = "remembered"
		}
		out = append(out, map[string]any{
			"DeviceKey": d.Key,
			"DeviceAttributes": []attribute{
				{"device_status", "valid"}, {"device_name", d.Name}, {"dev:device_remembered_status", status},
			},
			"DeviceCreateDate": epoch(d.CreatedAt), "DeviceLastModifiedDate": epoch(d.ModifiedAt),
			"DeviceLastAuthenticatedDate": epoch(d.LastAuthAt),
		})
	}
	res := map[string]any{"Devices": out}
	if next != "" {
		res["PaginationToken"] = next
	}
	return res, nil
}

// ForgetDevice deletes a device of a user (as AdminForgetDevice does), so
// that its next DEVICE_KEY is refused with ResourceNotFoundException.
func (s *Server) ForgetDevice(poolID, username, deviceKey string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.adminUser(poolID, username)
	if err != nil {
		return err
	}
	if err := s.forgetDevice(u, deviceKey); err != nil {
		return err
	}
	return nil
}
