package wire

import (
	"maps"
	"slices"
	"time"

	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/idp/userpool"
	"github.com/caldera-srp/caldera/srp"
)

// operations is the read-only dispatch table of X-Amz-Target names.
var operations = map[string]opHandler{
	"CreateUserPool":              handle(opCreateUserPool),
	"DescribeUserPool":            handle(opDescribeUserPool),
	"AddCustomAttributes":         handle(opAddCustomAttributes),
	"CreateUserPoolClient":        handle(opCreateUserPoolClient),
	"DescribeUserPoolClient":      handle(opDescribeUserPoolClient),
	"SetUserPoolMfaConfig":        handle(opSetUserPoolMfaConfig),
	"GetUserPoolMfaConfig":        handle(opGetUserPoolMfaConfig),
	"AdminCreateUser":             handle(opAdminCreateUser),
	"AdminGetUser":                handle(opAdminGetUser),
	"AdminDeleteUser":             handle(opAdminDeleteUser),
	"AdminSetUserPassword":        handle(opAdminSetUserPassword),
	"AdminConfirmSignUp":          handle(opAdminConfirmSignUp),
	"AdminUpdateUserAttributes":   handle(opAdminUpdateUserAttributes),
	"SignUp":                      handle(opSignUp),
	"ConfirmSignUp":               handle(opConfirmSignUp),
	"InitiateAuth":                handle(opInitiateAuth),
	"AdminInitiateAuth":           handle(opAdminInitiateAuth),
	"RespondToAuthChallenge":      handle(opRespondToAuthChallenge),
	"AdminRespondToAuthChallenge": handle(opAdminRespondToAuthChallenge),
	"AssociateSoftwareToken":      handle(opAssociateSoftwareToken),
	"VerifySoftwareToken":         handle(opVerifySoftwareToken),
	"SetUserMFAPreference":        handle(opSetUserMFAPreference),
	"AdminSetUserMFAPreference":   handle(opAdminSetUserMFAPreference),
	"ConfirmDevice":               handle(opConfirmDevice),
	"UpdateDeviceStatus":          handle(opUpdateDeviceStatus),
	"ForgetDevice":                handle(opForgetDevice),
	"AdminForgetDevice":           handle(opAdminForgetDevice),
	"ListDevices":                 handle(opListDevices),
	"GetUser":                     handle(opGetUser),
	"GlobalSignOut":               handle(opGlobalSignOut),
	"RevokeToken":                 handle(opRevokeToken),
}

// done is the answer of an operation that returns nothing but its error.
func done(err *userpool.Error) (any, *userpool.Error) { return nil, err }

// params is AuthParameters or ChallengeResponses. A JSON null value is
// treated as absent (docs/protocol.md §9: the JS client re-sends
// "DEVICE_KEY": null).
type params map[string]*string

func (p params) strings() map[string]string {
	out := make(map[string]string, len(p))
	for k, v := range p {
		if v != nil {
			out[k] = *v
		}
	}
	return out
}

type attribute = userpool.Attribute

