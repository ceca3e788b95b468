package flow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// Operation is the name of a Cognito user-pool API operation, as it appears
// after "AWSCognitoIdentityProviderService." in the X-Amz-Target header.
type Operation string

// The operations the machine asks its caller to send.
const (
	OpInitiateAuth                Operation = "InitiateAuth"
	OpRespondToAuthChallenge      Operation = "RespondToAuthChallenge"
	OpAdminInitiateAuth           Operation = "AdminInitiateAuth"
	OpAdminRespondToAuthChallenge Operation = "AdminRespondToAuthChallenge"
	OpAssociateSoftwareToken      Operation = "AssociateSoftwareToken"
	OpVerifySoftwareToken         Operation = "VerifySoftwareToken"
	OpConfirmDevice               Operation = "ConfirmDevice"
	OpUpdateDeviceStatus          Operation = "UpdateDeviceStatus"
	OpGetTokensFromRefreshToken   Operation = "GetTokensFromRefreshToken"
)

// Transport sends one operation and returns the JSON body of its answer.
// Service errors are returned as *APIError; anything else (network,
// context, malformed HTTP) as an ordinary error. Implementations live in
// their own packages (transport/awsjson for plain HTTP, transport/awssdk for
// aws-sdk-go-v2) so that this package imports no SDK.
type Transport interface {
	Call(ctx context.Context, op Operation, input json.RawMessage) (json.RawMessage, error)
}

// APIError is an error answered by the service: its `__type` (without any
// "prefix#" or ":suffix") and its message. The transports keep the message
// as sent except that control characters are replaced with U+FFFD and it is
// cut at 1 KiB, so a hostile server cannot forge log lines or flood memory. Use errors.As to get it, or
// errors.Is with one of the Err* sentinels below to test its type.
type APIError struct {
	Type       string // e.g. "NotAuthorizedException"
	Message    string
	StatusCode int // HTTP status when known, else 0
	// RequestID is the service's request id (x-amzn-RequestId), when the
	// transport saw one: what AWS support asks for.
	RequestID string
}

func (e *APIError) Error() string {
	if e.Message == "" {
		return "cognito: " + e.Type
	}
	return fmt.Sprintf("cognito: %s: %s", e.Type, e.Message)
}

// Is reports whether target is the sentinel for e's type, so that
// errors.Is(err, flow.ErrNotAuthorized) works on any *APIError.
func (e *APIError) Is(target error) bool {
	s, ok := target.(*apiErrorType)
	return ok && s.name == e.Type
}

type apiErrorType struct{ name string }

func (t *apiErrorType) Error() string { return "cognito: " + t.name }

// Sentinels for the service error types a sign-in meets. Match them with
// errors.Is; errors.As with *APIError gives the service's message.
var (
	ErrNotAuthorized            error = &apiErrorType{"NotAuthorizedException"}
	ErrUserNotFound             error = &apiErrorType{"UserNotFoundException"}
	ErrPasswordResetRequired    error = &apiErrorType{"PasswordResetRequiredException"}
	ErrUserNotConfirmed         error = &apiErrorType{"UserNotConfirmedException"}
	ErrCodeMismatch             error = &apiErrorType{"CodeMismatchException"}
	ErrExpiredCode              error = &apiErrorType{"ExpiredCodeException"}
	ErrTooManyRequests          error = &apiErrorType{"TooManyRequestsException"}
	ErrLimitExceeded            error = &apiErrorType{"LimitExceededException"}
	ErrResourceNotFound         error = &apiErrorType{"ResourceNotFoundException"}
	ErrInvalidParameter         error = &apiErrorType{"InvalidParameterException"}
	ErrInvalidPassword          error = &apiErrorType{"InvalidPasswordException"}
	ErrPasswordAttemptsExceeded error = &apiErrorType{"PasswordAttemptsExceededException"}
	ErrInternal                 error = &apiErrorType{"InternalErrorException"}
	// ErrRefreshTokenReuse: GetTokensFromRefreshToken got a refresh token
	// that rotation has already replaced (after its grace period).
	ErrRefreshTokenReuse error = &apiErrorType{"RefreshTokenReuseException"}
)

// IsAPIError reports whether err is (or wraps) an *APIError of the given
// type name.
func IsAPIError(err error, typeName string) bool {
	var e *APIError
	return errors.As(err, &e) && e.Type == typeName
}
