package idp

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/srp"
)

// TestAWSSDK sets a pool up and signs in with USER_SRP_AUTH through
// aws-sdk-go-v2, unchanged but for BaseEndpoint.
func TestAWSSDK(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	c := newAdminClient(h)
	pool, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("sdk"),
		DeviceConfiguration: &types.DeviceConfigurationType{ChallengeRequiredOnNewDevice: true}})
	if err != nil {
		t.Fatal(err)
	}
	poolID := aws.ToString(pool.UserPool.Id)
	if pool.UserPool.CreationDate == nil || pool.UserPool.CreationDate.IsZero() {
		t.Fatalf("CreationDate not decoded: %+v", pool.UserPool)
	}
	if _, err := c.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(poolID), MfaConfiguration: types.UserPoolMfaTypeOptional,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	cl, err := c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(poolID), ClientName: aws.String("app"), GenerateSecret: true,
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserSrpAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth, types.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth}})
	if err != nil {
		t.Fatal(err)
	}
	clientID, secret := aws.ToString(cl.UserPoolClient.ClientId), aws.ToString(cl.UserPoolClient.ClientSecret)
	if secret == "" {
		t.Fatal("no client secret")
	}
	if _, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(poolID), Username: aws.String("erin"),
		TemporaryPassword: aws.String("Temp-Pass-1"), MessageAction: types.MessageActionTypeSuppress}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(poolID), Username: aws.String("erin"),
		Password: aws.String("Erin-Pass-1"), Permanent: true}); err != nil {
		t.Fatal(err)
	}

	a, _ := srp.Cognito().NewClient(nil)
	ia, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserSrpAuth, ClientId: aws.String(clientID),
		AuthParameters: map[string]string{"USERNAME": "erin", "SRP_A": a.PublicHex(), "SECRET_HASH": challenge.SecretHash(secret, "erin", clientID)}})
	if err != nil {
		t.Fatal(err)
	}
	cp := ia.ChallengeParameters
	poolName, _ := srp.PoolName(poolID)
	claim, err := a.PasswordClaim(srp.PasswordClaimParams{PoolName: poolName, UserIDForSRP: cp["USER_ID_FOR_SRP"], Password: "Erin-Pass-1",
		SRPB: cp["SRP_B"], Salt: cp["SALT"], SecretBlock: cp["SECRET_BLOCK"], Timestamp: challenge.FormatTimestamp(h.clock.Now())})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ChallengeName: ia.ChallengeName, ClientId: aws.String(clientID), Session: ia.Session,
		ChallengeResponses: map[string]string{"USERNAME": cp["USER_ID_FOR_SRP"], "PASSWORD_CLAIM_SECRET_BLOCK": claim.SecretBlock, "TIMESTAMP": claim.Timestamp,
			"PASSWORD_CLAIM_SIGNATURE": claim.Signature, "SECRET_HASH": challenge.SecretHash(secret, cp["USER_ID_FOR_SRP"], clientID)}})
	if err != nil {
		t.Fatal(err)
	}
	if rc.AuthenticationResult == nil || rc.AuthenticationResult.NewDeviceMetadata == nil {
		t.Fatalf("no tokens or device: %+v", rc)
	}
	access := rc.AuthenticationResult.AccessToken
	gu, err := c.GetUser(ctx, &cip.GetUserInput{AccessToken: access})
	if err != nil || aws.ToString(gu.Username) != "erin" {
		t.Fatalf("GetUser: %v %+v", err, gu)
	}
	dv, _ := srp.NewDeviceVerifier(nil, aws.ToString(rc.AuthenticationResult.NewDeviceMetadata.DeviceGroupKey), aws.ToString(rc.AuthenticationResult.NewDeviceMetadata.DeviceKey))
	if _, err := c.ConfirmDevice(ctx, &cip.ConfirmDeviceInput{AccessToken: access, DeviceKey: rc.AuthenticationResult.NewDeviceMetadata.DeviceKey,
		DeviceSecretVerifierConfig: &types.DeviceSecretVerifierConfigType{Salt: aws.String(dv.Config.Salt), PasswordVerifier: aws.String(dv.Config.PasswordVerifier)}}); err != nil {
		t.Fatal(err)
	}
	ld, err := c.ListDevices(ctx, &cip.ListDevicesInput{AccessToken: access})
	if err != nil || len(ld.Devices) != 1 || ld.Devices[0].DeviceCreateDate == nil {
		t.Fatalf("ListDevices: %v %+v", err, ld)
	}
	if _, err := c.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: access}); err != nil {
		t.Fatalf("SetUserMFAPreference with null settings: %v", err)
	}

	// Admin password flow, and a typed SDK error for a wrong password.
	if _, err := c.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: aws.String(poolID), ClientId: aws.String(clientID), AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "erin", "PASSWORD": "Erin-Pass-1", "SECRET_HASH": challenge.SecretHash(secret, "erin", clientID)}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: aws.String(poolID), ClientId: aws.String(clientID), AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "erin", "PASSWORD": "Wrong-Pass-1", "SECRET_HASH": challenge.SecretHash(secret, "erin", clientID)}})
	var na *types.NotAuthorizedException
	if !errors.As(err, &na) || na.ErrorMessage() != msgIncorrect {
		t.Fatalf("want NotAuthorizedException, got %v", err)
	}
}
