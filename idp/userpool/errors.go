package userpool

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is a service error as Cognito names it: the error type (the wire's
// "__type"), its message and the HTTP status the wire answers it with
// (docs/protocol.md §7, §9). Every operation of this package returns its
// refusals as *Error; anything else (a store failure) is an internal error.
// Callers match them with errors.As, or with errors.Is against one of the
// Err* sentinels.
type Error struct {
	Type    string // e.g. "NotAuthorizedException"
	Message string // Cognito's message, verbatim where known
	Status  int    // HTTP status; 400 unless stated
}

func (e *Error) Error() string { return fmt.Sprintf("idp: %s: %s", e.Type, e.Message) }

// Is reports whether target is an *Error of the same Type, so that
// errors.Is(err, ErrNotAuthorized) matches any message.
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Type == e.Type && (t.Message == "" || t.Message == e.Message)
}

// Sentinels for errors.Is: they match any *Error of their type.
var (
	ErrNotAuthorized            = &Error{Type: "NotAuthorizedException"}
	ErrUserNotFound             = &Error{Type: "UserNotFoundException"}
	ErrUsernameExists           = &Error{Type: "UsernameExistsException"}
	ErrUserNotConfirmed         = &Error{Type: "UserNotConfirmedException"}
	ErrCodeMismatch             = &Error{Type: "CodeMismatchException"}
	ErrExpiredCode              = &Error{Type: "ExpiredCodeException"}
	ErrResourceNotFound         = &Error{Type: "ResourceNotFoundException"}
	ErrInvalidParameter         = &Error{Type: "InvalidParameterException"}
	ErrInvalidPassword          = &Error{Type: "InvalidPasswordException"}
	ErrPasswordAttemptsExceeded = &Error{Type: "PasswordAttemptsExceededException"}
	ErrSerialization            = &Error{Type: "SerializationException"}
	ErrUnknownOperation         = &Error{Type: "UnknownOperationException"}
	ErrInternal                 = &Error{Type: "InternalErrorException"}
)

// NewError returns an *Error of type typ with a formatted message; the
// status is 500 for InternalErrorException and 400 otherwise.
func NewError(typ, format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	st := http.StatusBadRequest
	if typ == "InternalErrorException" {
		st = http.StatusInternalServerError
	}
	return &Error{Type: typ, Message: msg, Status: st}
}

var apiErr = NewError

// Messages Cognito uses; a client may show them to people, so they are kept
// as the service words them.
const (
	msgIncorrect      = "Incorrect username or password."
	msgUserNotExist   = "User does not exist."
	msgInvalidSession = "Invalid session for the user, session is expired."
	msgAttempts       = "Password attempts exceeded"
	msgDeviceNotExist = "Device does not exist."
	msgTimestamp      = "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english."
	msgBadAccessToken = "Invalid Access Token"
	msgRevokedToken   = "Access Token has been revoked"
	msgMissingScope   = "Access Token does not have required scopes"
	msgBadRefresh     = "Invalid Refresh Token"
	msgCodeMismatch   = "Invalid code received for user"
	msgDisabled       = "User is disabled."
	// Not Cognito's words (it does not document these refusals).
	msgDeviceNotOfSignIn = "Device key does not match the access token's sign-in."
	msgDeviceConfirmed   = "Device is already confirmed."
)

func errIncorrect() *Error  { return apiErr("NotAuthorizedException", msgIncorrect) }
func errBadSession() *Error { return apiErr("NotAuthorizedException", msgInvalidSession) }
func errLocked() *Error     { return apiErr("PasswordAttemptsExceededException", msgAttempts) }

// errInternal wraps an unexpected failure (store, random source) as an
// InternalErrorException.
func errInternal(err error) *Error {
	return apiErr("InternalErrorException", "Internal error: %v", err)
}

// ErrParam is an InvalidParameterException.
func ErrParam(format string, args ...any) *Error {
	return apiErr("InvalidParameterException", format, args...)
}

var (
	errParam = ErrParam
	asError  = AsError
)

func errNotFound(format string, args ...any) *Error {
	return apiErr("ResourceNotFoundException", format, args...)
}

func errPoolNotFound(poolID string) *Error {
	return errNotFound("User pool %s does not exist.", poolID)
}

func errUserNotFound() *Error { return apiErr("UserNotFoundException", msgUserNotExist) }

// AsError turns a transaction's error into an *Error: a refusal passes
// through, anything else is an InternalErrorException.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return errInternal(err)
}
