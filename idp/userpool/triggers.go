package userpool

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/idp/tokens"
)

// Triggers are Cognito's Lambda triggers that the server runs as Go
// functions (nil: not configured), besides the custom-auth ones
// (CustomAuth). Their input and output types carry the JSON names of the
// request and response of Cognito's trigger events, so that a trigger can
// be forwarded over HTTP as is. Triggers run outside every store
// transaction and lock, and must be safe for concurrent use. An error
// fails the operation with UserLambdaValidationException.
type Triggers struct {
	// PreSignUp runs before SignUp creates a user; it may refuse it or
	// confirm it (and verify its e-mail address or phone number) at once.
	PreSignUp func(ctx context.Context, in PreSignUpInput) (PreSignUpOutput, error)
	// PostConfirmation runs after ConfirmSignUp or ConfirmForgotPassword.
	PostConfirmation func(ctx context.Context, in PostConfirmationInput) error
	// PreTokenGeneration runs before every ID and access token pair is
	// signed (event version 2: both tokens, and groups).
	PreTokenGeneration func(ctx context.Context, in PreTokenGenerationInput) (PreTokenGenerationOutput, error)
	// CustomMessage writes the text of the SMS and e-mail messages (sign-up
	// and verification codes, temporary passwords, reset and MFA codes)
	// that go to the outbox, as Message.Text and Message.Subject.
	CustomMessage func(ctx context.Context, in CustomMessageInput) (CustomMessageOutput, error)
}

// Trigger sources, as Cognito names them in triggerSource.
const (
	SourcePreSignUp           = "PreSignUp_SignUp"
	SourcePreSignUpAdmin      = "PreSignUp_AdminCreateUser"
	SourcePostConfirmSignUp   = "PostConfirmation_ConfirmSignUp"
	SourcePostConfirmForgot   = "PostConfirmation_ConfirmForgotPassword"
	SourceTokenAuthentication = "TokenGeneration_Authentication"
	SourceTokenRefresh        = "TokenGeneration_RefreshTokens"
	SourceTokenNewPassword    = "TokenGeneration_NewPasswordChallenge"
	SourceTokenDevice         = "TokenGeneration_AuthenticateDevice"
	SourceDefineAuthChallenge = "DefineAuthChallenge_Authentication"
	SourceCreateAuthChallenge = "CreateAuthChallenge_Authentication"
	SourceVerifyAuthChallenge = "VerifyAuthChallengeResponse_Authentication"
)

// TriggerEvent is what every trigger input shares: the common fields of
// Cognito's trigger events.
type TriggerEvent struct {
	TriggerSource string
	User          TriggerUser
}

// PreSignUpInput is the pre sign-up event's request.
type PreSignUpInput struct {
	TriggerEvent   `json:"-"`
	UserAttributes map[string]string `json:"userAttributes"`
	ValidationData map[string]string `json:"validationData"`
	ClientMetadata map[string]string `json:"clientMetadata"`
}

// PreSignUpOutput is the pre sign-up event's response.
type PreSignUpOutput struct {
	AutoConfirmUser bool `json:"autoConfirmUser"`
	AutoVerifyEmail bool `json:"autoVerifyEmail"`
	AutoVerifyPhone bool `json:"autoVerifyPhone"`
}

// PostConfirmationInput is the post confirmation event's request.
type PostConfirmationInput struct {
	TriggerEvent   `json:"-"`
	UserAttributes map[string]string `json:"userAttributes"`
	ClientMetadata map[string]string `json:"clientMetadata"`
}

// GroupConfiguration is the user's groups as the token would carry them.
type GroupConfiguration struct {
	GroupsToOverride   []string `json:"groupsToOverride"`
	IAMRolesToOverride []string `json:"iamRolesToOverride"`
	PreferredRole      *string  `json:"preferredRole"`
}

// PreTokenGenerationInput is the pre token generation (V2_0) event's
// request.
type PreTokenGenerationInput struct {
	TriggerEvent       `json:"-"`
	UserAttributes     map[string]string  `json:"userAttributes"`
	GroupConfiguration GroupConfiguration `json:"groupConfiguration"`
	Scopes             []string           `json:"scopes"`
	ClientMetadata     map[string]string  `json:"clientMetadata"`
}

