package userpool

import (
	"slices"
	"strings"
	"time"

	"github.com/caldera-srp/caldera/idp/store"
)

// verifyCodeTTL is how long an attribute verification code stays valid.
const verifyCodeTTL = 24 * time.Hour

// Limits of botocore's AttributeNameType (1–32) and AttributeValueType
// (at most 2048).
const (
	maxAttrName  = 32
	maxAttrValue = 2048
)

// verifiable are the attributes that take a verification code.
var verifiable = []string{"email", "phone_number"}

// setAttributes is the one place where the user-side and admin
// attribute operations of this file write attributes (UpdateUserAttributes,
// DeleteUserAttributes, AdminDeleteUserAttributes): it validates each
// change and applies it to u. set holds the attributes to write, del the
// names to remove. A changed e-mail address or phone number becomes
// unverified (unless an admin sets its *_verified in the same call); the
// returned names are those the pool auto-verifies, for which the caller
// sends a code. Attribute-schema validation hooks in here.
func setAttributes(p *store.Pool, u *store.User, set []Attribute, del []string, admin bool) (verify []string, err *Error) {
	for _, a := range set {
		if err := checkAttrName(a.Name, admin); err != nil {
			return nil, err
		}
		if len([]rune(a.Value)) > maxAttrValue {
			return nil, validation("Value at 'userAttributes.%s.member.value' failed to satisfy constraint: Member must have length less than or equal to 2048", a.Name)
		}
	}
	for _, n := range del {
		if err := checkAttrName(n, admin); err != nil {
			return nil, err
		}
		if len(p.UsernameAttributes) > 0 && slices.Contains(p.UsernameAttributes, n) {
			return nil, errParam("Cannot delete %s: it is a username attribute of the user pool.", n)
		}
	}
	explicit := map[string]bool{}
	for _, a := range set {
		explicit[a.Name] = true
	}
	for _, a := range set {
		old, had := u.Attrs[a.Name]
		u.Attrs[a.Name] = a.Value
		if !slices.Contains(verifiable, a.Name) || (had && old == a.Value) || explicit[a.Name+"_verified"] {
			continue
		}
		u.Attrs[a.Name+"_verified"] = "false"
		if slices.Contains(p.AutoVerified, a.Name) && a.Value != "" {
			verify = append(verify, a.Name)
		}
	}
	for _, n := range del {
		delete(u.Attrs, n)
		if slices.Contains(verifiable, n) {
			delete(u.Attrs, n+"_verified")
			delete(u.VerifyCodes, n)
		}
	}
	return verify, nil
}

// checkAttrName refuses names that cannot be written: empty or too long,
// sub, and (for users) the *_verified flags, which only verification or
// an admin sets.
func checkAttrName(name string, admin bool) *Error {
	switch {
	case name == "":
		return validation("Value null at 'userAttributes.member.name' failed to satisfy constraint: Member must not be null")
	case len([]rune(name)) > maxAttrName:
		return validation("Value '%s' at 'userAttributes.member.name' failed to satisfy constraint: Member must have length less than or equal to 32", name)
	case name == "sub":
		return errParam("Cannot modify the non-mutable attribute sub")
	case !admin && strings.HasSuffix(name, "_verified") && slices.Contains(verifiable, strings.TrimSuffix(name, "_verified")):
		return errParam("Cannot modify %s: only verification or an administrator sets it", name)
	}
	return nil
}

// pendingCode stores a verification code for attr on u and returns the
// message that sends it.
func (s *Service) pendingCode(u *store.User, attr, code string) Message {
	if u.VerifyCodes == nil {
		u.VerifyCodes = map[string]store.PendingCode{}
	}
	u.VerifyCodes[attr] = store.PendingCode{Code: code, Expires: s.now().Add(verifyCodeTTL)}
	medium := "EMAIL"
	if attr == "phone_number" {
		medium = "SMS"
	}
	return s.message(u, medium, "VERIFY_ATTRIBUTE", code)
}

func mediumOf(attr string) string {
	if attr == "phone_number" {
		return "SMS"
	}
	return "EMAIL"
}

