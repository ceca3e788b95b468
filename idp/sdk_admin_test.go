package idp

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/caldera-srp/caldera/idp/store"
)

// sdkErr asserts an SDK call failed with a Cognito error code.
func sdkErr(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code {
		t.Fatalf("got %v, want %s", err, code)
	}
}

func ok[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// TestSDKAdminAndListing drives the admin, listing, group and
// pool/client operations through aws-sdk-go-v2 (its serializers and
// deserializers, generated from the same botocore-style model).
func TestSDKAdminAndListing(t *testing.T) {
	h := newHarness(t, nil)
	c := newAdminClient(h)
	ctx := context.Background()
	s := aws.String

	pool := ok[*cip.CreateUserPoolOutput](t)(c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: s("admin"),
		UserPoolTags: map[string]string{"team": "idp"}, DeviceConfiguration: &types.DeviceConfigurationType{}}))
	poolID, arn := aws.ToString(pool.UserPool.Id), aws.ToString(pool.UserPool.Arn)
	cl := ok[*cip.CreateUserPoolClientOutput](t)(c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: s(poolID), ClientName: s("app"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}}))
	clientID := aws.ToString(cl.UserPoolClient.ClientId)

	for _, u := range []struct{ name, email, given string }{{"alice", "alice@example.com", "Alice"}, {"bob", "bob@example.com", "Bob"}, {"bella", "Bella@Example.com", "Bella"}, {"carol", "carol@example.org", "Carol"}} {
		ok[*cip.AdminCreateUserOutput](t)(c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: s(poolID), Username: s(u.name),
			TemporaryPassword: s("Temp-Pass-1"), MessageAction: types.MessageActionTypeSuppress,
			UserAttributes: []types.AttributeType{{Name: s("email"), Value: s(u.email)}, {Name: s("given_name"), Value: s(u.given)}}}))
	}
	ok[*cip.AdminSetUserPasswordOutput](t)(c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: s(poolID), Username: s("alice"), Password: s("Alice-Pass-1"), Permanent: true}))
	ok[*cip.AdminDisableUserOutput](t)(c.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: s(poolID), Username: s("carol")}))

	names := func(us []types.UserType) []string {
		var out []string
		for _, u := range us {
			out = append(out, aws.ToString(u.Username))
		}
		return out
	}
	list := func(filter string) []string {
		t.Helper()
		out := ok[*cip.ListUsersOutput](t)(c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: s(poolID), Filter: s(filter)}))
		return names(out.Users)
	}
	for filter, want := range map[string][]string{
		``:                                  {"alice", "bella", "bob", "carol"},
		`email ^= "b"`:                      {"bella", "bob"},
		`username = "carol"`:                {"carol"},
		`given_name = "Alice"`:              {"alice"},
		`cognito:user_status = "CONFIRMED"`: {"alice"},
		`cognito:user_status = "force_change_password"`: {"bella", "bob", "carol"},
		`status = "Disabled"`:                           {"carol"},
		`email = "bella@example.com"`:                   {"bella"},
		`given_name = "Bo\"b"`:                          nil,
	} {
		if got := list(filter); !slices.Equal(got, want) {
			t.Errorf("Filter %s: %v, want %v", filter, got, want)
		}
	}
	_, err := c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: s(poolID), Filter: s(`custom:x = "1"`)})
	sdkErr(t, err, "InvalidParameterException")
	_, err = c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: s(poolID), Filter: s(`email == "x"`)})
	sdkErr(t, err, "InvalidParameterException")

	// Paging with Limit and AttributesToGet.
	var all []string
	var tok *string
	for {
		out := ok[*cip.ListUsersOutput](t)(c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: s(poolID), Limit: aws.Int32(3), PaginationToken: tok, AttributesToGet: []string{"email"}}))
		for _, u := range out.Users {
			if len(u.Attributes) != 1 || aws.ToString(u.Attributes[0].Name) != "email" {
				t.Fatalf("AttributesToGet: %+v", u.Attributes)
			}
		}
		all = append(all, names(out.Users)...)
		if tok = out.PaginationToken; tok == nil {
			break
		}
	}
	if !slices.Equal(all, []string{"alice", "bella", "bob", "carol"}) {
		t.Fatalf("paged ListUsers %v", all)
	}

	// Groups.
	ok[*cip.CreateGroupOutput](t)(c.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: s(poolID), GroupName: s("admins"), Precedence: aws.Int32(0)}))
	ok[*cip.AdminAddUserToGroupOutput](t)(c.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: s(poolID), Username: s("alice"), GroupName: s("admins")}))
	gs := ok[*cip.AdminListGroupsForUserOutput](t)(c.AdminListGroupsForUser(ctx, &cip.AdminListGroupsForUserInput{UserPoolId: s(poolID), Username: s("alice")}))
	if len(gs.Groups) != 1 || aws.ToString(gs.Groups[0].GroupName) != "admins" || aws.ToInt32(gs.Groups[0].Precedence) != 0 {
		t.Fatalf("AdminListGroupsForUser %+v", gs.Groups)
	}
	in := ok[*cip.ListUsersInGroupOutput](t)(c.ListUsersInGroup(ctx, &cip.ListUsersInGroupInput{UserPoolId: s(poolID), GroupName: s("admins")}))
	if !slices.Equal(names(in.Users), []string{"alice"}) {
		t.Fatalf("ListUsersInGroup %v", names(in.Users))
	}
	_, err = c.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: s(poolID), GroupName: s("admins")})
	sdkErr(t, err, "GroupExistsException")

	// Rotation on an existing client, then GetTokensFromRefreshToken.
	up := ok[*cip.UpdateUserPoolClientOutput](t)(c.UpdateUserPoolClient(ctx, &cip.UpdateUserPoolClientInput{UserPoolId: s(poolID), ClientId: s(clientID),
		ExplicitAuthFlows:    []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth},
		RefreshTokenRotation: &types.RefreshTokenRotationType{Feature: types.FeatureTypeEnabled, RetryGracePeriodSeconds: aws.Int32(5)},
		WriteAttributes:      []string{"nickname"}, ReadAttributes: []string{"email", "nickname"},
		PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesLegacy}))
	if up.UserPoolClient.RefreshTokenRotation == nil || up.UserPoolClient.RefreshTokenRotation.Feature != types.FeatureTypeEnabled || aws.ToString(up.UserPoolClient.ClientName) != "app" ||
		!slices.Equal(up.UserPoolClient.WriteAttributes, []string{"nickname"}) || !slices.Equal(up.UserPoolClient.ReadAttributes, []string{"email", "nickname"}) ||
		up.UserPoolClient.PreventUserExistenceErrors != types.PreventUserExistenceErrorTypesLegacy {
		t.Fatalf("UpdateUserPoolClient %+v", up.UserPoolClient)
	}
	_, err = c.UpdateUserPoolClient(ctx, &cip.UpdateUserPoolClientInput{UserPoolId: s(poolID), ClientId: s(clientID), PreventUserExistenceErrors: "SOMETIMES"})
	sdkErr(t, err, "InvalidParameterException")
	auth := ok[*cip.AdminInitiateAuthOutput](t)(c.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: s(poolID), ClientId: s(clientID),
		AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": "alice", "PASSWORD": "Alice-Pass-1"}}))
	rt := ok[*cip.GetTokensFromRefreshTokenOutput](t)(c.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: s(clientID), RefreshToken: auth.AuthenticationResult.RefreshToken}))
	if r := rt.AuthenticationResult; r == nil || aws.ToString(r.RefreshToken) == "" || aws.ToString(r.RefreshToken) == aws.ToString(auth.AuthenticationResult.RefreshToken) {
		t.Fatalf("GetTokensFromRefreshToken %+v", rt.AuthenticationResult)
	}
	idc, err := h.srv.VerifyToken(aws.ToString(rt.AuthenticationResult.IdToken))
	if err != nil || !slices.Equal(idc["cognito:groups"].([]any), []any{"admins"}) {
		t.Fatalf("refreshed ID token groups %v (%v)", idc["cognito:groups"], err)
	}

	// Devices of the sign-in, admin side.
	dk := aws.ToString(auth.AuthenticationResult.NewDeviceMetadata.DeviceKey)
	dev := ok[*cip.AdminGetDeviceOutput](t)(c.AdminGetDevice(ctx, &cip.AdminGetDeviceInput{UserPoolId: s(poolID), Username: s("alice"), DeviceKey: s(dk)}))
	if aws.ToString(dev.Device.DeviceKey) != dk {
		t.Fatalf("AdminGetDevice %+v", dev.Device)
	}
	ok[*cip.AdminUpdateDeviceStatusOutput](t)(c.AdminUpdateDeviceStatus(ctx, &cip.AdminUpdateDeviceStatusInput{UserPoolId: s(poolID), Username: s("alice"), DeviceKey: s(dk), DeviceRememberedStatus: types.DeviceRememberedStatusTypeRemembered}))
	ok[*cip.AdminListDevicesOutput](t)(c.AdminListDevices(ctx, &cip.AdminListDevicesInput{UserPoolId: s(poolID), Username: s("alice")}))
	ok[*cip.AdminUserGlobalSignOutOutput](t)(c.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: s(poolID), Username: s("alice")}))
	_, err = c.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: s(clientID), RefreshToken: rt.AuthenticationResult.RefreshToken})
	sdkErr(t, err, "NotAuthorizedException")
	ev := ok[*cip.AdminListUserAuthEventsOutput](t)(c.AdminListUserAuthEvents(ctx, &cip.AdminListUserAuthEventsInput{UserPoolId: s(poolID), Username: s("alice")}))
	// The Go SDK decodes the sign-in's event (TestAuthEvents has the rest).
	if len(ev.AuthEvents) != 1 {
		t.Fatalf("AuthEvents %+v", ev.AuthEvents)
	}
	if e := ev.AuthEvents[0]; e.EventType != types.EventTypeSignIn || e.EventResponse != types.EventResponseTypePass ||
		aws.ToString(e.EventContextData.IpAddress) != "127.0.0.1" || e.EventRisk.RiskDecision != types.RiskDecisionTypeNoRisk ||
		len(e.ChallengeResponses) != 1 || e.ChallengeResponses[0].ChallengeName != types.ChallengeNamePassword ||
		e.ChallengeResponses[0].ChallengeResponse != types.ChallengeResponseSuccess || !e.CreationDate.Equal(h.clock.Now()) {
		t.Fatalf("AuthEvents[0] %+v", e)
	}
	ok[*cip.AdminEnableUserOutput](t)(c.AdminEnableUser(ctx, &cip.AdminEnableUserInput{UserPoolId: s(poolID), Username: s("carol")}))
	ok[*cip.AdminDeleteUserAttributesOutput](t)(c.AdminDeleteUserAttributes(ctx, &cip.AdminDeleteUserAttributesInput{UserPoolId: s(poolID), Username: s("carol"), UserAttributeNames: []string{"given_name"}}))
	ok[*cip.AdminResetUserPasswordOutput](t)(c.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: s(poolID), Username: s("alice")}))
	if got := list(`cognito:user_status = "RESET_REQUIRED"`); !slices.Equal(got, []string{"alice"}) {
		t.Fatalf("after AdminResetUserPassword: %v", got)
	}

	// Pools, clients, tags, certificate.
	p2 := ok[*cip.CreateUserPoolOutput](t)(c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: s("second")}))
	var pools []string
	var next *string
	for {
		out := ok[*cip.ListUserPoolsOutput](t)(c.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(1), NextToken: next}))
		for _, p := range out.UserPools {
			pools = append(pools, aws.ToString(p.Id))
		}
		if next = out.NextToken; next == nil {
			break
		}
	}
	want := []string{poolID, aws.ToString(p2.UserPool.Id)}
	slices.Sort(want)
	if !slices.Equal(pools, want) {
		t.Fatalf("ListUserPools %v, want %v", pools, want)
	}
	_, err = c.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(0)})
	sdkErr(t, err, "InvalidParameterException")
	cls := ok[*cip.ListUserPoolClientsOutput](t)(c.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{UserPoolId: s(poolID)}))
	if len(cls.UserPoolClients) != 1 || aws.ToString(cls.UserPoolClients[0].ClientName) != "app" {
		t.Fatalf("ListUserPoolClients %+v", cls.UserPoolClients)
	}

	ok[*cip.UpdateUserPoolOutput](t)(c.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{UserPoolId: s(poolID), AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		Policies: &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{MinimumLength: aws.Int32(12), RequireNumbers: true}}}))
	d := ok[*cip.DescribeUserPoolOutput](t)(c.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: s(poolID)}))
	if d.UserPool.DeviceConfiguration != nil || !slices.Equal(d.UserPool.AutoVerifiedAttributes, []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}) ||
		aws.ToInt32(d.UserPool.Policies.PasswordPolicy.MinimumLength) != 12 || d.UserPool.UserPoolTags["team"] != "idp" {
		t.Fatalf("after UpdateUserPool %+v", d.UserPool)
	}
	_, err = c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: s(poolID), Username: s("bob"), Password: s("short1"), Permanent: true})
	sdkErr(t, err, "InvalidPasswordException")

	ok[*cip.TagResourceOutput](t)(c.TagResource(ctx, &cip.TagResourceInput{ResourceArn: s(arn), Tags: map[string]string{"env": "test"}}))
	ok[*cip.UntagResourceOutput](t)(c.UntagResource(ctx, &cip.UntagResourceInput{ResourceArn: s(arn), TagKeys: []string{"team"}}))
	tags := ok[*cip.ListTagsForResourceOutput](t)(c.ListTagsForResource(ctx, &cip.ListTagsForResourceInput{ResourceArn: s(arn)}))
	if len(tags.Tags) != 1 || tags.Tags["env"] != "test" {
		t.Fatalf("tags %v", tags.Tags)
	}
	_, err = c.TagResource(ctx, &cip.TagResourceInput{ResourceArn: s("arn:aws:s3:::bucket-name-long"), Tags: map[string]string{"a": "b"}})
	sdkErr(t, err, "InvalidParameterException")

	cert := ok[*cip.GetSigningCertificateOutput](t)(c.GetSigningCertificate(ctx, &cip.GetSigningCertificateInput{UserPoolId: s(poolID)}))
	der, err := base64.StdEncoding.DecodeString(aws.ToString(cert.Certificate))
	if err != nil {
		t.Fatal(err)
	}
	x, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if pub, _ := x.PublicKey.(*rsa.PublicKey); pub == nil || !pub.Equal(&testKey().PublicKey) || x.CheckSignature(x.SignatureAlgorithm, x.RawTBSCertificate, x.Signature) != nil {
		t.Fatalf("certificate key %T does not match the signing key", x.PublicKey)
	}

	ok[*cip.DeleteUserPoolClientOutput](t)(c.DeleteUserPoolClient(ctx, &cip.DeleteUserPoolClientInput{UserPoolId: s(poolID), ClientId: s(clientID)}))
	_, err = c.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: s(poolID), ClientId: s(clientID)})
	sdkErr(t, err, "ResourceNotFoundException")
	ok[*cip.DeleteUserPoolOutput](t)(c.DeleteUserPool(ctx, &cip.DeleteUserPoolInput{UserPoolId: s(poolID)}))
	_, err = c.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: s(poolID)})
	sdkErr(t, err, "ResourceNotFoundException")
	_, err = c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: s(poolID)})
	sdkErr(t, err, "ResourceNotFoundException")
	// Check finds no device, origin or membership left dangling.
	if err := h.srv.store.View(store.Check); err != nil {
		t.Fatal(err)
	}
	var left int
	h.srv.store.View(func(tx store.Tx) error {
		for _, k := range []string{store.KindUser, store.KindGroup, store.KindMember, store.KindAlias} {
			tx.ForEach(k, poolID, func(string, []byte) error { left++; return nil })
		}
		return nil
	})
	if left != 0 {
		t.Fatalf("%d records of the deleted pool left", left)
	}
}
