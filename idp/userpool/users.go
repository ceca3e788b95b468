package userpool

import (
	"slices"
	"time"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/idp/internal/rnd"
	"github.com/caldera-srp/caldera/idp/store"
)

// adminUser finds the user of an admin call.
func adminUser(tx store.Tx, poolID, name string) (*store.User, error) {
	p, err := store.GetPool(tx, poolID)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, errPoolNotFound(poolID)
	}
	u, err := findUser(tx, p, name)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, errUserNotFound()
	}
	return u, nil
}

// editUser applies f to a user read in tx and stores it.
func (s *Service) editUser(tx store.Tx, u *store.User, f func(*store.User)) error {
	f(u)
	u.ModifiedAt = s.now()
	return putUser(tx, u)
}

// takeAliases unverifies, on the users who hold them, the aliases u is
// about to hold (ConfirmSignUp's ForceAliasCreation: "the new user can
// sign in with a username of bob@example.com and the existing user can no
// longer do so", botocore cognito-idp 2016-04-18).
func takeAliases(tx store.Tx, p *store.Pool, u *store.User) error {
	for _, a := range p.AliasAttributes {
		v := u.Attrs[a]
		if v == "" {
			continue
		}
		owner, err := store.UserByAlias(tx, u.PoolID, a, v)
		if err != nil || owner == "" || owner == u.Username {
			if err != nil {
				return err
			}
			continue
		}
		other, err := store.GetUser(tx, u.PoolID, owner)
		if err != nil || other == nil {
			return err
		}
		if a == "preferred_username" {
			delete(other.Attrs, a)
		} else {
			other.Attrs[a+"_verified"] = "false"
		}
		if err := store.PutUser(tx, other); err != nil {
			return err
		}
	}
	return nil
}

// putUser stores a user, refusing (AliasExistsException) to let it hold
// a sign-in alias — a verified email or phone_number, a
// preferred_username, of a pool with those as alias or username
// attributes — that another user of the pool holds (botocore
// ConfirmSignUp ForceAliasCreation: "If false and an attribute belongs to
// an existing alias, this request returns an AliasExistsException").
func putUser(tx store.Tx, u *store.User) error {
	p, err := store.GetPool(tx, u.PoolID)
	if err != nil {
		return err
	}
	if p != nil {
		for _, a := range slices.Concat(p.AliasAttributes, p.UsernameAttributes) {
			v := u.Attrs[a]
			if v == "" || !store.HoldsAlias(u, a) {
				continue
			}
			owner, err := store.UserByAlias(tx, u.PoolID, a, v)
			if err != nil {
				return err
			}
			if owner == "" || owner == u.Username {
				continue
			}
			other, err := store.GetUser(tx, u.PoolID, owner)
			if err != nil {
				return err
			}
			if other != nil && store.HoldsAlias(other, a) && store.AliasKey("", a, other.Attrs[a]) == store.AliasKey("", a, v) {
				return apiErr("AliasExistsException", "An account with the %s already exists.", a)
			}
		}
	}
	return store.PutUser(tx, u)
}

// adminEdit finds a user of an admin call and changes it in one
// transaction; f may refuse.
func (s *Service) adminEdit(poolID, name string, f func(tx store.Tx, u *store.User) error) *Error {
	return s.update(func(tx store.Tx) error {
		u, err := adminUser(tx, poolID, name)
		if err != nil {
			return err
		}
		if err := f(tx, u); err != nil {
			return err
		}
		u.ModifiedAt = s.now()
		return putUser(tx, u)
	})
}

// AdminCreateUserInput is AdminCreateUser's request.
type AdminCreateUserInput struct {
	PoolID            string
	Username          string
	TemporaryPassword string // drawn when empty
	Attributes        map[string]string
	Suppress          bool // MessageAction SUPPRESS: no message
	SMS               bool // DesiredDeliveryMediums includes SMS
	// ValidationData and ClientMetadata go to the pre sign-up trigger
	// only.
	ValidationData, ClientMetadata map[string]string
}

// AdminCreateUser creates a FORCE_CHANGE_PASSWORD user and (unless
// suppressed) sends the temporary password to the outbox. The pre sign-up
// trigger runs first (triggerSource PreSignUp_AdminCreateUser, no client)
// and may refuse the user; its auto-confirm and auto-verify answers do not
// apply to a user an administrator creates, who confirms by choosing a
// password.
func (s *Service) AdminCreateUser(in AdminCreateUserInput) (*store.User, *Error) {
	if s.cfg.Triggers.PreSignUp != nil {
		// The schema first, as for SignUp: a trigger never sees
		// attributes the pool would refuse (createUser checks again).
		p, err := s.Pool(in.PoolID)
		if err != nil {
			return nil, err
		}
		if err := checkAttributes(p, nil, in.Attributes, byAdmin|creating); err != nil {
			return nil, err
		}
		if _, err := s.preSignUp(SourcePreSignUpAdmin, in.PoolID, "", in.Username, in.Attributes, in.ValidationData, in.ClientMetadata); err != nil {
			return nil, err
		}
	}
	pw := in.TemporaryPassword
	if pw == "" {
		r, err := rnd.String(s.cfg.Rand, 12, rnd.Alnum)
		if err != nil {
			return nil, errInternal(err)
		}
		pw = "Aa1!" + r
	}
	u, err := s.createUser(in.PoolID, UserConfig{Username: in.Username, Password: pw, Temporary: true, Attributes: in.Attributes}, nil, byAdmin, nil)
	if err != nil {
		return nil, err
	}
	if !in.Suppress {
		medium := "EMAIL"
		if in.SMS || u.Attrs["email"] == "" {
			medium = "SMS"
		}
		s.send(s.message(u, medium, "ADMIN_CREATE_USER", pw))
	}
	return u, nil
}