// UpdateUserAttributes changes attributes of an access token's user and
// sends a verification code for each changed attribute the pool
// auto-verifies (CodeDeliveryDetailsList).
func (s *Service) UpdateUserAttributes(accessToken string, attrs []Attribute) ([]CodeDelivery, *Error) {
	if len(attrs) == 0 {
		return nil, validation("Value null at 'userAttributes' failed to satisfy constraint: Member must not be null")
	}
	codes := map[string]string{}
	for _, a := range verifiable {
		c, err := s.newCode()
		if err != nil {
			return nil, err
		}
		codes[a] = c
	}
	var msgs []Message
	var out []CodeDelivery
	err := s.accessEdit(accessToken, func(tx store.Tx, u *store.User) error {
		p, err := store.GetPool(tx, u.PoolID)
		if err != nil {
			return err
		}
		verify, aerr := setAttributes(p, u, attrs, nil, false)
		if aerr != nil {
			return aerr
		}
		for _, a := range verify {
			msgs = append(msgs, s.pendingCode(u, a, codes[a]))
			out = append(out, *delivery(u, mediumOf(a), a))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		s.send(m)
	}
	return out, nil
}

// GetUserAttributeVerificationCode sends a code to verify the e-mail
// address or phone number of an access token's user.
func (s *Service) GetUserAttributeVerificationCode(accessToken, attr string) (*CodeDelivery, *Error) {
	if !slices.Contains(verifiable, attr) {
		return nil, errParam("Invalid attribute name %q: only email and phone_number can be verified", attr)
	}
	code, err := s.newCode()
	if err != nil {
		return nil, err
	}
	var msg Message
	var out *CodeDelivery
	err = s.accessEdit(accessToken, func(tx store.Tx, u *store.User) error {
		if u.Attrs[attr] == "" {
			return errParam("Invalid attribute name %q: the user has no %s", attr, attr)
		}
		msg = s.pendingCode(u, attr, code)
		out = delivery(u, mediumOf(attr), attr)
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.send(msg)
	return out, nil
}

// VerifyUserAttribute checks a verification code (in constant time;
// single use) and marks the attribute verified.
func (s *Service) VerifyUserAttribute(accessToken, attr, code string) *Error {
	if code == "" {
		return validation("Value null at 'code' failed to satisfy constraint: Member must not be null")
	}
	if !slices.Contains(verifiable, attr) {
		return errParam("Invalid attribute name %q: only email and phone_number can be verified", attr)
	}
	return s.accessEdit(accessToken, func(tx store.Tx, u *store.User) error {
		pc, ok := u.VerifyCodes[attr]
		if !ok || !codeEqual(pc.Code, code) {
			return apiErr("CodeMismatchException", msgCodeWrong)
		}
		if !s.now().Before(pc.Expires) {
			return apiErr("ExpiredCodeException", msgCodeExpired)
		}
		delete(u.VerifyCodes, attr)
		u.Attrs[attr+"_verified"] = "true"
		return nil
	})
}

// DeleteUserAttributes removes attributes of an access token's user.
func (s *Service) DeleteUserAttributes(accessToken string, names []string) *Error {
	if len(names) == 0 {
		return validation("Value null at 'userAttributeNames' failed to satisfy constraint: Member must not be null")
	}
	return s.accessEdit(accessToken, func(tx store.Tx, u *store.User) error {
		p, err := store.GetPool(tx, u.PoolID)
		if err != nil {
			return err
		}
		if _, aerr := setAttributes(p, u, nil, names, false); aerr != nil {
			return aerr
		}
		return nil
	})
}

// AdminDeleteUserAttributes removes attributes of a user named by an
// admin.
func (s *Service) AdminDeleteUserAttributes(poolID, username string, names []string) *Error {
	if len(names) == 0 {
		return validation("Value null at 'userAttributeNames' failed to satisfy constraint: Member must not be null")
	}
	return s.adminEdit(poolID, username, func(tx store.Tx, u *store.User) error {
		p, err := store.GetPool(tx, u.PoolID)
		if err != nil {
			return err
		}
		if _, aerr := setAttributes(p, u, nil, names, true); aerr != nil {
			return aerr
		}
		return nil
	})
}

// DeleteUser deletes an access token's user with its devices, sign-ins
// and memberships.
func (s *Service) DeleteUser(accessToken string) *Error {
	return s.accessUpdate(accessToken, func(tx store.Tx, u *store.User) error {
		return store.DeleteUser(tx, u.PoolID, u.Username)
	})
}
