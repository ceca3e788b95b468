package wire

import (
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
