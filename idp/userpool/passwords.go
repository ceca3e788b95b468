package userpool

import (
	"crypto/subtle"
	"strings"
	"time"

	"github.com/caldera-srp/caldera/idp/internal/rnd"
	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/srp"
)

// resetCodeTTL is how long a ForgotPassword or AdminResetUserPassword code
// stays valid (Cognito: one hour).
const resetCodeTTL = time.Hour

// Cognito's messages for codes (ConfirmSignUp, ConfirmForgotPassword,
// VerifyUserAttribute).
const (
	msgCodeWrong   = "Invalid verification code provided, please try again."
	msgCodeExpired = "Invalid code provided, please request a code again."
	msgNoRecovery  = "Cannot reset password for the user as there is no registered/verified email or phone_number"
	msgClientUser  = "Username/client id combination not found."
)

// recoveryMedium picks where a password-reset code goes: a verified
// e-mail address, else a verified phone number; "" when there is none.
func recoveryMedium(u *store.User) (medium, attr string) {
	switch {
	case u.Attrs["email"] != "" && u.Attrs["email_verified"] == "true":
		return "EMAIL", "email"
	case u.Attrs["phone_number"] != "" && u.Attrs["phone_number_verified"] == "true":
		return "SMS", "phone_number"
	}
	return "", ""
}

// delivery is the CodeDeliveryDetails of a message to u's attr.
func delivery(u *store.User, medium, attr string) *CodeDelivery {
	return &CodeDelivery{AttributeName: attr, DeliveryMedium: medium, Destination: maskDestination(medium, u.Attrs[attr])}
}

// clientUser finds the user of a public-client call (ForgotPassword,
// ConfirmForgotPassword, ResendConfirmationCode) after checking the
// client and SECRET_HASH. An unknown user is UserNotFoundException for a
// LEGACY client; for a client with PreventUserExistenceErrors ENABLED it
// is no error and a nil user, which the caller answers as Cognito
// documents (a simulated CodeDeliveryDetails, or CodeMismatchException).
func (s *Service) clientUser(clientID, secretHash, username string) (*store.Client, *store.User, *Error) {
	cl, err := s.Client(clientID)
	if err != nil {
		return nil, nil, err
	}
	if username == "" {
		return nil, nil, validation("Value null at 'username' failed to satisfy constraint: Member must not be null")
	}
	if err := checkSecretHash(cl, secretHash, username); err != nil {
		return nil, nil, err
	}
	var u *store.User
	err = s.view(func(tx store.Tx) error {
		var err error
		if u, err = findUserIn(tx, cl.PoolID, username); err == nil && u == nil && !hidesUsers(cl) {
			return apiErr("UserNotFoundException", msgClientUser)
		}
		return err
	})
	return cl, u, err
}

// simulatedDelivery is the CodeDeliveryDetails that ForgotPassword and
// ResendConfirmationCode answer for an unknown user of a client with
// PreventUserExistenceErrors ENABLED ("Managing user existence error
// responses", Amazon Cognito Developer Guide: "returns a simulated
// response"). Its shape is ours: a name that is an e-mail address or a
// phone number is masked as its own destination; any other name gets an
// e-mail destination drawn from the server's unknown-user key, the same
// at every call for that pool and name, like a real user's.
func (s *Service) simulatedDelivery(poolID, username string) *CodeDelivery {
	switch {
	case strings.HasPrefix(username, "+"):
		return &CodeDelivery{AttributeName: "phone_number", DeliveryMedium: "SMS", Destination: maskDestination("SMS", username)}
	case strings.Contains(username, "@"):
		return &CodeDelivery{AttributeName: "email", DeliveryMedium: "EMAIL", Destination: maskDestination("EMAIL", username)}
	}
	mac := s.unknownMAC("delivery", poolID, username)
	domains := [...]string{"gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me", "hotmail.com"}
	dest := string(rune('a'+mac[0]%26)) + "***@" + domains[int(mac[1])%len(domains)]
	return &CodeDelivery{AttributeName: "email", DeliveryMedium: "EMAIL", Destination: dest}
}

// newCode draws a six-digit code.
func (s *Service) newCode() (string, *Error) {
	c, err := rnd.Code(s.cfg.Rand)
	if err != nil {
		return "", errInternal(err)
	}
	return c, nil
}

// ForgotPassword sends a password-reset code to the user's verified
// e-mail address or phone number (the outbox, purpose FORGOT_PASSWORD);
// ip is the end user's address for the user's history (a ForgotPassword
// event, InProgress).
func (s *Service) ForgotPassword(clientID, secretHash, username, ip string) (*CodeDelivery, *Error) {
	cl, u, err := s.clientUser(clientID, secretHash, username)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return s.simulatedDelivery(cl.PoolID, username), nil
	}
	return s.sendResetCode(u, false, ip)
}

