package wire

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/caldera-srp/caldera/idp/userpool"
)

// checker is a request that validates its members as Cognito does before
// the operation runs (botocore's required members and lengths); handle
// calls it after decoding.
type checker interface{ check() *userpool.Error }

// field is a required string member of a request.
type field struct {
	name  string // the member's name as Cognito's messages spell it
	value string
	max   int // 0: no limit
}

// required refuses the first of fields that is missing or too long, with
// Cognito's validation message.
func required(fields ...field) *userpool.Error {
	for _, f := range fields {
		if f.value == "" {
			return userpool.ErrParam("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", f.name)
		}
		if f.max > 0 && len([]rune(f.value)) > f.max {
			return userpool.ErrParam("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", f.name, f.max)
		}
	}
	return nil
}

// Limits of botocore's UserPoolIdType (55) and UsernameType (128).
const (
	maxPoolID   = 55
	maxUsername = 128
)

func (in *adminUserIn) check() *userpool.Error {
	return required(field{"userPoolId", in.UserPoolId, maxPoolID}, field{"username", in.Username, maxUsername})
}

func (in *userGroupIn) check() *userpool.Error {
	return required(field{"userPoolId", in.UserPoolId, maxPoolID}, field{"username", in.Username, maxUsername}, field{"groupName", in.GroupName, 128})
}

func (in *groupIn) check() *userpool.Error {
	return required(field{"userPoolId", in.UserPoolId, maxPoolID}, field{"groupName", in.GroupName, 128})
}

func (in *clientUserIn) check() *userpool.Error {
	return required(field{"clientId", in.ClientId, 128}, field{"username", in.Username, maxUsername})
}

func (in *confirmForgotIn) check() *userpool.Error {
	return required(field{"clientId", in.ClientId, 128}, field{"username", in.Username, maxUsername},
		field{"confirmationCode", in.ConfirmationCode, 2048}, field{"password", in.Password, 256})
}

// membersJSON lists, for each of Cognito's operations, the members of
// its input shape that botocore's model marks required or limits in
// length, in the model's order: name, JSON type, required, and for
// strings the maximum length. members.py makes it from botocore 1.43.11's
// data/cognito-idp/2016-04-18/service-2.json.gz (idp's
// TestMembersMatchBotocore runs it and compares).
//
//go:embed members.json
var membersJSON []byte

// member is one entry of members.json; field is its name as Cognito's
// messages spell it (lower camel case).
type member struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Required bool   `json:"required"`
	Max      int    `json:"max"`
	field    string
}

var opMembers = sync.OnceValue(func() map[string][]member {
	var m map[string][]member
	if err := json.Unmarshal(membersJSON, &m); err != nil {
		panic("idp/wire: members.json: " + err.Error())
	}
	for _, ms := range m {
		for i := range ms {
			ms[i].field = strings.ToLower(ms[i].Name[:1]) + ms[i].Name[1:]
		}
	}
	return m
})

// checkMembers refuses, with Cognito's validation message for the first
// member at fault, a request that leaves out a member the model marks
// required (or sends it as null), or sends a string longer than the
// model's limit (in characters). handle calls it after the body has
// decoded (a body that does not is a SerializationException first, as in
// AWS's protocols) and before the operation looks anything up.
func checkMembers(op string, body []byte) *userpool.Error {
	ms := opMembers()[op]
	if len(ms) == 0 {
		return nil
	}
	var m map[string]json.RawMessage
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &m); err != nil {
			return nil
		}
	}
	for _, mb := range ms {
		v, ok := m[mb.Name]
		if !ok || bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			if mb.Required {
				return userpool.ErrParam("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", mb.field)
			}
			continue
		}
		// A string has no more characters than its JSON has bytes: only
		// a long one is decoded to count them.
		if mb.Max > 0 && len(v)-2 > mb.Max {
			var str string
			if json.Unmarshal(v, &str) == nil && utf8.RuneCountInString(str) > mb.Max {
				return userpool.ErrParam("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", mb.field, mb.Max)
			}
		}
	}
	return nil
}
