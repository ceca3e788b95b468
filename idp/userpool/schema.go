package userpool

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/caldera-srp/caldera/idp/store"
)

// StandardAttributes are Cognito's standard user attributes (OpenID
// Connect Core Section 5.1 and Cognito's user-pool attribute list), with
// sub, which no one writes. Every other attribute is custom:NAME or
// dev:NAME, declared in the pool's schema.
var StandardAttributes = []string{
	"address", "birthdate", "email", "email_verified", "family_name", "gender", "given_name", "locale",
	"middle_name", "name", "nickname", "phone_number", "phone_number_verified", "picture",
	"preferred_username", "profile", "sub", "updated_at", "website", "zoneinfo",
}

// standardSchema is a standard attribute's default definition.
func standardSchema(name string) store.SchemaAttribute {
	a := store.SchemaAttribute{Name: name, DataType: "String", Mutable: true}
	switch name {
	case "sub":
		a.Mutable, a.Required = false, true
	case "email_verified", "phone_number_verified":
		a.DataType = "Boolean"
	case "updated_at":
		a.DataType = "Number"
	}
	return a
}

// Schema returns a pool's attributes: the standard ones (with the pool's
// settings where it declared them) and then its custom and developer-only
// ones, as DescribeUserPool's SchemaAttributes lists them.
func Schema(p *store.Pool) []store.SchemaAttribute {
	out := make([]store.SchemaAttribute, 0, len(StandardAttributes)+len(p.Schema))
	for _, n := range StandardAttributes {
		a := standardSchema(n)
		if i := slices.IndexFunc(p.Schema, func(x store.SchemaAttribute) bool { return x.Name == n }); i >= 0 {
			a = p.Schema[i]
		}
		out = append(out, a)
	}
	for _, a := range p.Schema {
		if !slices.Contains(StandardAttributes, a.Name) {
			out = append(out, a)
		}
	}
	return out
}

// schemaAttr returns the definition of an attribute in a pool, or false
// when the pool's schema has no such attribute.
func schemaAttr(p *store.Pool, name string) (store.SchemaAttribute, bool) {
	if i := slices.IndexFunc(p.Schema, func(x store.SchemaAttribute) bool { return x.Name == name }); i >= 0 {
		return p.Schema[i], true
	}
	if slices.Contains(StandardAttributes, name) {
		return standardSchema(name), true
	}
	return store.SchemaAttribute{}, false
}

// SchemaAttributeInput is one attribute of CreateUserPool's Schema or
// AddCustomAttributes' CustomAttributes (Cognito's SchemaAttributeType):
// Name without its custom: or dev: prefix.
type SchemaAttributeInput struct {
	Name              string `json:"Name"`
	AttributeDataType string `json:"AttributeDataType,omitempty"` // String (default), Number, DateTime, Boolean
	Mutable           *bool  `json:"Mutable,omitempty"`           // default true
	Required          bool   `json:"Required,omitempty"`
	DeveloperOnly     bool   `json:"DeveloperOnlyAttribute,omitempty"`
}

// declare turns schema inputs into pool definitions: a standard name
// changes that attribute's settings (custom: false), any other declares
// custom:NAME (dev:NAME when developer-only), 1 to 20 characters
// (botocore CustomAttributeNameType). Names already in have are refused.
func declare(have []store.SchemaAttribute, in []SchemaAttributeInput, custom bool) ([]store.SchemaAttribute, *Error) {
	out := slices.Clone(have)
	for _, a := range in {
		n := utf8.RuneCountInString(a.Name)
		if n < 1 || n > 20 || strings.ContainsAny(a.Name, " \t\r\n") {
			return nil, errParam("1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must have length between 1 and 20", a.Name)
		}
		dt := a.AttributeDataType
		if dt == "" {
			dt = "String"
		}
		if !slices.Contains([]string{"String", "Number", "DateTime", "Boolean"}, dt) {
			return nil, errParam("Invalid AttributeDataType input, consider using the provided AttributeDataType enum.")
		}
		def := store.SchemaAttribute{Name: a.Name, DataType: dt, Mutable: a.Mutable == nil || *a.Mutable, Required: a.Required, DeveloperOnly: a.DeveloperOnly}
		switch {
		case !custom && slices.Contains(StandardAttributes, a.Name):
			if a.Name == "sub" || strings.HasSuffix(a.Name, "_verified") {
				return nil, errParam("%s cannot be declared in a schema.", a.Name)
			}
			def.DataType = standardSchema(a.Name).DataType
		case a.DeveloperOnly:
			def.Name = "dev:" + a.Name
		default:
			def.Name = "custom:" + a.Name
		}
		if slices.ContainsFunc(out, func(x store.SchemaAttribute) bool { return x.Name == def.Name }) {
			return nil, errParam("Existing attribute already has name %s.", def.Name)
		}
		out = append(out, def)
	}
	if n := slices.IndexFunc(out, func(x store.SchemaAttribute) bool { return !slices.Contains(StandardAttributes, x.Name) }); n >= 0 &&
		len(out)-n > 50 {
		return nil, errParam("A user pool can have at most 50 custom attributes.")
	}
	return out, nil
}