// sendResetCode stores a reset code for u (and, when reset, an
// administrator's AdminResetUserPassword, marks the user RESET_REQUIRED)
// and sends it. A user's own request is recorded in its history.
func (s *Service) sendResetCode(u *store.User, reset bool, ip string) (*CodeDelivery, *Error) {
	if !u.Enabled {
		return nil, apiErr("NotAuthorizedException", msgDisabled)
	}
	medium, attr := recoveryMedium(u)
	if medium == "" && !reset {
		return nil, errParam(msgNoRecovery)
	}
	code, err := s.newCode()
	if err != nil {
		return nil, err
	}
	if err := s.update(func(tx store.Tx) error {
		cur, err := store.GetUser(tx, u.PoolID, u.Username)
		if err != nil {
			return err
		}
		if cur == nil {
			return errUserNotFound()
		}
		if !reset {
			if err := s.putAccountEvent(tx, cur, eventForgotPassword, "InProgress", ip); err != nil {
				return err
			}
		}
		return s.editUser(tx, cur, func(nu *store.User) {
			nu.ResetCode, nu.ResetExpires = code, s.now().Add(resetCodeTTL)
			if reset {
				nu.Status = store.StatusResetRequired
			}
			u = nu
		})
	}); err != nil {
		return nil, err
	}
	if medium == "" {
		return nil, nil
	}
	s.send(s.message(u, medium, "FORGOT_PASSWORD", code))
	return delivery(u, medium, attr), nil
}

// ConfirmForgotPasswordInput is ConfirmForgotPassword's request.
type ConfirmForgotPasswordInput struct {
	ClientID, SecretHash, Username, Code, Password string
	IPAddress                                      string // for the user's history
}

// ConfirmForgotPassword sets a new password with a reset code (compared
// in constant time; single use) and confirms the user. Wrong codes count
// as ConfirmSignUp's do (idp/doc.go, "One-time codes"): the fifth locks
// the user's reset codes (LimitExceededException, even for the right code)
// and voids the pending one; the count is written in the request's own
// transaction. An unknown user of a client with PreventUserExistenceErrors
// ENABLED gets the password policy's answer, then CodeMismatchException,
// after the same verifier work as a real user.
func (s *Service) ConfirmForgotPassword(in ConfirmForgotPasswordInput) *Error {
	if in.Code == "" {
		return validation("Value null at 'confirmationCode' failed to satisfy constraint: Member must not be null")
	}
	if in.Password == "" {
		return validation("Value null at 'password' failed to satisfy constraint: Member must not be null")
	}
	cl, u, err := s.clientUser(in.ClientID, in.SecretHash, in.Username)
	if err != nil {
		return err
	}
	return s.confirmReset(cl, u, hidesUsers(cl), in)
}

// confirmReset is ConfirmForgotPassword once the client and the user (nil
// if unknown) are found, for the API and for the hosted pages (which
// always hide users). The outcome is a ForgotPassword event of the user's
// history, Pass or Fail.
func (s *Service) confirmReset(cl *store.Client, u *store.User, hide bool, in ConfirmForgotPasswordInput) *Error {
	p, err := s.Pool(cl.PoolID)
	if err != nil {
		return err
	}
	if err := checkPassword(p.PasswordPolicy, in.Password); err != nil {
		return err
	}
	if u == nil {
		if _, err := s.passwordVerifier(cl.PoolID, in.Username, in.Password); err != nil {
			return err
		}
		return apiErr("CodeMismatchException", msgCodeWrong)
	}
	v, err := s.passwordVerifier(u.PoolID, u.Username, in.Password)
	if err != nil {
		return err
	}
	var refusal *Error
	if err := s.update(func(tx store.Tx) error {
		cur, err := store.GetUser(tx, u.PoolID, u.Username)
		if err != nil {
			return err
		}
		if cur == nil || cur.Sub != u.Sub {
			if hide {
				return apiErr("CodeMismatchException", msgCodeWrong)
			}
			return apiErr("UserNotFoundException", msgClientUser)
		}
		locked, err := s.codeLocked(tx, cur.PoolID, cur.Username, codeKindReset)
		if err != nil {
			return err
		}
		if locked {
			return errCodeLimit()
		}
		if cur.ResetCode == "" || !codeEqual(cur.ResetCode, in.Code) {
			lockedNow, err := s.codeFailed(tx, cur.PoolID, cur.Username, codeKindReset)
			if err != nil {
				return err
			}
			if lockedNow {
				if err := s.editUser(tx, cur, func(nu *store.User) { nu.ResetCode, nu.ResetExpires = "", time.Time{} }); err != nil {
					return err
				}
			}
			refusal = apiErr("CodeMismatchException", msgCodeWrong)
			return s.putAccountEvent(tx, cur, eventForgotPassword, "Fail", in.IPAddress)
		}
		if !s.now().Before(cur.ResetExpires) {
			return apiErr("ExpiredCodeException", msgCodeExpired)
		}
		if err := s.codeAccepted(tx, cur.PoolID, cur.Username, codeKindReset); err != nil {
			return err
		}
		// A new password proven by the code ends a password lockout too.
		if err := store.ClearFailures(tx, cur.PoolID, cur.Username); err != nil {
			return err
		}
		if err := s.putAccountEvent(tx, cur, eventForgotPassword, "Pass", in.IPAddress); err != nil {
			return err
		}
		return s.editUser(tx, cur, func(nu *store.User) {
			nu.Salt, nu.V = v.Salt, v.V
			nu.ResetCode, nu.ResetExpires = "", time.Time{}
			nu.Status = store.StatusConfirmed
			u = nu
		})
	}); err != nil {
		return err
	}
	if refusal != nil {
		return refusal
	}
	return s.postConfirmation(SourcePostConfirmForgot, cl.ID, u)
}