func attrList(m map[string]string) []attribute {
	out := make([]attribute, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, attribute{Name: k, Value: m[k]})
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

type createUserPoolIn struct {
	PoolName               string
	MfaConfiguration       string
	UsernameAttributes     []string
	AliasAttributes        []string
	AutoVerifiedAttributes []string
	DeviceConfiguration    *store.DeviceConfiguration
	Policies               *struct {
		PasswordPolicy *store.PasswordPolicy
		SignInPolicy   *struct{ AllowedFirstAuthFactors []string }
	}
	SmsConfiguration map[string]any
	UserPoolTags     map[string]string
	Schema           []schemaAttributeIn
}

// schemaAttributeIn is Cognito's SchemaAttributeType.
type schemaAttributeIn struct {
	Name                   string
	AttributeDataType      string
	Mutable                *bool
	Required               bool
	DeveloperOnlyAttribute bool
}

func schemaInputs(in []schemaAttributeIn) []userpool.SchemaAttributeInput {
	out := make([]userpool.SchemaAttributeInput, len(in))
	for i, a := range in {
		out[i] = userpool.SchemaAttributeInput{Name: a.Name, AttributeDataType: a.AttributeDataType, Mutable: a.Mutable,
			Required: a.Required, DeveloperOnly: a.DeveloperOnlyAttribute}
	}
	return out
}

type addCustomAttributesIn struct {
	UserPoolId       string
	CustomAttributes []schemaAttributeIn
}

func opAddCustomAttributes(svc *userpool.Service, c *call, in *addCustomAttributesIn) (any, *userpool.Error) {
	return done(svc.AddCustomAttributes(in.UserPoolId, schemaInputs(in.CustomAttributes)))
}

func opCreateUserPool(svc *userpool.Service, c *call, in *createUserPoolIn) (any, *userpool.Error) {
	if in.PoolName == "" {
		return nil, userpool.ErrParam("1 validation error detected: Value null at 'poolName' failed to satisfy constraint: Member must not be null")
	}
	cfg := userpool.PoolConfig{
		Name: in.PoolName, MFA: in.MfaConfiguration, UsernameAttributes: in.UsernameAttributes,
		AliasAttributes: in.AliasAttributes, AutoVerifiedAttributes: in.AutoVerifiedAttributes,
		DeviceConfiguration: in.DeviceConfiguration, Tags: in.UserPoolTags, SMSMFA: in.SmsConfiguration != nil && in.MfaConfiguration != "" && in.MfaConfiguration != "OFF",
		Schema: schemaInputs(in.Schema),
	}
	if in.Policies != nil {
		cfg.PasswordPolicy = in.Policies.PasswordPolicy
		if in.Policies.SignInPolicy != nil {
			cfg.FirstAuthFactors = in.Policies.SignInPolicy.AllowedFirstAuthFactors
		}
	}
	p, err := svc.CreatePool(cfg)
	if err != nil {
		return nil, err
	}
	return map[string]any{"UserPool": poolOut(p)}, nil
}

func poolOut(p *store.Pool) map[string]any {
	out := map[string]any{
		"Id": p.ID, "Name": p.Name, "MfaConfiguration": p.MFA,
		"Arn":          "arn:aws:cognito-idp:" + userpool.RegionOf(p.ID) + ":000000000000:userpool/" + p.ID,
		"CreationDate": epoch(p.CreatedAt), "LastModifiedDate": epoch(p.ModifiedAt),
		"Policies": map[string]any{"PasswordPolicy": p.PasswordPolicy},
	}
	var schema []map[string]any
	for _, a := range userpool.Schema(p) {
		schema = append(schema, map[string]any{"Name": a.Name, "AttributeDataType": a.DataType,
			"DeveloperOnlyAttribute": a.DeveloperOnly, "Mutable": a.Mutable, "Required": a.Required})
	}
	out["SchemaAttributes"] = schema
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
	if len(p.Tags) > 0 {
		out["UserPoolTags"] = p.Tags
	}
	return out
}

type poolIDIn struct{ UserPoolId string }

func opDescribeUserPool(svc *userpool.Service, c *call, in *poolIDIn) (any, *userpool.Error) {
	p, err := svc.Pool(in.UserPoolId)
	if err != nil {
		return nil, err
	}
	out := poolOut(p)
	if d := svc.DomainOfPool(p.ID); d != "" {
		out["Domain"] = d
	}
	return map[string]any{"UserPool": out}, nil
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
	RefreshTokenRotation *store.RefreshTokenRotation
	ReadAttributes       []string
	WriteAttributes      []string
	// PreventUserExistenceErrors: ENABLED (default here) or LEGACY.
	PreventUserExistenceErrors string
	userpool.OAuthClient
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

func opCreateUserPoolClient(svc *userpool.Service, c *call, in *createClientIn) (any, *userpool.Error) {
	if in.ClientName == "" {
		return nil, userpool.ErrParam("1 validation error detected: Value null at 'clientName' failed to satisfy constraint: Member must not be null")
	}
	var units struct{ AccessToken, IdToken, RefreshToken string }
	if in.TokenValidityUnits != nil {
		units = *in.TokenValidityUnits
	}
	cl, err := svc.CreateClient(in.UserPoolId, userpool.ClientConfig{
		Name: in.ClientName, GenerateSecret: in.GenerateSecret, ExplicitAuthFlows: in.ExplicitAuthFlows,
		AccessTokenValidity:  validity(in.AccessTokenValidity, units.AccessToken, "hours"),
		IDTokenValidity:      validity(in.IdTokenValidity, units.IdToken, "hours"),
		RefreshTokenValidity: validity(in.RefreshTokenValidity, units.RefreshToken, "days"),
		RefreshTokenRotation: in.RefreshTokenRotation,
		ReadAttributes:       in.ReadAttributes, WriteAttributes: in.WriteAttributes,
		PreventUserExistenceErrors: in.PreventUserExistenceErrors,
		OAuth:                      in.OAuthClient,
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"UserPoolClient": clientOut(cl)}, nil
}

func clientOut(cl *store.Client) map[string]any {
	out := map[string]any{
		"UserPoolId": cl.PoolID, "ClientId": cl.ID, "ClientName": cl.Name,
		"ExplicitAuthFlows": cl.Flows, "CreationDate": epoch(cl.CreatedAt), // LastModifiedDate: addClientDetails
	}
	if cl.Secret != "" {
		out["ClientSecret"] = cl.Secret
	}
	addClientDetails(out, cl)
	if len(cl.ReadAttributes) > 0 {
		out["ReadAttributes"] = cl.ReadAttributes
	}
	if len(cl.WriteAttributes) > 0 {
		out["WriteAttributes"] = cl.WriteAttributes
	}
	out["PreventUserExistenceErrors"] = userpool.PreventUserExistence(cl)
	oauthClientOut(out, cl)
	return out
}

type describeClientIn struct{ UserPoolId, ClientId string }

func opDescribeUserPoolClient(svc *userpool.Service, c *call, in *describeClientIn) (any, *userpool.Error) {
	cl, err := svc.Client(in.ClientId)
	if err != nil || cl.PoolID != in.UserPoolId {
		return nil, userpool.NewError("ResourceNotFoundException", "User pool client %s does not exist.", in.ClientId)
	}
	return map[string]any{"UserPoolClient": clientOut(cl)}, nil
}

type setMfaConfigIn struct {
	UserPoolId                    string
	MfaConfiguration              string
	SoftwareTokenMfaConfiguration *struct{ Enabled bool }
	SmsMfaConfiguration           *map[string]any
	EmailMfaConfiguration         *map[string]any
}

func opSetUserPoolMfaConfig(svc *userpool.Service, c *call, in *setMfaConfigIn) (any, *userpool.Error) {
	req := userpool.SetMFAConfigInput{
		PoolID: in.UserPoolId, MFA: in.MfaConfiguration,
		SMSMFA: in.SmsMfaConfiguration != nil, EmailMFA: in.EmailMfaConfiguration != nil,
	}
	if in.SoftwareTokenMfaConfiguration != nil {
		req.SoftwareTokenMFA = &in.SoftwareTokenMfaConfiguration.Enabled
	}
	p, err := svc.SetMFAConfig(req)
	if err != nil {
		return nil, err
	}
	return mfaConfigOut(p), nil
}

func mfaConfigOut(p *store.Pool) map[string]any {
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

func opGetUserPoolMfaConfig(svc *userpool.Service, c *call, in *poolIDIn) (any, *userpool.Error) {
	p, err := svc.Pool(in.UserPoolId)
	if err != nil {
		return nil, err
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
	ValidationData         []attribute
	ClientMetadata         map[string]string
}

func opAdminCreateUser(svc *userpool.Service, c *call, in *adminCreateUserIn) (any, *userpool.Error) {
	u, err := svc.AdminCreateUser(userpool.AdminCreateUserInput{
		PoolID: in.UserPoolId, Username: in.Username, TemporaryPassword: in.TemporaryPassword,
		Attributes: attrMap(in.UserAttributes), Suppress: in.MessageAction == "SUPPRESS",
		SMS:            slices.Contains(in.DesiredDeliveryMediums, "SMS"),
		ValidationData: attrMap(in.ValidationData), ClientMetadata: in.ClientMetadata,
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"User": userOut(u, nil)}, nil
}

type adminUserIn struct{ UserPoolId, Username string }

// addMFASettings adds GetUser's MFA fields.
func addMFASettings(out map[string]any, u *store.User) {
	list, pref := userpool.MFASettings(u)
	if len(list) > 0 {
		out["UserMFASettingList"] = list
	}
	if pref != "" {
		out["PreferredMfaSetting"] = pref
	}
}

func opAdminGetUser(svc *userpool.Service, c *call, in *adminUserIn) (any, *userpool.Error) {
	u, err := svc.AdminGetUser(in.UserPoolId, in.Username)
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

func opAdminDeleteUser(svc *userpool.Service, c *call, in *adminUserIn) (any, *userpool.Error) {
	return done(svc.AdminDeleteUser(in.UserPoolId, in.Username))
}

type adminSetPasswordIn struct {
	UserPoolId, Username, Password string
	Permanent                      bool
}

func opAdminSetUserPassword(svc *userpool.Service, c *call, in *adminSetPasswordIn) (any, *userpool.Error) {
	return done(svc.AdminSetUserPassword(in.UserPoolId, in.Username, in.Password, in.Permanent))
}

func opAdminConfirmSignUp(svc *userpool.Service, c *call, in *adminUserIn) (any, *userpool.Error) {
	return done(svc.AdminConfirmSignUp(in.UserPoolId, in.Username))
}

type adminUpdateAttrsIn struct {
	UserPoolId, Username string
	UserAttributes       []attribute
}

func opAdminUpdateUserAttributes(svc *userpool.Service, c *call, in *adminUpdateAttrsIn) (any, *userpool.Error) {
	return done(svc.AdminUpdateUserAttributes(in.UserPoolId, in.Username, in.UserAttributes))
}

type signUpIn struct {
	ClientId, SecretHash, Username, Password string
	UserAttributes, ValidationData           []attribute
	ClientMetadata                           map[string]string
	contextIn
}

func opSignUp(svc *userpool.Service, c *call, in *signUpIn) (any, *userpool.Error) {
	u, cd, err := svc.SignUp(userpool.SignUpInput{
		ClientID: in.ClientId, SecretHash: in.SecretHash, Username: in.Username, Password: in.Password,
		Attributes: attrMap(in.UserAttributes), ValidationData: attrMap(in.ValidationData), ClientMetadata: in.ClientMetadata,
		IPAddress: in.ip(c),
	})
	if err != nil {
		return nil, err
	}
	out := map[string]any{"UserConfirmed": u.Status == store.StatusConfirmed, "UserSub": u.Sub}
	if cd != nil { // none when a pre sign-up trigger confirmed the user
		out["CodeDeliveryDetails"] = cd
	}
	return out, nil
}

type confirmSignUpIn struct {
	ClientId, SecretHash, Username, ConfirmationCode string
	ForceAliasCreation                               bool
}

func opConfirmSignUp(svc *userpool.Service, c *call, in *confirmSignUpIn) (any, *userpool.Error) {
	return done(svc.ConfirmSignUp(userpool.ConfirmSignUpInput{
		ClientID: in.ClientId, SecretHash: in.SecretHash, Username: in.Username, Code: in.ConfirmationCode,
		ForceAliasCreation: in.ForceAliasCreation,
	}))
}

type initiateAuthIn struct {
	AuthFlow       string
	AuthParameters params
	ClientId       string
	UserPoolId     string
	ClientMetadata map[string]string
	contextIn
}

// contextIn is what a sign-in request says of its end user:
// UserContextData on the user-side calls, ContextData on the admin ones
// (Cognito's UserContextDataType and ContextDataType). Only the IP
// address is used, for the sign-in history.
type contextIn struct {
	UserContextData *struct{ IpAddress string }
	ContextData     *struct{ IpAddress string }
}

func (in *contextIn) ip(c *call) string {
	switch {
	case in.ContextData != nil:
		return c.endUserIP(in.ContextData.IpAddress)
	case in.UserContextData != nil:
		return c.endUserIP(in.UserContextData.IpAddress)
	}
	return c.source
}

func (in *initiateAuthIn) domain(c *call, admin bool) userpool.InitiateAuthInput {
	return userpool.InitiateAuthInput{
		Flow: in.AuthFlow, Params: in.AuthParameters.strings(), ClientID: in.ClientId, PoolID: in.UserPoolId,
		Metadata: in.ClientMetadata, Admin: admin, Endpoint: c.endpoint, IPAddress: in.ip(c),
	}
}

func authAnswer(r *userpool.AuthResult, err *userpool.Error) (any, *userpool.Error) {
	if err != nil {
		return nil, err
	}
	return r, nil
}

func opInitiateAuth(svc *userpool.Service, c *call, in *initiateAuthIn) (any, *userpool.Error) {
	return authAnswer(svc.InitiateAuth(in.domain(c, false)))
}

func opAdminInitiateAuth(svc *userpool.Service, c *call, in *initiateAuthIn) (any, *userpool.Error) {
	return authAnswer(svc.InitiateAuth(in.domain(c, true)))
}

type respondIn struct {
	ChallengeName      string
	ChallengeResponses params
	ClientId           string
	UserPoolId         string
	Session            string
	ClientMetadata     map[string]string
	contextIn
}

func (in *respondIn) domain(c *call, admin bool) userpool.RespondInput {
	return userpool.RespondInput{
		Challenge: in.ChallengeName, Responses: in.ChallengeResponses.strings(), ClientID: in.ClientId,
		PoolID: in.UserPoolId, Session: in.Session, Metadata: in.ClientMetadata, Admin: admin, Endpoint: c.endpoint,
		IPAddress: in.ip(c),
	}
}

func opRespondToAuthChallenge(svc *userpool.Service, c *call, in *respondIn) (any, *userpool.Error) {
	return authAnswer(svc.Respond(in.domain(c, false)))
}

func opAdminRespondToAuthChallenge(svc *userpool.Service, c *call, in *respondIn) (any, *userpool.Error) {
	return authAnswer(svc.Respond(in.domain(c, true)))
}

type tokenOrSessionIn struct {
	AccessToken string
	Session     string
}

func opAssociateSoftwareToken(svc *userpool.Service, c *call, in *tokenOrSessionIn) (any, *userpool.Error) {
	secret, next, err := svc.AssociateSoftwareToken(in.AccessToken, in.Session)
	if err != nil {
		return nil, err
	}
	out := map[string]string{"SecretCode": secret}
	if next != "" {
		out["Session"] = next
	}
	return out, nil
}

type verifySoftwareTokenIn struct {
	AccessToken        string
	Session            string
	UserCode           string
	FriendlyDeviceName string
}

func opVerifySoftwareToken(svc *userpool.Service, c *call, in *verifySoftwareTokenIn) (any, *userpool.Error) {
	next, err := svc.VerifySoftwareToken(in.AccessToken, in.Session, in.UserCode)
	if err != nil {
		return nil, err
	}
	out := map[string]string{"Status": "SUCCESS"}
	if next != "" {
		out["Session"] = next
	}
	return out, nil
}

// mfaPreferenceIn is (Admin)SetUserMFAPreference's request; a JSON null
// setting is accepted and means unchanged (docs/protocol.md §9).
type mfaPreferenceIn struct {
	AccessToken              string
	UserPoolId               string
	Username                 string
	SMSMfaSettings           *userpool.MFASetting
	SoftwareTokenMfaSettings *userpool.MFASetting
	EmailMfaSettings         *userpool.MFASetting
}

func (in *mfaPreferenceIn) domain() userpool.MFAPreference {
	return userpool.MFAPreference{SMS: in.SMSMfaSettings, SoftwareToken: in.SoftwareTokenMfaSettings, Email: in.EmailMfaSettings}
}

func opSetUserMFAPreference(svc *userpool.Service, c *call, in *mfaPreferenceIn) (any, *userpool.Error) {
	return done(svc.SetUserMFAPreference(in.AccessToken, in.domain()))
}

func opAdminSetUserMFAPreference(svc *userpool.Service, c *call, in *mfaPreferenceIn) (any, *userpool.Error) {
	return done(svc.AdminSetUserMFAPreference(in.UserPoolId, in.Username, in.domain()))
}

type confirmDeviceIn struct {
	AccessToken                string
	DeviceKey                  string
	DeviceName                 string
	DeviceSecretVerifierConfig *srp.DeviceSecretVerifierConfig
}

func opConfirmDevice(svc *userpool.Service, c *call, in *confirmDeviceIn) (any, *userpool.Error) {
	prompt, err := svc.ConfirmDevice(in.AccessToken, in.DeviceKey, in.DeviceName, in.DeviceSecretVerifierConfig)
	if err != nil {
		return nil, err
	}
	return map[string]bool{"UserConfirmationNecessary": prompt}, nil
}

type updateDeviceStatusIn struct {
	AccessToken            string
	DeviceKey              string
	DeviceRememberedStatus string
}

func opUpdateDeviceStatus(svc *userpool.Service, c *call, in *updateDeviceStatusIn) (any, *userpool.Error) {
	remembered, err := rememberedStatus(in.DeviceRememberedStatus)
	if err != nil {
		return nil, err
	}
	return done(svc.UpdateDeviceStatus(in.AccessToken, in.DeviceKey, remembered))
}

// rememberedStatus reads DeviceRememberedStatusType (botocore: the enum
// remembered, not_remembered).
func rememberedStatus(s string) (bool, *userpool.Error) {
	if s != "remembered" && s != "not_remembered" {
		return false, userpool.ErrParam("1 validation error detected: Value '%.32s' at 'deviceRememberedStatus' failed to satisfy constraint: Member must satisfy enum value set: [remembered, not_remembered]", s)
	}
	return s == "remembered", nil
}

type forgetDeviceIn struct {
	AccessToken string
	UserPoolId  string
	Username    string
	DeviceKey   string
}

func opForgetDevice(svc *userpool.Service, c *call, in *forgetDeviceIn) (any, *userpool.Error) {
	return done(svc.ForgetDevice(in.AccessToken, in.DeviceKey))
}

func opAdminForgetDevice(svc *userpool.Service, c *call, in *forgetDeviceIn) (any, *userpool.Error) {
	return done(svc.AdminForgetDevice(in.UserPoolId, in.Username, in.DeviceKey))
}

type listDevicesIn struct {
	AccessToken     string
	Limit           int
	PaginationToken string
}

func opListDevices(svc *userpool.Service, c *call, in *listDevicesIn) (any, *userpool.Error) {
	return devicesOut(svc.ListDevices(in.AccessToken, in.Limit, in.PaginationToken))
}

type accessTokenIn struct{ AccessToken string }

func opGetUser(svc *userpool.Service, c *call, in *accessTokenIn) (any, *userpool.Error) {
	u, err := svc.GetUser(in.AccessToken)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"Username": u.Username, "UserAttributes": attrList(u.Attrs)}
	addMFASettings(out, u)
	return out, nil
}

func opGlobalSignOut(svc *userpool.Service, c *call, in *accessTokenIn) (any, *userpool.Error) {
	return done(svc.GlobalSignOut(in.AccessToken))
}

type revokeTokenIn struct {
	Token        string
	ClientId     string
	ClientSecret string
}

func opRevokeToken(svc *userpool.Service, c *call, in *revokeTokenIn) (any, *userpool.Error) {
	return done(svc.RevokeToken(in.Token, in.ClientId, in.ClientSecret))
}
