// Package awssdk is a flow.Transport over the AWS SDK for Go v2
// (github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider), so that
// SDK users keep their configuration, credentials, retries and middleware.
// It is the only Caldera package that imports the SDK.
//
// Call decodes the JSON input the machine built into the SDK's input struct
// for the operation, calls the client, and encodes the SDK's output back
// into the JSON the wire would have carried (AWS JSON 1.1 member names), so
// the machine sees the same answer whichever transport it runs on. Service
// errors (smithy.APIError, including the SDK's typed exceptions) become
// *flow.APIError with the code, message and HTTP status.
//
// Unlike transport/awsjson, the Admin* operations work here: the SDK signs
// them with the configured credentials.
package awssdk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/caldera-srp/caldera/flow"
	"github.com/caldera-srp/caldera/transport/internal/apierr"
)

// API is the part of *cognitoidentityprovider.Client that a sign-in uses.
type API interface {
	InitiateAuth(context.Context, *cip.InitiateAuthInput, ...func(*cip.Options)) (*cip.InitiateAuthOutput, error)
	RespondToAuthChallenge(context.Context, *cip.RespondToAuthChallengeInput, ...func(*cip.Options)) (*cip.RespondToAuthChallengeOutput, error)
	AdminInitiateAuth(context.Context, *cip.AdminInitiateAuthInput, ...func(*cip.Options)) (*cip.AdminInitiateAuthOutput, error)
	AdminRespondToAuthChallenge(context.Context, *cip.AdminRespondToAuthChallengeInput, ...func(*cip.Options)) (*cip.AdminRespondToAuthChallengeOutput, error)
	AssociateSoftwareToken(context.Context, *cip.AssociateSoftwareTokenInput, ...func(*cip.Options)) (*cip.AssociateSoftwareTokenOutput, error)
	VerifySoftwareToken(context.Context, *cip.VerifySoftwareTokenInput, ...func(*cip.Options)) (*cip.VerifySoftwareTokenOutput, error)
	ConfirmDevice(context.Context, *cip.ConfirmDeviceInput, ...func(*cip.Options)) (*cip.ConfirmDeviceOutput, error)
	UpdateDeviceStatus(context.Context, *cip.UpdateDeviceStatusInput, ...func(*cip.Options)) (*cip.UpdateDeviceStatusOutput, error)
	GetTokensFromRefreshToken(context.Context, *cip.GetTokensFromRefreshTokenInput, ...func(*cip.Options)) (*cip.GetTokensFromRefreshTokenOutput, error)
}

var _ API = (*cip.Client)(nil)

// Errors of the adapter itself, before the SDK is called.
var (
	ErrUnsupportedOperation = errors.New("awssdk: unsupported operation")
	ErrInvalidInput         = errors.New("awssdk: input does not decode into the SDK input")
)

// Transport sends the machine's operations through an SDK client. It
// implements flow.Transport and is as safe for concurrent use as its API.
type Transport struct {
	api    API
	optFns []func(*cip.Options)
}

var _ flow.Transport = (*Transport)(nil)

// New returns a Transport over api (normally a *cognitoidentityprovider.Client).
// optFns are passed to every call, after any the client already has.
func New(api API, optFns ...func(*cip.Options)) *Transport {
	return &Transport{api: api, optFns: optFns}
}

// Call implements flow.Transport. The input must be a JSON object whose
// members are the operation's input members; an unknown member is refused
// with ErrInvalidInput rather than silently dropped. A JSON null inside
// AuthParameters or ChallengeResponses decodes as an empty string: the SDK's
// maps cannot carry null.
func (t *Transport) Call(ctx context.Context, op flow.Operation, input json.RawMessage) (json.RawMessage, error) {
	switch op {
	case flow.OpInitiateAuth:
		return do(ctx, t, op, input, t.api.InitiateAuth, func(o *cip.InitiateAuthOutput) any {
			return authOutput(o.AuthenticationResult, o.AvailableChallenges, o.ChallengeName, o.ChallengeParameters, o.Session)
		})
	case flow.OpRespondToAuthChallenge:
		return do(ctx, t, op, input, t.api.RespondToAuthChallenge, func(o *cip.RespondToAuthChallengeOutput) any {
			return authOutput(o.AuthenticationResult, nil, o.ChallengeName, o.ChallengeParameters, o.Session)
		})
	case flow.OpAdminInitiateAuth:
		return do(ctx, t, op, input, t.api.AdminInitiateAuth, func(o *cip.AdminInitiateAuthOutput) any {
			return authOutput(o.AuthenticationResult, o.AvailableChallenges, o.ChallengeName, o.ChallengeParameters, o.Session)
		})
	case flow.OpAdminRespondToAuthChallenge:
		return do(ctx, t, op, input, t.api.AdminRespondToAuthChallenge, func(o *cip.AdminRespondToAuthChallengeOutput) any {
			return authOutput(o.AuthenticationResult, nil, o.ChallengeName, o.ChallengeParameters, o.Session)
		})
	case flow.OpGetTokensFromRefreshToken:
		return do(ctx, t, op, input, t.api.GetTokensFromRefreshToken, func(o *cip.GetTokensFromRefreshTokenOutput) any {
			return authOutput(o.AuthenticationResult, nil, "", nil, nil)
		})
	case flow.OpAssociateSoftwareToken:
		return do(ctx, t, op, input, t.api.AssociateSoftwareToken, func(o *cip.AssociateSoftwareTokenOutput) any {
			return struct {
				SecretCode *string `json:",omitzero"`
				Session    *string `json:",omitzero"`
			}{o.SecretCode, o.Session}
		})
	case flow.OpVerifySoftwareToken:
		return do(ctx, t, op, input, t.api.VerifySoftwareToken, func(o *cip.VerifySoftwareTokenOutput) any {
			return struct {
				Session *string                               `json:",omitzero"`
				Status  types.VerifySoftwareTokenResponseType `json:",omitzero"`
			}{o.Session, o.Status}
		})
	case flow.OpConfirmDevice:
		return do(ctx, t, op, input, t.api.ConfirmDevice, func(o *cip.ConfirmDeviceOutput) any {
			return struct{ UserConfirmationNecessary bool }{o.UserConfirmationNecessary}
		})
	case flow.OpUpdateDeviceStatus:
		return do(ctx, t, op, input, t.api.UpdateDeviceStatus, func(*cip.UpdateDeviceStatusOutput) any {
			return struct{}{}
		})
	}
	return nil, fmt.Errorf("%w: %q", ErrUnsupportedOperation, op)
}