// Kinds of one-time code counted by codeFailed besides the sign-in
// challenges' and ConfirmSignUp's.
const (
	codeKindReset  = "ConfirmForgotPassword"
	codeKindVerify = "VerifyUserAttribute"
)

// ChangePassword changes the password of an access token's user after
// checking the previous one (its verifier recomputed from the stored salt
// outside the transaction and compared in constant time; a wrong one
// counts towards the lockout). The outcome is a PasswordChange event of
// the user's history, at ip.
func (s *Service) ChangePassword(accessToken, previous, proposed, ip string) *Error {
	if proposed == "" {
		return validation("Value null at 'proposedPassword' failed to satisfy constraint: Member must not be null")
	}
	c, err := s.verifyAccess(accessToken)
	if err != nil {
		return err
	}
	var u *store.User
	var p *store.Pool
	if err := s.view(func(tx store.Tx) error {
		var err error
		if u, err = accessUser(tx, c); err != nil {
			return err
		}
		p, err = store.GetPool(tx, u.PoolID)
		return err
	}); err != nil {
		return err
	}
	if err := checkPassword(p.PasswordPolicy, proposed); err != nil {
		return err
	}
	old, verr := srp.PasswordVerifierFromSalt(u.Salt, srpPoolName(u.PoolID), u.Username, previous)
	if verr != nil {
		return errInternal(verr)
	}
	v, err := s.passwordVerifier(u.PoolID, u.Username, proposed)
	if err != nil {
		return err
	}
	var refusal *Error
	err = s.update(func(tx store.Tx) error {
		cur, err := accessUser(tx, c)
		if err != nil {
			return err
		}
		locked, err := s.locked(tx, cur.PoolID, cur.Username)
		if err != nil {
			return err
		}
		if locked {
			return errLocked()
		}
		if subtle.ConstantTimeCompare(old.V, cur.V) != 1 {
			refusal = errIncorrect()
			if err := s.putAccountEvent(tx, cur, eventPasswordChange, "Fail", ip); err != nil {
				return err
			}
			return s.recordFailure(tx, cur.PoolID, cur.Username)
		}
		if err := store.ClearFailures(tx, cur.PoolID, cur.Username); err != nil {
			return err
		}
		if err := s.putAccountEvent(tx, cur, eventPasswordChange, "Pass", ip); err != nil {
			return err
		}
		return s.editUser(tx, cur, func(nu *store.User) { nu.Salt, nu.V = v.Salt, v.V })
	})
	if err != nil {
		return err
	}
	return refusal
}

// ResendConfirmationCode sends an UNCONFIRMED user a new sign-up code (a
// ResendCode event of the user's history, at ip).
func (s *Service) ResendConfirmationCode(clientID, secretHash, username, ip string) (*CodeDelivery, *Error) {
	cl, u, err := s.clientUser(clientID, secretHash, username)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return s.simulatedDelivery(cl.PoolID, username), nil
	}
	if u.Status != store.StatusUnconfirmed {
		return nil, errParam("User is already confirmed.")
	}
	code, err := s.newCode()
	if err != nil {
		return nil, err
	}
	if err := s.update(func(tx store.Tx) error {
		cur, err := store.GetUser(tx, u.PoolID, u.Username)
		if err != nil || cur == nil {
			if err == nil {
				err = apiErr("UserNotFoundException", msgClientUser)
			}
			return err
		}
		if err := s.putAccountEvent(tx, cur, eventResendCode, "Pass", ip); err != nil {
			return err
		}
		return s.editUser(tx, cur, func(nu *store.User) {
			nu.ConfirmCode, nu.CodeExpires = code, s.now().Add(24*time.Hour)
			u = nu
		})
	}); err != nil {
		return nil, err
	}
	medium, attr := "EMAIL", "email"
	if u.Attrs["email"] == "" {
		medium, attr = "SMS", "phone_number"
	}
	s.send(s.message(u, medium, "RESEND_CODE", code))
	return delivery(u, medium, attr), nil
}

// AdminResetUserPassword marks a user RESET_REQUIRED (its next sign-in is
// refused with PasswordResetRequiredException) and sends a reset code
// when the user has a verified e-mail address or phone number; the user
// then sets a password with ConfirmForgotPassword.
func (s *Service) AdminResetUserPassword(poolID, username string) *Error {
	u, err := s.FindUser(poolID, username)
	if err != nil {
		return err
	}
	_, err = s.sendResetCode(u, true, "")
	return err
}
