package userpool

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/caldera-srp/caldera/idp/store"
)

// UpdatePoolInput is UpdateUserPool's request. As in Cognito, a setting
// left out is reset to its default (MFA OFF, the default password policy,
// no auto-verified attributes, no device tracking); Name and Tags left
// out are kept.
type UpdatePoolInput struct {
	PoolID         string
	Name           *string
	MFA            string
	PasswordPolicy *store.PasswordPolicy
	AutoVerified   []string
	Device         *store.DeviceConfiguration
	Tags           map[string]string
}

// UpdatePool applies UpdateUserPool.
func (s *Service) UpdatePool(in UpdatePoolInput) *Error {
	mfa := in.MFA
	if mfa == "" {
		mfa = "OFF"
	}
	if mfa != "OFF" && mfa != "ON" && mfa != "OPTIONAL" {
		return validation("Value '%s' at 'mfaConfiguration' failed to satisfy constraint: Member must satisfy enum value set: [OFF, ON, OPTIONAL]", mfa)
	}
	for _, a := range in.AutoVerified {
		if a != "email" && a != "phone_number" {
			return validation("Value '[%s]' at 'autoVerifiedAttributes' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [phone_number, email]]", a)
		}
	}
	if in.Name != nil && (*in.Name == "" || len(*in.Name) > 128) {
		return validation("Value '%s' at 'poolName' failed to satisfy constraint: Member must have length between 1 and 128", *in.Name)
	}
	if err := checkTags(in.Tags); err != nil {
		return err
	}
	pol := DefaultPasswordPolicy
	if in.PasswordPolicy != nil {
		pol = *in.PasswordPolicy
		if pol.MinimumLength <= 0 {
			pol.MinimumLength = 8
		}
		if pol.MinimumLength < 6 || pol.MinimumLength > 99 {
			return validation("Value '%d' at 'policies.passwordPolicy.minimumLength' failed to satisfy constraint: Member must have value between 6 and 99", pol.MinimumLength)
		}
	}
	return s.update(func(tx store.Tx) error {
		p, err := poolIn(tx, in.PoolID)
		if err != nil {
			return err
		}
		if in.Name != nil {
			p.Name = *in.Name
		}
		p.MFA, p.PasswordPolicy, p.AutoVerified, p.Device = mfa, pol, in.AutoVerified, in.Device
		if p.MFA != "OFF" && !p.SoftwareTokenMFA && !p.SMSMFA && !p.EmailMFA {
			p.SoftwareTokenMFA = true
		}
		if in.Tags != nil {
			p.Tags = maps.Clone(in.Tags)
		}
		p.ModifiedAt = s.now()
		return store.PutPool(tx, p)
	})
}

// DeletePool deletes a pool with its clients, users and groups.
func (s *Service) DeletePool(poolID string) *Error {
	err := s.update(func(tx store.Tx) error {
		if _, err := poolIn(tx, poolID); err != nil {
			return err
		}
		return store.DeletePool(tx, poolID)
	})
	if err == nil {
		// The pool's key went with it (meta poolkey/ID); its tokens no
		// longer verify.
		s.issuers.Delete(poolID)
	}
	return err
}

// UpdateClientInput is UpdateUserPoolClient's request. As in Cognito,
// settings left out return to their defaults (the default auth flows and
// token lifetimes, rotation DISABLED, no Read/WriteAttributes bound,
// PreventUserExistenceErrors ENABLED as at CreateClient, no OAuth flows,
// scopes or URLs); a name left out is kept.
type UpdateClientInput struct {
	PoolID, ClientID string
	Name             *string
	Flows            []string
	AccessTTL        time.Duration
	IDTTL            time.Duration
	RefreshTTL       time.Duration
	Rotation         *store.RefreshTokenRotation
	ReadAttributes   []string
	WriteAttributes  []string
	// PreventUserExistenceErrors: ENABLED (also when empty) or LEGACY.
	PreventUserExistenceErrors string
	// OAuth replaces the client's OAuth 2.0 settings (left out: none).
	OAuth OAuthClient
}

