package userpool

import (
	"slices"
	"time"

	"github.com/caldera-srp/caldera/idp/store"
)

// verifyCodeTTL is how long an attribute verification code stays valid.
const verifyCodeTTL = 24 * time.Hour

// maxAttrName is the longest attribute name (botocore AttributeNameType:
// 1–32).
const maxAttrName = 32

// verifiable are the attributes that take a verification code.
var verifiable = []string{"email", "phone_number"}

// setAttributes is the one place where the user-side and admin
// attribute operations of this file write attributes (UpdateUserAttributes,
// DeleteUserAttributes, AdminDeleteUserAttributes): it validates each
// change and applies it to u. set holds the attributes to write, del the
// names to remove; w says who writes (byUser: through cl, the access
// token's client).
//
// Every name, written or removed, passes the pool's schema as any other
// write path's (checkAttributes, idp/doc.go "Attributes"): unknown
// attributes, sub and immutable ones are refused; a user never writes or
// removes *_verified or dev: attributes, nor one outside the client's
// WriteAttributes. A required attribute is never removed, nor a username
// attribute. Changes go through changeAttributes: a changed e-mail
// address or phone number becomes unverified (unless an admin sets its
// *_verified in the same call). The returned names are those changed that
// the pool auto-verifies, for which the caller sends a code. The caller
// stores u with putUser (through editUser or adminEdit), which refuses an
// alias another user holds.
func setAttributes(p *store.Pool, cl *store.Client, u *store.User, set []Attribute, del []string, w writer) (verify []string, err *Error) {
	m := make(map[string]string, len(set))
	for _, a := range set {
		if err := checkAttrName(a.Name); err != nil {
			return nil, err
		}
		m[a.Name] = a.Value
	}
	if err := checkAttributes(p, cl, m, w); err != nil {
		return nil, err
	}
	gone := make(map[string]string, len(del))
	for _, n := range del {
		if err := checkAttrName(n); err != nil {
			return nil, err
		}
		gone[n] = ""
	}
	if err := checkAttributes(p, cl, gone, w); err != nil {
		return nil, err
	}
	for _, n := range del {
		if def, _ := schemaAttr(p, n); def.Required {
			return nil, errParam("Attributes did not conform to the schema: %s: The attribute is required", n)
		}
		if slices.Contains(p.UsernameAttributes, n) {
			return nil, errParam("Cannot delete %s: it is a username attribute of the user pool.", n)
		}
	}
	for _, a := range verifiable {
		v, ok := m[a]
		if _, explicit := m[a+"_verified"]; !ok || explicit || v == "" || u.Attrs[a] == v {
			continue
		}
		if slices.Contains(p.AutoVerified, a) {
			verify = append(verify, a)
		}
	}
	changeAttributes(u, m)
	for _, n := range del {
		delete(u.Attrs, n)
		if slices.Contains(verifiable, n) {
			delete(u.Attrs, n+"_verified")
			delete(u.VerifyCodes, n)
		}
	}
	return verify, nil
}

// attributeEdit is accessEdit for the user-side attribute writes: fn
// also gets the pool and the access token's app client, whose
// WriteAttributes bound what the user writes.
func (s *Service) attributeEdit(token string, fn func(p *store.Pool, cl *store.Client, u *store.User) error) *Error {
	c, err := s.verifyAccess(token)
	if err != nil {
		return err
	}
	return s.update(func(tx store.Tx) error {
		u, err := accessUser(tx, c)
		if err != nil {
			return err
		}
		p, err := store.GetPool(tx, u.PoolID)
		if err != nil {
			return err
		}
		cl, err := store.GetClient(tx, c.String("client_id"))
		if err != nil {
			return err
		}
		if p == nil || cl == nil || cl.PoolID != u.PoolID {
			return apiErr("NotAuthorizedException", msgBadAccessToken)
		}
		if err := fn(p, cl, u); err != nil {
			return err
		}
		return s.editUser(tx, u, func(*store.User) {})
	})
}

// checkAttrName refuses names that are empty or too long (botocore
// AttributeNameType), before the schema is asked.
func checkAttrName(name string) *Error {
	switch {
	case name == "":
		return validation("Value null at 'userAttributes.member.name' failed to satisfy constraint: Member must not be null")
	case len([]rune(name)) > maxAttrName:
		return validation("Value '%s' at 'userAttributes.member.name' failed to satisfy constraint: Member must have length less than or equal to 32", name)
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
	err := s.attributeEdit(accessToken, func(p *store.Pool, cl *store.Client, u *store.User) error {
		verify, aerr := setAttributes(p, cl, u, attrs, nil, byUser)
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
// single use) and marks the attribute verified. Wrong codes count as
// ConfirmSignUp's do (idp/doc.go, "One-time codes"): the fifth locks the
// user's verification codes (LimitExceededException, even for the right
// code) and voids the pending ones; the count is written in the request's
// own transaction.
func (s *Service) VerifyUserAttribute(accessToken, attr, code string) *Error {
	if code == "" {
		return validation("Value null at 'code' failed to satisfy constraint: Member must not be null")
	}
	if !slices.Contains(verifiable, attr) {
		return errParam("Invalid attribute name %q: only email and phone_number can be verified", attr)
	}
	var refusal *Error
	err := s.accessEdit(accessToken, func(tx store.Tx, u *store.User) error {
		locked, err := s.codeLocked(tx, u.PoolID, u.Username, codeKindVerify)
		if err != nil {
			return err
		}
		if locked {
			return errCodeLimit()
		}
		pc, ok := u.VerifyCodes[attr]
		if !ok || !codeEqual(pc.Code, code) {
			// Counted in this transaction, which commits; at the limit
			// the pending codes are void.
			lockedNow, err := s.codeFailed(tx, u.PoolID, u.Username, codeKindVerify)
			if err != nil {
				return err
			}
			if lockedNow {
				u.VerifyCodes = nil
			}
			refusal = apiErr("CodeMismatchException", msgCodeWrong)
			return nil
		}
		if !s.now().Before(pc.Expires) {
			return apiErr("ExpiredCodeException", msgCodeExpired)
		}
		if err := s.codeAccepted(tx, u.PoolID, u.Username, codeKindVerify); err != nil {
			return err
		}
		delete(u.VerifyCodes, attr)
		u.Attrs[attr+"_verified"] = "true"
		return nil
	})
	if err != nil {
		return err
	}
	return refusal
}

// DeleteUserAttributes removes attributes of an access token's user.
func (s *Service) DeleteUserAttributes(accessToken string, names []string) *Error {
	if len(names) == 0 {
		return validation("Value null at 'userAttributeNames' failed to satisfy constraint: Member must not be null")
	}
	return s.attributeEdit(accessToken, func(p *store.Pool, cl *store.Client, u *store.User) error {
		if _, aerr := setAttributes(p, cl, u, nil, names, byUser); aerr != nil {
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
		if _, aerr := setAttributes(p, nil, u, nil, names, byAdmin); aerr != nil {
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