// AdminGetUser returns a user by name or alias.
func (s *Service) AdminGetUser(poolID, name string) (*store.User, *Error) {
	return s.FindUser(poolID, name)
}

// AdminDeleteUser deletes a user with its devices, sign-ins and failure
// count, in one transaction.
func (s *Service) AdminDeleteUser(poolID, name string) *Error {
	return s.update(func(tx store.Tx) error {
		u, err := adminUser(tx, poolID, name)
		if err != nil {
			return err
		}
		return store.DeleteUser(tx, u.PoolID, u.Username)
	})
}

// AdminSetUserPassword sets a user's password, permanent or temporary.
// The verifier is computed before the transaction.
func (s *Service) AdminSetUserPassword(poolID, name, password string, permanent bool) *Error {
	u, err := s.FindUser(poolID, name)
	if err != nil {
		return err
	}
	p, err := s.Pool(poolID)
	if err != nil {
		return err
	}
	if err := checkPassword(p.PasswordPolicy, password); err != nil {
		return err
	}
	v, err := s.passwordVerifier(u.PoolID, u.Username, password)
	if err != nil {
		return err
	}
	return s.update(func(tx store.Tx) error {
		cur, err := store.GetUser(tx, u.PoolID, u.Username)
		if err != nil {
			return err
		}
		if cur == nil {
			return errUserNotFound()
		}
		return s.editUser(tx, cur, func(nu *store.User) {
			nu.Salt, nu.V = v.Salt, v.V
			if permanent {
				nu.Status = store.StatusConfirmed
			} else {
				nu.Status = store.StatusForceChangePassword
			}
		})
	})
}

// AdminConfirmSignUp confirms a user.
func (s *Service) AdminConfirmSignUp(poolID, name string) *Error {
	return s.adminEdit(poolID, name, func(_ store.Tx, u *store.User) error {
		u.Status, u.ConfirmCode = store.StatusConfirmed, ""
		return nil
	})
}

// AdminUpdateUserAttributes sets attributes within the pool's schema
// (CheckAttributes; sub and immutable attributes cannot change). A
// changed email or phone_number is unverified unless the request sets
// its *_verified too.
func (s *Service) AdminUpdateUserAttributes(poolID, name string, attrs []Attribute) *Error {
	m := make(map[string]string, len(attrs))
	for _, a := range attrs {
		m[a.Name] = a.Value
	}
	return s.adminEdit(poolID, name, func(tx store.Tx, u *store.User) error {
		p, err := store.GetPool(tx, poolID)
		if err != nil {
			return err
		}
		if err := checkAttributes(p, nil, m, byAdmin); err != nil {
			return err
		}
		changeAttributes(u, m)
		return nil
	})
}

// Attribute is one user attribute (Cognito's AttributeType).
type Attribute struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// SignUpInput is SignUp's request.
type SignUpInput struct {
	ClientID, SecretHash, Username, Password string
	Attributes                               map[string]string
	// ValidationData and ClientMetadata go to the pre sign-up trigger
	// only: they are never stored.
	ValidationData, ClientMetadata map[string]string
	// IPAddress is the end user's address, for the SignUp event of the
	// new user's history.
	IPAddress string
}

// CodeDelivery is Cognito's CodeDeliveryDetailsType.
type CodeDelivery struct {
	AttributeName  string `json:"AttributeName"`
	DeliveryMedium string `json:"DeliveryMedium"`
	Destination    string `json:"Destination"`
}

