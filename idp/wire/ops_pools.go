package wire

import (
	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/idp/userpool"
)

func init() {
	register(map[string]opHandler{
		// Pools and app clients.
		"UpdateUserPool":        handle(opUpdateUserPool),
		"DeleteUserPool":        handle(opDeleteUserPool),
		"UpdateUserPoolClient":  handle(opUpdateUserPoolClient),
		"DeleteUserPoolClient":  handle(opDeleteUserPoolClient),
		"GetSigningCertificate": handle(opGetSigningCertificate),
		// Tags (kept, nothing more).
		"ListTagsForResource": handle(opListTagsForResource),
		"TagResource":         handle(opTagResource),
		"UntagResource":       handle(opUntagResource),
	})
}

type updatePoolIn struct {
	UserPoolId             string
	PoolName               *string
	MfaConfiguration       string
	AutoVerifiedAttributes []string
	DeviceConfiguration    *store.DeviceConfiguration
	Policies               *struct{ PasswordPolicy *store.PasswordPolicy }
	UserPoolTags           map[string]string
}

func opUpdateUserPool(svc *userpool.Service, c *call, in *updatePoolIn) (any, *userpool.Error) {
	req := userpool.UpdatePoolInput{
		PoolID: in.UserPoolId, Name: in.PoolName, MFA: in.MfaConfiguration, AutoVerified: in.AutoVerifiedAttributes,
		Device: in.DeviceConfiguration, Tags: in.UserPoolTags,
	}
	if in.Policies != nil {
		req.PasswordPolicy = in.Policies.PasswordPolicy
	}
	return done(svc.UpdatePool(req))
}

func opDeleteUserPool(svc *userpool.Service, c *call, in *poolIDIn) (any, *userpool.Error) {
	return done(svc.DeletePool(in.UserPoolId))
}

type updateClientIn struct {
	createClientIn
	ClientId   string
	ClientName *string
}

func opUpdateUserPoolClient(svc *userpool.Service, c *call, in *updateClientIn) (any, *userpool.Error) {
	var units struct{ AccessToken, IdToken, RefreshToken string }
	if in.TokenValidityUnits != nil {
		units = *in.TokenValidityUnits
	}
	cl, err := svc.UpdateClient(userpool.UpdateClientInput{
		PoolID: in.UserPoolId, ClientID: in.ClientId, Name: in.ClientName, Flows: in.ExplicitAuthFlows,
		AccessTTL:      validity(in.AccessTokenValidity, units.AccessToken, "hours"),
		IDTTL:          validity(in.IdTokenValidity, units.IdToken, "hours"),
		RefreshTTL:     validity(in.RefreshTokenValidity, units.RefreshToken, "days"),
		Rotation:       in.RefreshTokenRotation,
		ReadAttributes: in.ReadAttributes, WriteAttributes: in.WriteAttributes,
		PreventUserExistenceErrors: in.PreventUserExistenceErrors,
		OAuth:                      in.OAuthClient,
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"UserPoolClient": clientOut(cl)}, nil
}

func opDeleteUserPoolClient(svc *userpool.Service, c *call, in *describeClientIn) (any, *userpool.Error) {
	return done(svc.DeleteClient(in.UserPoolId, in.ClientId))
}

func opGetSigningCertificate(svc *userpool.Service, c *call, in *poolIDIn) (any, *userpool.Error) {
	cert, err := svc.SigningCertificate(in.UserPoolId)
	if err != nil {
		return nil, err
	}
	return map[string]string{"Certificate": cert}, nil
}

type tagsIn struct {
	ResourceArn string
	Tags        map[string]string
	TagKeys     []string
}

func opListTagsForResource(svc *userpool.Service, c *call, in *tagsIn) (any, *userpool.Error) {
	t, err := svc.Tags(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Tags": t}, nil
}

func opTagResource(svc *userpool.Service, c *call, in *tagsIn) (any, *userpool.Error) {
	return done(svc.TagPool(in.ResourceArn, in.Tags))
}

func opUntagResource(svc *userpool.Service, c *call, in *tagsIn) (any, *userpool.Error) {
	return done(svc.UntagPool(in.ResourceArn, in.TagKeys))
}
