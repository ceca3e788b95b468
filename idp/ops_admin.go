package idp

import (
	"maps"
	"slices"
	"time"
)

// attribute is Cognito's AttributeType.
type attribute struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

func attrList(m map[string]string) []attribute {
	out := make([]attribute, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, attribute{k, m[k]})
	}
	return out
}

func attrMap(l []attribute) map[string]string {
	m := map[string]string{}
	for _, a := range l {
		m[a.Name] = a.Value
	}
	return m
}

// epoch renders a time as AWS JSON does: seconds since 1970 as a number.
func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

type mfaConfigs struct {
	SoftwareTokenMfaConfiguration *struct {
		Enabled bool `json:"Enabled"`
	} `json:"SoftwareTokenMfaConfiguration,omitempty"`
	SmsMfaConfiguration   *map[string]any `json:"SmsMfaConfiguration,omitempty"`
	EmailMfaConfiguration *map[string]any `json:"EmailMfaConfiguration,omitempty"`
}

type createUserPoolIn struct {
	PoolName               string
	MfaConfiguration       string
	UsernameAttributes     []string
	AliasAttributes        []string
	AutoVerifiedAttributes []string
	DeviceConfiguration    *DeviceConfiguration
	Policies               *struct {
		PasswordPolicy *PasswordPolicy
		SignInPolicy   *struct{ AllowedFirstAuthFactors []string }
	}
	SmsConfiguration map[string]any
}

func opCreateUserPool(s *Server, c *call, in *createUserPoolIn) (any, *Error) {
	if in.PoolName == "" {
		return nil, errParam("1 validation error detected: Value null at 'poolName' failed to satisfy constraint: Member must not be null")
	}
	cfg := PoolConfig{
		Name: in.PoolName, MFA: in.MfaConfiguration, UsernameAttributes: in.UsernameAttributes,
		AliasAttributes: in.AliasAttributes, AutoVerifiedAttributes: in.AutoVerifiedAttributes,
		DeviceConfiguration: in.DeviceConfiguration, SMSMFA: in.SmsConfiguration != nil && in.MfaConfiguration != "" && in.MfaConfiguration != "OFF",
	}
	if in.Policies != nil {
		cfg.PasswordPolicy = in.Policies.PasswordPolicy
		if in.Policies.SignInPolicy != nil {
			cfg.FirstAuthFactors = in.Policies.SignInPolicy.AllowedFirstAuthFactors
		}
	}
	p, err := s.createPool(cfg)
	if err != nil {
		return nil, err
	}
	return map[string]any{"UserPool": poolOut(p)}, nil
}

func poolOut(p *poolRecord) map[string]any {
	out := map[string]any{
		"Id": p.ID, "Name": p.Name, "MfaConfiguration": p.MFA,
		"Arn":          "arn:aws:cognito-idp:" + regionOf(p.ID) + ":000000000000:userpool/" + p.ID,
		"CreationDate": epoch(p.CreatedAt), "LastModifiedDate": epoch(p.ModifiedAt),
		"Policies": map[string]any{"PasswordPolicy": p.PasswordPolicy},
	}
	if len(p.UsernameAttributes) > 0 {
		out["UsernameAttributes"] = p.UsernameAttributes
	}
	if len(p.AliasAttributes) > 0 {
		out["AliasAttributes"] = p.AliasAttributes
	}
	if len(p.AutoVerified) > 0 {
		out["AutoVerifiedAttributes"] = p.AutoVerified
	}
	if p.Device != nil {
		out["DeviceConfiguration"] = p.Device
	}
	return out
}

func regionOf(poolID string) string {
	for i := range len(poolID) {
		if poolID[i] == '_' {
			return poolID[:i]
		}
	}
	return poolID
}

type poolIDIn struct{ UserPoolId string }

func opDescribeUserPool(s *Server, c *call, in *poolIDIn) (any, *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pools[in.UserPoolId]
	if p == nil {
		return nil, errPoolNotFound(in.UserPoolId)
	}
	return map[string]any{"UserPool": poolOut(p)}, nil
}

type createClientIn struct {
	UserPoolId           string
	ClientName           string
	GenerateSecret       bool
	ExplicitAuthFlows    []string
	AccessTokenValidity  int64
	IdTokenValidity      int64
	RefreshTokenValidity int64
	TokenValidityUnits   *struct{ AccessToken, IdToken, RefreshToken string }
}