// SignUp creates an UNCONFIRMED user with its confirmation code in one
// transaction and sends the code.
func (s *Service) SignUp(in SignUpInput) (*store.User, *CodeDelivery, *Error) {
	cl, err := s.Client(in.ClientID)
	if err != nil {
		return nil, nil, err
	}
	if err := checkSecretHash(cl, in.SecretHash, in.Username); err != nil {
		return nil, nil, err
	}
	code, cerr := rnd.Code(s.cfg.Rand)
	if cerr != nil {
		return nil, nil, errInternal(cerr)
	}
	// The schema first (createUser checks again in its transaction): a
	// trigger never sees attributes the pool would refuse.
	p, err := s.Pool(cl.PoolID)
	if err != nil {
		return nil, nil, err
	}
	if err := checkAttributes(p, cl, in.Attributes, byUser|creating); err != nil {
		return nil, nil, err
	}
	pre, err := s.preSignUp(SourcePreSignUp, cl.PoolID, cl.ID, in.Username, in.Attributes, in.ValidationData, in.ClientMetadata)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.createUser(cl.PoolID, UserConfig{
		Username: in.Username, Password: in.Password, Unconfirmed: !pre.AutoConfirmUser, Attributes: in.Attributes,
	}, func(u *store.User) {
		if pre.AutoConfirmUser {
			autoVerify(u, pre)
			return
		}
		u.ConfirmCode, u.CodeExpires = code, s.now().Add(24*time.Hour)
	}, byUser, cl)
	if err != nil {
		return nil, nil, err
	}
	if err := s.update(func(tx store.Tx) error {
		// The user may be gone already (deleted, or made again).
		if cur, err := store.GetUser(tx, u.PoolID, u.Username); err != nil || cur == nil || cur.Sub != u.Sub {
			return err
		}
		return s.putAccountEvent(tx, u, eventSignUp, "Pass", in.IPAddress)
	}); err != nil {
		return nil, nil, err
	}
	if pre.AutoConfirmUser {
		return u, nil, nil
	}
	medium, attr := "EMAIL", "email"
	if u.Attrs["email"] == "" {
		medium, attr = "SMS", "phone_number"
	}
	s.send(s.message(u, medium, "SIGN_UP", code))
	return u, &CodeDelivery{AttributeName: attr, DeliveryMedium: medium, Destination: maskDestination(medium, u.Attrs[attr])}, nil
}

// ConfirmSignUpInput is ConfirmSignUp's request.
type ConfirmSignUpInput struct {
	ClientID, SecretHash, Username, Code string
	// ForceAliasCreation moves an alias the user comes to hold from the
	// user who held it (who can no longer sign in with it) instead of
	// refusing with AliasExistsException.
	ForceAliasCreation bool
}

// ConfirmSignUp checks the sign-up code (in constant time) and confirms
// the user.
func (s *Service) ConfirmSignUp(in ConfirmSignUpInput) *Error {
	cl, err := s.Client(in.ClientID)
	if err != nil {
		return err
	}
	if err := checkSecretHash(cl, in.SecretHash, in.Username); err != nil {
		return err
	}
	var confirmed *store.User
	var refusal *Error
	err = s.update(func(tx store.Tx) error {
		p, err := store.GetPool(tx, cl.PoolID)
		if err != nil {
			return err
		}
		u, err := findUser(tx, p, in.Username)
		if err != nil {
			return err
		}
		if u == nil && hidesUsers(cl) {
			// As for a wrong code ("Managing user existence error
			// responses", Amazon Cognito Developer Guide).
			return apiErr("CodeMismatchException", "Invalid verification code provided, please try again.")
		}
		if u == nil {
			return apiErr("UserNotFoundException", "Username/client id combination not found.")
		}
		if u.Status != store.StatusUnconfirmed {
			return apiErr("NotAuthorizedException", "User cannot be confirmed. Current status is %s", u.Status)
		}
		const kind = "ConfirmSignUp"
		locked, err := s.codeLocked(tx, u.PoolID, u.Username, kind)
		if err != nil {
			return err
		}
		if locked {
			return errCodeLimit()
		}
		if !s.now().Before(u.CodeExpires) {
			return apiErr("ExpiredCodeException", "Invalid code provided, please request a code again.")
		}
		if !codeEqual(u.ConfirmCode, in.Code) {
			// Counted and committed; at the limit the pending code is
			// void, so that the lock's end does not reopen guessing.
			lockedNow, err := s.codeFailed(tx, u.PoolID, u.Username, kind)
			if err != nil {
				return err
			}
			if lockedNow {
				if err := s.editUser(tx, u, func(nu *store.User) { nu.ConfirmCode = "" }); err != nil {
					return err
				}
			}
			refusal = apiErr("CodeMismatchException", "Invalid verification code provided, please try again.")
			return nil
		}
		if err := s.codeAccepted(tx, u.PoolID, u.Username, kind); err != nil {
			return err
		}
		if in.ForceAliasCreation {
			if err := takeAliases(tx, p, u); err != nil {
				return err
			}
		}
		return s.editUser(tx, u, func(nu *store.User) {
			nu.Status, nu.ConfirmCode = store.StatusConfirmed, ""
			for _, a := range []string{"email", "phone_number"} {
				if nu.Attrs[a] != "" && slices.Contains(p.AutoVerified, a) {
					nu.Attrs[a+"_verified"] = "true"
				}
			}
			confirmed = nu
		})
	})
	if err != nil {
		return err
	}
	if refusal != nil {
		return refusal
	}
	return s.postConfirmation(SourcePostConfirmSignUp, cl.ID, confirmed)
}

// MFASettings lists a user's enabled MFA factors and preferred one, as
// GetUser and AdminGetUser answer them.
func MFASettings(u *store.User) (list []string, preferred string) {
	if u.TOTPEnabled && u.TOTPVerified {
		list = append(list, string(challenge.SoftwareTokenMFA))
	}
	if u.SMSMFAEnabled {
		list = append(list, string(challenge.SMSMFA))
	}
	if u.EmailMFAEnabled {
		list = append(list, string(challenge.EmailOTP))
	}
	return list, u.PreferredMFA
}