// UpdateClient applies UpdateUserPoolClient and returns the client.
func (s *Service) UpdateClient(in UpdateClientInput) (*store.Client, *Error) {
	for _, f := range in.Flows {
		if !slices.Contains(knownFlows, f) {
			return nil, errParam("Invalid ExplicitAuthFlows value %q", f)
		}
	}
	if err := checkRotation(in.Rotation); err != nil {
		return nil, err
	}
	prevent, perr := preventSetting(in.PreventUserExistenceErrors)
	if perr != nil {
		return nil, perr
	}
	if in.Name != nil && (*in.Name == "" || len(*in.Name) > 128) {
		return nil, validation("Value '%s' at 'clientName' failed to satisfy constraint: Member must have length between 1 and 128", *in.Name)
	}
	var cl *store.Client
	err := s.update(func(tx store.Tx) error {
		var err error
		if cl, err = poolClient(tx, in.PoolID, in.ClientID); err != nil {
			return err
		}
		if err := checkOAuthFlows(in.OAuth, cl.Secret != ""); err != nil {
			return err
		}
		if err := checkOAuthScopes(tx, in.PoolID, in.OAuth.AllowedOAuthScopes); err != nil {
			return err
		}
		if in.Name != nil {
			cl.Name = *in.Name
		}
		in.OAuth.apply(cl)
		cl.Flows = in.Flows
		if len(cl.Flows) == 0 {
			cl.Flows = []string{"ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
		}
		cl.AccessTTL, cl.IDTTL, cl.RefreshTTL, cl.RefreshRotation = in.AccessTTL, in.IDTTL, in.RefreshTTL, in.Rotation
		cl.ReadAttributes, cl.WriteAttributes, cl.PreventUserExistenceErrors = in.ReadAttributes, in.WriteAttributes, prevent
		cl.ModifiedAt = s.now()
		return store.PutClient(tx, cl)
	})
	return cl, err
}

// poolClient finds an app client of a pool.
func poolClient(tx store.Tx, poolID, clientID string) (*store.Client, error) {
	if _, err := poolIn(tx, poolID); err != nil {
		return nil, err
	}
	cl, err := clientFor(tx, clientID)
	if err != nil {
		return nil, err
	}
	if cl.PoolID != poolID {
		return nil, errNotFound("User pool client %s does not exist.", clientID)
	}
	return cl, nil
}

// DeleteClient deletes an app client and the sign-ins made through it.
func (s *Service) DeleteClient(poolID, clientID string) *Error {
	return s.update(func(tx store.Tx) error {
		if _, err := poolClient(tx, poolID, clientID); err != nil {
			return err
		}
		return store.DeleteClient(tx, clientID)
	})
}

// SigningCertificate returns the base64 DER of a self-signed X.509
// certificate of the pool's token signing key (GetSigningCertificate).
func (s *Service) SigningCertificate(poolID string) (string, *Error) {
	is, ierr := s.issuerFor(poolID)
	if ierr != nil {
		return "", ierr
	}
	c, err := is.Certificate(poolID, s.now())
	if err != nil {
		return "", errInternal(err)
	}
	return c, nil
}

// Tag limits of botocore's UserPoolTagsType (at most 50), TagKeysType
// (1–128) and TagValueType (at most 256).
const (
	maxTags     = 50
	maxTagKey   = 128
	maxTagValue = 256
)

func checkTags(tags map[string]string) *Error {
	if len(tags) > maxTags {
		return validation("Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50")
	}
	for k, v := range tags {
		if k == "" || len(k) > maxTagKey {
			return validation("Value '%s' at 'tags' failed to satisfy constraint: Map keys must have length between 1 and 128", k)
		}
		if len(v) > maxTagValue {
			return validation("Value at 'tags.%s' failed to satisfy constraint: Map values must have length less than or equal to 256", k)
		}
	}
	return nil
}

// poolOfARN is the pool id of a user pool ARN
// (arn:aws:cognito-idp:<region>:<account>:userpool/<id>).
func poolOfARN(arn string) (string, *Error) {
	parts := strings.SplitN(arn, ":", 6)
	if arn == "" {
		return "", validation("Value null at 'resourceArn' failed to satisfy constraint: Member must not be null")
	}
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "cognito-idp" || !strings.HasPrefix(parts[5], "userpool/") {
		return "", errParam("Invalid ARN %s: not a user pool ARN", arn)
	}
	return strings.TrimPrefix(parts[5], "userpool/"), nil
}

// Tags returns the tags of a user pool by ARN.
func (s *Service) Tags(arn string) (map[string]string, *Error) {
	id, err := poolOfARN(arn)
	if err != nil {
		return nil, err
	}
	p, err := s.Pool(id)
	if err != nil {
		return nil, err
	}
	if p.Tags == nil {
		return map[string]string{}, nil
	}
	return p.Tags, nil
}

// TagPool adds (and replaces) tags of a user pool by ARN; the pool keeps
// at most 50.
func (s *Service) TagPool(arn string, tags map[string]string) *Error {
	if tags == nil {
		return validation("Value null at 'tags' failed to satisfy constraint: Member must not be null")
	}
	return s.editTags(arn, func(t map[string]string) { maps.Copy(t, tags) }, tags)
}

// UntagPool removes tags of a user pool by ARN.
func (s *Service) UntagPool(arn string, keys []string) *Error {
	if keys == nil {
		return validation("Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")
	}
	return s.editTags(arn, func(t map[string]string) {
		for _, k := range keys {
			delete(t, k)
		}
	}, nil)
}

func (s *Service) editTags(arn string, f func(map[string]string), check map[string]string) *Error {
	id, err := poolOfARN(arn)
	if err != nil {
		return err
	}
	if err := checkTags(check); err != nil {
		return err
	}
	return s.update(func(tx store.Tx) error {
		p, err := poolIn(tx, id)
		if err != nil {
			return err
		}
		t := maps.Clone(p.Tags)
		if t == nil {
			t = map[string]string{}
		}
		f(t)
		if err := checkTags(t); err != nil {
			return err
		}
		p.Tags = t
		if len(t) == 0 {
			p.Tags = nil
		}
		return store.PutPool(tx, p)
	})
}