// TokenGeneration is the change of one token: claims to add or override
// and claims to suppress (and, for the access token, scopes).
type TokenGeneration struct {
	ClaimsToAddOrOverride map[string]any `json:"claimsToAddOrOverride,omitempty"`
	ClaimsToSuppress      []string       `json:"claimsToSuppress,omitempty"`
	ScopesToAdd           []string       `json:"scopesToAdd,omitempty"`
	ScopesToSuppress      []string       `json:"scopesToSuppress,omitempty"`
}

// ClaimsAndScopeOverrideDetails is the V2_0 event's response: changes of
// the ID token, the access token and the groups (of both).
type ClaimsAndScopeOverrideDetails struct {
	IDTokenGeneration     *TokenGeneration    `json:"idTokenGeneration,omitempty"`
	AccessTokenGeneration *TokenGeneration    `json:"accessTokenGeneration,omitempty"`
	GroupOverrideDetails  *GroupConfiguration `json:"groupOverrideDetails,omitempty"`
}

// PreTokenGenerationOutput is the pre token generation event's response.
type PreTokenGenerationOutput struct {
	ClaimsAndScopeOverrideDetails *ClaimsAndScopeOverrideDetails `json:"claimsAndScopeOverrideDetails"`
}

// reservedClaims are the claims a pre token generation trigger cannot
// add, override or suppress: the server's own (identity, audience,
// lifetimes, ids), and those with their own override (groups, roles,
// scope). A response naming one is refused.
var reservedClaims = []string{
	"acr", "amr", "at_hash", "aud", "auth_time", "azp", "c_hash", "client_id", "cognito:username",
	"device_key", "event_id", "exp", "iat", "identities", "iss", "jti", "nbf", "nonce", "origin_jti",
	"scope", "sub", "token_use", "username", "cognito:groups", "cognito:roles", "cognito:preferred_role",
}

// claimChanges is what a pre token generation response does to a grant.
type claimChanges struct {
	idAdd, accessAdd           map[string]any
	idSuppress, accessSuppress []string
	scopesAdd, scopesSuppress  []string
}

// checkTokenGeneration refuses a change of a reserved claim.
func checkTokenGeneration(g *TokenGeneration) *Error {
	if g == nil {
		return nil
	}
	for _, c := range slices.Concat(slices.Collect(maps.Keys(g.ClaimsToAddOrOverride)), g.ClaimsToSuppress) {
		if slices.Contains(reservedClaims, c) || tokens.Reserved(c) {
			return apiErr("InvalidLambdaResponseException", "Invalid lambda response: the reserved claim %s cannot be changed", c)
		}
	}
	for _, sc := range slices.Concat(g.ScopesToAdd, g.ScopesToSuppress) {
		if sc == "" {
			return apiErr("InvalidLambdaResponseException", "Invalid lambda response: empty scope")
		}
	}
	return nil
}