// AddCustomAttributes declares custom attributes in a pool.
func (s *Service) AddCustomAttributes(poolID string, attrs []SchemaAttributeInput) *Error {
	if len(attrs) == 0 {
		return errParam("1 validation error detected: Value null at 'customAttributes' failed to satisfy constraint: Member must not be null")
	}
	return s.update(func(tx store.Tx) error {
		p, err := store.GetPool(tx, poolID)
		if err != nil {
			return err
		}
		if p == nil {
			return errPoolNotFound(poolID)
		}
		sc, derr := declare(p.Schema, attrs, true)
		if derr != nil {
			return derr
		}
		p.Schema, p.ModifiedAt = sc, s.now()
		return store.PutPool(tx, p)
	})
}

// Who writes attributes: checkAttributes applies different rules.
type writer int

const (
	byAdmin  writer = iota // IAM-authorised operations and the Go API (seed)
	byUser                 // SignUp, NEW_PASSWORD_REQUIRED, UpdateUserAttributes: the user, through an app client
	creating               // flag: the user is being created (immutable attributes may be set)
)

// maxAttrValue is the longest attribute value (botocore
// AttributeValueType: max 2048).
const maxAttrValue = 2048

// msgUnauthorizedAttr is Cognito's refusal of an attribute the app client
// may not write (WriteAttributes).
const msgUnauthorizedAttr = "A client attempted to write unauthorized attribute"

// checkAttributes applies a pool's schema to attributes about to be
// written (idp/doc.go, "Attributes"): every name is a standard attribute
// or one the pool declared (else InvalidParameterException "Attributes did
// not conform to the schema: NAME: Attribute does not exist in the
// schema." per attribute); sub, and an immutable attribute of an existing
// user, are never written; a user (byUser) never writes *_verified or dev:
// attributes, nor (when the client lists them) one outside the client's
// WriteAttributes (NotAuthorizedException). Every write path calls it:
// UpdateUserAttributes (byUser, with the access token's client) must too.
func checkAttributes(p *store.Pool, cl *store.Client, attrs map[string]string, w writer) *Error {
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	slices.Sort(names)
	var unknown, immutable []string
	for _, n := range names {
		def, ok := schemaAttr(p, n)
		switch {
		case !ok:
			unknown = append(unknown, n)
		case n == "sub" || (!def.Mutable && w&creating == 0):
			immutable = append(immutable, n)
		}
	}
	if len(unknown) > 0 {
		var b strings.Builder
		b.WriteString("Attributes did not conform to the schema: ")
		for _, n := range unknown {
			b.WriteString(n + ": Attribute does not exist in the schema.\n")
		}
		return errParam("%s", b.String())
	}
	for _, n := range names {
		if utf8.RuneCountInString(attrs[n]) > maxAttrValue {
			return errParam("1 validation error detected: Value at 'userAttributes.%s.member.value' failed to satisfy constraint: Member must have length less than or equal to %d", n, maxAttrValue)
		}
	}
	if len(immutable) > 0 {
		var b strings.Builder
		b.WriteString("Attributes did not conform to the schema: ")
		for _, n := range immutable {
			b.WriteString(n + ": Attribute cannot be updated. (changing an immutable attribute)\n")
		}
		return errParam("%s", b.String())
	}
	if w&byUser != 0 {
		for _, n := range names {
			if strings.HasSuffix(n, "_verified") || strings.HasPrefix(n, "dev:") ||
				(cl != nil && len(cl.WriteAttributes) > 0 && !slices.Contains(cl.WriteAttributes, n)) {
				return apiErr("NotAuthorizedException", msgUnauthorizedAttr)
			}
		}
	}
	return nil
}

// readable returns the attributes an app client's ID tokens carry: all
// but dev: ones, or (when the client lists them) its ReadAttributes.
func readable(cl *store.Client, attrs map[string]string) map[string]string {
	out := make(map[string]string, len(attrs))
	for k, v := range attrs {
		if strings.HasPrefix(k, "dev:") || (cl != nil && len(cl.ReadAttributes) > 0 && !slices.Contains(cl.ReadAttributes, k)) {
			continue
		}
		out[k] = v
	}
	return out
}

// changeAttributes writes attrs (checked by checkAttributes) into u. A
// changed email or phone_number
// is unproven: its *_verified flag becomes "false" unless the same write
// sets it (which only an admin may do), as Cognito's
// AdminUpdateUserAttributes documents.
func changeAttributes(u *store.User, attrs map[string]string) {
	for k, v := range attrs {
		if (k == "email" || k == "phone_number") && u.Attrs[k] != v {
			if _, set := attrs[k+"_verified"]; !set {
				u.Attrs[k+"_verified"] = "false"
			}
		}
	}
	for k, v := range attrs {
		u.Attrs[k] = v
	}
}