func validity(n int64, unit, def string) time.Duration {
	if n <= 0 {
		return 0
	}
	if unit == "" {
		unit = def
	}
	d := map[string]time.Duration{"seconds": time.Second, "minutes": time.Minute, "hours": time.Hour, "days": 24 * time.Hour}[unit]
	if d == 0 {
		d = map[string]time.Duration{"hours": time.Hour, "days": 24 * time.Hour}[def]
	}
	return time.Duration(n) * d
}

func opCreateUserPoolClient(s *Server, c *call, in *createClientIn) (any, *Error) {
	if in.ClientName == "" {
		return nil, errParam("1 validation error detected: Value null at 'clientName' failed to satisfy constraint: Member must not be null")
	}
	var units struct{ AccessToken, IdToken, RefreshToken string }
	if in.TokenValidityUnits != nil {
		units = *in.TokenValidityUnits
	}
	cl, err := s.createClient(in.UserPoolId, ClientConfig{
		Name: in.ClientName, GenerateSecret: in.GenerateSecret, ExplicitAuthFlows: in.ExplicitAuthFlows,
		AccessTokenValidity:  validity(in.AccessTokenValidity, units.AccessToken, "hours"),
		IDTokenValidity:      validity(in.IdTokenValidity, units.IdToken, "hours"),
		RefreshTokenValidity: validity(in.RefreshTokenValidity, units.RefreshToken, "days"),
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"UserPoolClient": clientOut(cl)}, nil
}

func clientOut(cl *clientRecord) map[string]any {
	out := map[string]any{
		"UserPoolId": cl.PoolID, "ClientId": cl.ID, "ClientName": cl.Name,
		"ExplicitAuthFlows": cl.Flows, "CreationDate": epoch(cl.CreatedAt), "LastModifiedDate": epoch(cl.CreatedAt),
	}
	if cl.Secret != "" {
		out["ClientSecret"] = cl.Secret
	}
	return out
}

type describeClientIn struct{ UserPoolId, ClientId string }

func opDescribeUserPoolClient(s *Server, c *call, in *describeClientIn) (any, *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cl := s.clients[in.ClientId]
	if cl == nil || cl.PoolID != in.UserPoolId {
		return nil, errNotFound("User pool client %s does not exist.", in.ClientId)
	}
	return map[string]any{"UserPoolClient": clientOut(cl)}, nil
}

type setMfaConfigIn struct {
	UserPoolId       string
	MfaConfiguration string
	mfaConfigs
}

func opSetUserPoolMfaConfig(s *Server, c *call, in *setMfaConfigIn) (any, *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pools[in.UserPoolId]
	if p == nil {
		return nil, errPoolNotFound(in.UserPoolId)
	}
	np := clone(p)
	if in.MfaConfiguration != "" {
		if in.MfaConfiguration != "OFF" && in.MfaConfiguration != "ON" && in.MfaConfiguration != "OPTIONAL" {
			return nil, errParam("Invalid MfaConfiguration %q", in.MfaConfiguration)
		}
		np.MFA = in.MfaConfiguration
	}
	if in.SoftwareTokenMfaConfiguration != nil {
		np.SoftwareTokenMFA = in.SoftwareTokenMfaConfiguration.Enabled
	}
	if in.SmsMfaConfiguration != nil {
		np.SMSMFA = true
	}
	if in.EmailMfaConfiguration != nil {
		np.EmailMFA = true
	}
	if np.MFA != "OFF" && !np.SoftwareTokenMFA && !np.SMSMFA && !np.EmailMFA {
		return nil, errParam("At least one MFA method must be enabled when MFA is ON or OPTIONAL.")
	}
	np.ModifiedAt = s.now()
	if err := s.persist(kindPool, np.ID, np); err != nil {
		return nil, err
	}
	s.pools[np.ID] = np
	return mfaConfigOut(np), nil
}

func mfaConfigOut(p *poolRecord) map[string]any {
	out := map[string]any{
		"MfaConfiguration":              p.MFA,
		"SoftwareTokenMfaConfiguration": map[string]bool{"Enabled": p.SoftwareTokenMFA},
	}
	if p.SMSMFA {
		out["SmsMfaConfiguration"] = map[string]any{"SmsAuthenticationMessage": "Your code is {####}"}
	}
	if p.EmailMFA {
		out["EmailMfaConfiguration"] = map[string]any{"Message": "Your code is {####}"}
	}
	return out
}

func opGetUserPoolMfaConfig(s *Server, c *call, in *poolIDIn) (any, *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pools[in.UserPoolId]
	if p == nil {
		return nil, errPoolNotFound(in.UserPoolId)
	}
	return mfaConfigOut(p), nil
}

type adminCreateUserIn struct {
	UserPoolId             string
	Username               string
	TemporaryPassword      string
	UserAttributes         []attribute
	MessageAction          string
	DesiredDeliveryMediums []string
}

func opAdminCreateUser(s *Server, c *call, in *adminCreateUserIn) (any, *Error) {
	pw := in.TemporaryPassword
	if pw == "" {
		r, err := s.randomString(12, alnum)
		if err != nil {
			return nil, errInternal(err)
		}
		pw = "Aa1!" + r
	}
	u, err := s.createUser(in.UserPoolId, UserConfig{
		Username: in.Username, Password: pw, Temporary: true, Attributes: attrMap(in.UserAttributes),
	}, "")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.MessageAction != "SUPPRESS" {
		medium := "EMAIL"
		if slices.Contains(in.DesiredDeliveryMediums, "SMS") || u.Attrs["email"] == "" {
			medium = "SMS"
		}
		s.send(u, medium, "ADMIN_CREATE_USER", pw)
	}
	return map[string]any{"User": userOut(u)}, nil
}

func userOut(u *userRecord) map[string]any {
	return map[string]any{
		"Username": u.Username, "Attributes": attrList(u.Attrs), "UserCreateDate": epoch(u.CreatedAt),
		"UserLastModifiedDate": epoch(u.ModifiedAt), "Enabled": u.Enabled, "UserStatus": u.Status,
	}
}

type adminUserIn struct{ UserPoolId, Username string }

// adminUser finds the user of an admin call. Called with s.mu held.
func (s *Server) adminUser(poolID, name string) (*userRecord, *Error) {
	if s.pools[poolID] == nil {
		return nil, errPoolNotFound(poolID)
	}
	u := s.findUserLocked(poolID, name)
	if u == nil {
		return nil, apiErr("UserNotFoundException", msgUserNotExist)
	}
	return u, nil
}

func opAdminGetUser(s *Server, c *call, in *adminUserIn) (any, *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.adminUser(in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	out := map[string]any{
		"Username": u.Username, "UserAttributes": attrList(u.Attrs), "UserCreateDate": epoch(u.CreatedAt),
		"UserLastModifiedDate": epoch(u.ModifiedAt), "Enabled": u.Enabled, "UserStatus": u.Status,
	}
	addMFASettings(out, u)
	return out, nil
}

func opAdminDeleteUser(s *Server, c *call, in *adminUserIn) (any, *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.adminUser(in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	key := userKey(u.PoolID, u.Username)
	if err := s.unpersist(kindUser, key); err != nil {
		return nil, err
	}
	delete(s.users, key)
	return nil, nil
}

type adminSetPasswordIn struct {
	UserPoolId, Username, Password string
	Permanent                      bool
}

func opAdminSetUserPassword(s *Server, c *call, in *adminSetPasswordIn) (any, *Error) {
	s.mu.Lock()
	u, err := s.adminUser(in.UserPoolId, in.Username)
	var pol PasswordPolicy
	if err == nil {
		pol = s.pools[in.UserPoolId].PasswordPolicy
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if err := checkPassword(pol, in.Password); err != nil {
		return nil, err
	}
	v, err := s.passwordVerifier(u.PoolID, u.Username, in.Password)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return nil, s.updateUser(u.PoolID, u.Username, func(nu *userRecord) {
		nu.Salt, nu.V = v.Salt, v.V
		if in.Permanent {
			nu.Status = StatusConfirmed
		} else {
			nu.Status = StatusForceChangePassword
		}
	})
}

// updateUser applies f to a copy of the user, persists it and installs it.
// Called with s.mu held.
func (s *Server) updateUser(poolID, username string, f func(*userRecord)) *Error {
	key := userKey(poolID, username)
	old := s.users[key]
	if old == nil {
		return apiErr("UserNotFoundException", msgUserNotExist)
	}
	nu := clone(old)
	nu.Attrs = maps.Clone(old.Attrs)
	f(nu)
	nu.ModifiedAt = s.now()
	if err := s.persist(kindUser, key, nu); err != nil {
		return err
	}
	s.users[key] = nu
	return nil
}

func opAdminConfirmSignUp(s *Server, c *call, in *adminUserIn) (any, *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.adminUser(in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	return nil, s.updateUser(u.PoolID, u.Username, func(nu *userRecord) { nu.Status, nu.ConfirmCode = StatusConfirmed, "" })
}

type adminUpdateAttrsIn struct {
	UserPoolId, Username string
	UserAttributes       []attribute
}

func opAdminUpdateUserAttributes(s *Server, c *call, in *adminUpdateAttrsIn) (any, *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.adminUser(in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	return nil, s.updateUser(u.PoolID, u.Username, func(nu *userRecord) {
		for _, a := range in.UserAttributes {
			if a.Name != "sub" {
				nu.Attrs[a.Name] = a.Value
			}
		}
	})
}

type signUpIn struct {
	ClientId, SecretHash, Username, Password string
	UserAttributes                           []attribute
}

func opSignUp(s *Server, c *call, in *signUpIn) (any, *Error) {
	cl, err := s.clientFor(in.ClientId)
	if err != nil {
		return nil, err
	}
	if err := checkSecretHash(cl, in.SecretHash, in.Username); err != nil {
		return nil, err
	}
	u, err := s.createUser(cl.PoolID, UserConfig{
		Username: in.Username, Password: in.Password, Unconfirmed: true, Attributes: attrMap(in.UserAttributes),
	}, cl.ID)
	if err != nil {
		return nil, err
	}
	code, cerr := s.randomCode()
	if cerr != nil {
		return nil, errInternal(cerr)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	medium, attr := "EMAIL", "email"
	if u.Attrs["email"] == "" {
		medium, attr = "SMS", "phone_number"
	}
	if err := s.updateUser(u.PoolID, u.Username, func(nu *userRecord) {
		nu.ConfirmCode, nu.CodeExpires = code, s.now().Add(24*time.Hour)
	}); err != nil {
		return nil, err
	}
	s.send(u, medium, "SIGN_UP", code)
	return map[string]any{
		"UserConfirmed": false, "UserSub": u.Sub,
		"CodeDeliveryDetails": map[string]string{
			"AttributeName": attr, "DeliveryMedium": medium, "Destination": maskDestination(medium, u.Attrs[attr]),
		},
	}, nil
}

type confirmSignUpIn struct {
	ClientId, SecretHash, Username, ConfirmationCode string
}

func opConfirmSignUp(s *Server, c *call, in *confirmSignUpIn) (any, *Error) {
	cl, err := s.clientFor(in.ClientId)
	if err != nil {
		return nil, err
	}
	if err := checkSecretHash(cl, in.SecretHash, in.Username); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.findUserLocked(cl.PoolID, in.Username)
	if u == nil {
		return nil, apiErr("UserNotFoundException", "Username/client id combination not found.")
	}
	if u.Status != StatusUnconfirmed {
		return nil, apiErr("NotAuthorizedException", "User cannot be confirmed. Current status is %s", u.Status)
	}
	if !s.now().Before(u.CodeExpires) {
		return nil, apiErr("ExpiredCodeException", "Invalid code provided, please request a code again.")
	}
	if !codeEqual(u.ConfirmCode, in.ConfirmationCode) {
		return nil, apiErr("CodeMismatchException", "Invalid verification code provided, please try again.")
	}
	return nil, s.updateUser(u.PoolID, u.Username, func(nu *userRecord) {
		nu.Status, nu.ConfirmCode = StatusConfirmed, ""
		for _, a := range []string{"email", "phone_number"} {
			if nu.Attrs[a] != "" && slices.Contains(s.pools[u.PoolID].AutoVerified, a) {
				nu.Attrs[a+"_verified"] = "true"
			}
		}
	})
}