// preTokenGeneration runs the trigger (when configured) for a grant about
// to be signed and returns the changes it asks for; groups, roles and the
// preferred role are changed in place.
func (s *Service) preTokenGeneration(source, clientID string, u TriggerUser, groups, roles *[]string, preferred *string, metadata map[string]string) (*claimChanges, *Error) {
	hook := s.cfg.Triggers.PreTokenGeneration
	if hook == nil {
		return nil, nil
	}
	gc := GroupConfiguration{GroupsToOverride: slices.Clone(*groups), IAMRolesToOverride: slices.Clone(*roles)}
	if gc.GroupsToOverride == nil {
		gc.GroupsToOverride = []string{}
	}
	if gc.IAMRolesToOverride == nil {
		gc.IAMRolesToOverride = []string{}
	}
	if *preferred != "" {
		p := *preferred
		gc.PreferredRole = &p
	}
	if metadata == nil {
		metadata = map[string]string{}
	}
	out, err := hook(context.Background(), PreTokenGenerationInput{
		TriggerEvent:   TriggerEvent{TriggerSource: source, User: u},
		UserAttributes: maps.Clone(u.Attributes), GroupConfiguration: gc,
		Scopes: []string{ScopeUserAdmin}, ClientMetadata: metadata,
	})
	if err != nil {
		return nil, apiErr("UserLambdaValidationException", "PreTokenGeneration failed with error %v.", err)
	}
	d := out.ClaimsAndScopeOverrideDetails
	if d == nil {
		return nil, nil
	}
	if err := checkTokenGeneration(d.IDTokenGeneration); err != nil {
		return nil, err
	}
	if err := checkTokenGeneration(d.AccessTokenGeneration); err != nil {
		return nil, err
	}
	if g := d.GroupOverrideDetails; g != nil {
		*groups, *roles, *preferred = g.GroupsToOverride, g.IAMRolesToOverride, ""
		if g.PreferredRole != nil {
			*preferred = *g.PreferredRole
		}
	}
	ch := &claimChanges{}
	if g := d.IDTokenGeneration; g != nil {
		ch.idAdd, ch.idSuppress = g.ClaimsToAddOrOverride, g.ClaimsToSuppress
	}
	if g := d.AccessTokenGeneration; g != nil {
		ch.accessAdd, ch.accessSuppress = g.ClaimsToAddOrOverride, g.ClaimsToSuppress
		ch.scopesAdd, ch.scopesSuppress = g.ScopesToAdd, g.ScopesToSuppress
	}
	return ch, nil
}