// do decodes input into In, calls fn, and encodes wire(out).
func do[In, Out any](ctx context.Context, t *Transport, op flow.Operation, input json.RawMessage,
	fn func(context.Context, *In, ...func(*cip.Options)) (*Out, error), wire func(*Out) any) (json.RawMessage, error) {
	in := new(In)
	if len(bytes.TrimSpace(input)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(input))
		dec.DisallowUnknownFields()
		if err := dec.Decode(in); err != nil {
			return nil, fmt.Errorf("%w (%s): %v", ErrInvalidInput, op, err)
		}
		if dec.More() {
			return nil, fmt.Errorf("%w (%s): trailing data", ErrInvalidInput, op)
		}
	}
	out, err := fn(ctx, in, t.optFns...)
	if err != nil {
		return nil, mapError(op, err)
	}
	if out == nil {
		return nil, fmt.Errorf("awssdk: %s: the SDK returned no output and no error", op)
	}
	b, err := json.Marshal(wire(out))
	if err != nil {
		return nil, fmt.Errorf("awssdk: %s: encoding the output: %w", op, err)
	}
	return b, nil
}

// authOutput is the wire shape of the four sign-in operations' outputs,
// and of GetTokensFromRefreshToken's (an AuthenticationResult only).
// Absent members are left out; a present but empty ChallengeParameters
// stays {} as Cognito sends it with tokens.
func authOutput(res *types.AuthenticationResultType, available []types.ChallengeNameType,
	name types.ChallengeNameType, params map[string]string, session *string) any {
	type newDeviceMetadata struct {
		DeviceGroupKey *string `json:",omitzero"`
		DeviceKey      *string `json:",omitzero"`
	}
	type authenticationResult struct {
		AccessToken       *string            `json:",omitzero"`
		ExpiresIn         int32              // always present on the wire
		IdToken           *string            `json:",omitzero"`
		NewDeviceMetadata *newDeviceMetadata `json:",omitzero"`
		RefreshToken      *string            `json:",omitzero"`
		TokenType         *string            `json:",omitzero"`
	}
	type output struct {
		AuthenticationResult *authenticationResult     `json:",omitzero"`
		AvailableChallenges  []types.ChallengeNameType `json:",omitzero"`
		ChallengeName        types.ChallengeNameType   `json:",omitzero"`
		ChallengeParameters  map[string]string         `json:",omitzero"`
		Session              *string                   `json:",omitzero"`
	}
	o := output{AvailableChallenges: available, ChallengeName: name, ChallengeParameters: params, Session: session}
	if res != nil {
		o.AuthenticationResult = &authenticationResult{
			AccessToken: res.AccessToken, ExpiresIn: res.ExpiresIn, IdToken: res.IdToken,
			RefreshToken: res.RefreshToken, TokenType: res.TokenType,
		}
		if d := res.NewDeviceMetadata; d != nil {
			o.AuthenticationResult.NewDeviceMetadata = &newDeviceMetadata{d.DeviceGroupKey, d.DeviceKey}
		}
	}
	return o
}

// mapError turns a service error into a *flow.APIError, its code reduced and
// its message made safe to print as awsjson does
// (transport/internal/apierr); any other error (network, context,
// credentials, deserialization) is wrapped unchanged.
func mapError(op flow.Operation, err error) error {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return fmt.Errorf("awssdk: %s: %w", op, err)
	}
	status := 0
	var st interface{ HTTPStatusCode() int }
	if errors.As(err, &st) {
		status = st.HTTPStatusCode()
	}
	if e := apierr.New(ae.ErrorCode(), ae.ErrorMessage(), status); e != nil {
		var rid interface{ ServiceRequestID() string }
		if errors.As(err, &rid) {
			e.RequestID = apierr.RequestID(rid.ServiceRequestID())
		}
		return e
	}
	// A code that is no type name: keep the SDK's error as it is.
	return fmt.Errorf("awssdk: %s: %w", op, err)
}
