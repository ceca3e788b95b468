package wire

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"strings"
	"sync"

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

// requiredJSON lists, for each of Cognito's operations, the members
// botocore's model marks required in its input shape, in the model's
// order, each with its JSON type. It is generated from botocore 1.43.11's
// data/cognito-idp/2016-04-18/service-2.json.gz (idp's
// TestRequiredMembersMatchBotocore runs the same program and compares):
//
//	import botocore, os, gzip, json
//	m = json.load(gzip.open(os.path.join(os.path.dirname(botocore.__file__),
//	    "data/cognito-idp/2016-04-18/service-2.json.gz")))
//	s = m["shapes"]
//	def req(o):
//	    sh = s[o["input"]["shape"]] if "input" in o else {}
//	    return [[r, s[sh["members"][r]["shape"]]["type"]] for r in sh.get("required", [])]
//	print(json.dumps({n: req(o) for n, o in sorted(m["operations"].items())}))
//
//go:embed required.json
var requiredJSON []byte

// requiredMembers maps an operation to its required members' names.
var requiredMembers = sync.OnceValue(func() map[string][]string {
	var m map[string][][2]string
	if err := json.Unmarshal(requiredJSON, &m); err != nil {
		panic("idp/wire: required.json: " + err.Error())
	}
	out := make(map[string][]string, len(m))
	for op, members := range m {
		for _, mt := range members {
			out[op] = append(out[op], mt[0])
		}
	}
	return out
})

// checkRequired refuses a request that leaves out a member the model
// marks required, or sends it as null, with Cognito's validation message
// for the first one missing. handle calls it after the body has decoded
// (a body that does not is a SerializationException first, as in AWS's
// protocols) and before the operation looks anything up.
func checkRequired(op string, body []byte) *userpool.Error {
	req := requiredMembers()[op]
	if len(req) == 0 {
		return nil
	}
	var m map[string]json.RawMessage
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &m); err != nil {
			return nil
		}
	}
	for _, name := range req {
		if v, ok := m[name]; !ok || bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			return userpool.ErrParam("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null",
				strings.ToLower(name[:1])+name[1:])
		}
	}
	return nil
}