// accessScope is the access token's scope after a trigger's scope
// changes (nil when there are none).
func accessScope(base string, add, suppress []string) *string {
	if len(add) == 0 && len(suppress) == 0 {
		return nil
	}
	if base == "" {
		base = ScopeUserAdmin
	}
	scopes := strings.Fields(base)
	for _, sc := range add {
		if !slices.Contains(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	scopes = slices.DeleteFunc(scopes, func(sc string) bool { return slices.Contains(suppress, sc) })
	joined := strings.Join(scopes, " ")
	return &joined
}

// preSignUp runs the pre sign-up trigger, when configured: source is
// SourcePreSignUp (SignUp, through client clientID) or
// SourcePreSignUpAdmin (AdminCreateUser, no client).
func (s *Service) preSignUp(source, poolID, clientID, username string, attrs, validation, metadata map[string]string) (PreSignUpOutput, *Error) {
	hook := s.cfg.Triggers.PreSignUp
	if hook == nil {
		return PreSignUpOutput{}, nil
	}
	a := maps.Clone(attrs)
	if a == nil {
		a = map[string]string{}
	}
	out, err := hook(context.Background(), PreSignUpInput{
		TriggerEvent:   TriggerEvent{TriggerSource: source, User: TriggerUser{PoolID: poolID, ClientID: clientID, Username: username, Attributes: maps.Clone(a)}},
		UserAttributes: a, ValidationData: orEmpty(validation), ClientMetadata: orEmpty(metadata),
	})
	if err != nil {
		return out, apiErr("UserLambdaValidationException", "PreSignUp failed with error %v.", err)
	}
	if source == SourcePreSignUp && (out.AutoVerifyEmail || out.AutoVerifyPhone) && !out.AutoConfirmUser {
		return out, apiErr("InvalidLambdaResponseException", "Invalid lambda response: autoVerifyEmail and autoVerifyPhone need autoConfirmUser")
	}
	return out, nil
}

// orEmpty is a copy of m, never nil (a trigger event's maps are {} when
// empty, as Cognito's).
func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return maps.Clone(m)
}

// postConfirmation runs the post confirmation trigger, when configured,
// after the confirmation has committed.
func (s *Service) postConfirmation(source, clientID string, u *store.User) *Error {
	hook := s.cfg.Triggers.PostConfirmation
	if hook == nil {
		return nil
	}
	err := hook(context.Background(), PostConfirmationInput{
		TriggerEvent:   TriggerEvent{TriggerSource: source, User: TriggerUser{PoolID: u.PoolID, ClientID: clientID, Username: u.Username, Attributes: maps.Clone(u.Attrs)}},
		UserAttributes: maps.Clone(u.Attrs), ClientMetadata: map[string]string{},
	})
	if err != nil {
		return apiErr("UserLambdaValidationException", "PostConfirmation failed with error %v.", err)
	}
	return nil
}

// autoVerify applies a pre sign-up answer's autoVerifyEmail and
// autoVerifyPhone to a user being created.
func autoVerify(u *store.User, pre PreSignUpOutput) {
	if pre.AutoVerifyEmail && u.Attrs["email"] != "" {
		u.Attrs["email_verified"] = "true"
	}
	if pre.AutoVerifyPhone && u.Attrs["phone_number"] != "" {
		u.Attrs["phone_number_verified"] = "true"
	}
}

// CustomMessageInput is the custom message event's request: the code (or
// temporary password) is left out, as in Cognito, and stands as
// CodeParameter in the messages the trigger writes.
type CustomMessageInput struct {
	TriggerEvent      `json:"-"`
	UserAttributes    map[string]string `json:"userAttributes"`
	CodeParameter     string            `json:"codeParameter"`
	UsernameParameter string            `json:"usernameParameter,omitempty"`
	LinkParameter     string            `json:"linkParameter,omitempty"`
	ClientMetadata    map[string]string `json:"clientMetadata"`
}

// CustomMessageOutput is the custom message event's response.
type CustomMessageOutput struct {
	SMSMessage   string `json:"smsMessage"`
	EmailMessage string `json:"emailMessage"`
	EmailSubject string `json:"emailSubject"`
}

// Code and user-name placeholders of custom messages.
const (
	codePlaceholder     = "{####}"
	usernamePlaceholder = "{username}"
)

// customMessageSource is the triggerSource of a message's purpose.
func customMessageSource(purpose string) string {
	switch purpose {
	case "SIGN_UP":
		return "CustomMessage_SignUp"
	case "RESEND_CODE":
		return "CustomMessage_ResendCode"
	case "ADMIN_CREATE_USER":
		return "CustomMessage_AdminCreateUser"
	case "FORGOT_PASSWORD":
		return "CustomMessage_ForgotPassword"
	case "VERIFY_ATTRIBUTE":
		return "CustomMessage_VerifyUserAttribute"
	}
	return "CustomMessage_Authentication" // SMS_MFA, EMAIL_OTP, SMS_OTP
}

// send puts a message in the outbox after the custom message trigger (when
// configured) has written its text: the code replaces {####} (and, for a
// temporary password, the user name replaces {username}). It runs after
// the operation's commit and outside every lock; a failing trigger is
// logged and the message kept without text, as the operation has already
// taken effect.
func (s *Service) send(m Message) {
	hook := s.cfg.Triggers.CustomMessage
	if hook == nil {
		s.outbox.send(m)
		return
	}
	attrs := map[string]string{}
	s.view(func(tx store.Tx) error {
		if u, err := store.GetUser(tx, m.PoolID, m.Username); err == nil && u != nil {
			attrs = maps.Clone(u.Attrs)
		}
		return nil
	})
	in := CustomMessageInput{
		TriggerEvent:   TriggerEvent{TriggerSource: customMessageSource(m.Purpose), User: TriggerUser{PoolID: m.PoolID, Username: m.Username, Attributes: maps.Clone(attrs)}},
		UserAttributes: attrs, CodeParameter: codePlaceholder, ClientMetadata: map[string]string{},
	}
	if m.Purpose == "ADMIN_CREATE_USER" {
		in.UsernameParameter = usernamePlaceholder
	}
	out, err := hook(context.Background(), in)
	if err != nil {
		s.log.Warn("idp: custom message trigger", "purpose", m.Purpose, "err", err)
		s.outbox.send(m)
		return
	}
	text := out.EmailMessage
	if m.Medium == "SMS" {
		text = out.SMSMessage
	} else {
		m.Subject = out.EmailSubject
	}
	if text != "" {
		m.Text = strings.NewReplacer(codePlaceholder, m.Code, usernamePlaceholder, m.Username).Replace(text)
	}
	s.outbox.send(m)
}
