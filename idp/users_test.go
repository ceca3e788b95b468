package idp

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/caldera-srp/caldera/srp"
)

// attrsOf decodes GetUser's UserAttributes.
func (h *harness) attrsOf(access string) map[string]string {
	h.t.Helper()
	out := map[string]string{}
	for _, a := range h.mustCall("GetUser", map[string]any{"AccessToken": access})["UserAttributes"].([]any) {
		m := a.(map[string]any)
		out[m["Name"].(string)] = m["Value"].(string)
	}
	return out
}

// TestPasswordOperations: ChangePassword, ForgotPassword,
// ConfirmForgotPassword, ResendConfirmationCode and AdminResetUserPassword
// (botocore's request shapes, CodeDeliveryDetailsType, the pool's
// password policy, CodeMismatchException / ExpiredCodeException).
func TestPasswordOperations(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{AutoVerifiedAttributes: []string{"email"}}, ClientConfig{ExplicitAuthFlows: pwFlows},
		UserConfig{Attributes: map[string]string{"email": "alice@example.com"}})
	access := h.pwSignIn(f, f.user, f.password)["AccessToken"].(string)

	_, e := h.call("ChangePassword", map[string]any{"AccessToken": access, "PreviousPassword": "Wrong-Horse-1", "ProposedPassword": "New-Horse-22"})
	wantErr(t, e, "NotAuthorizedException", msgIncorrect)
	_, e = h.call("ChangePassword", map[string]any{"AccessToken": access, "PreviousPassword": f.password, "ProposedPassword": "short"})
	wantErr(t, e, "InvalidPasswordException", "Password did not conform with policy: Password not long enough")
	_, e = h.call("ChangePassword", map[string]any{"AccessToken": access, "PreviousPassword": f.password})
	wantErr(t, e, "InvalidParameterException", "1 validation error detected: Value null at 'proposedPassword' failed to satisfy constraint: Member must not be null")
	h.mustCall("ChangePassword", map[string]any{"AccessToken": access, "PreviousPassword": f.password, "ProposedPassword": "New-Horse-22"})
	_, e = h.call("InitiateAuth", map[string]any{"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": f.client, "AuthParameters": map[string]string{"USERNAME": f.user, "PASSWORD": f.password}})
	wantErr(t, e, "NotAuthorizedException", msgIncorrect)
	h.pwSignIn(f, f.user, "New-Horse-22")
	// The new password also works with SRP: the verifier was replaced.
	if _, e := h.srpSignIn(f, f.user, "New-Horse-22"); e != nil {
		t.Fatal(e)
	}

	out := h.mustCall("ForgotPassword", map[string]any{"ClientId": f.client, "Username": f.user})
	cd := strMap(out["CodeDeliveryDetails"])
	if cd["AttributeName"] != "email" || cd["DeliveryMedium"] != "EMAIL" || cd["Destination"] != "a***@example.com" {
		t.Fatalf("CodeDeliveryDetails %v", cd)
	}
	msgs := h.srv.Outbox(f.pool, f.user)
	last := msgs[len(msgs)-1]
	if last.Purpose != "FORGOT_PASSWORD" || last.Destination != "alice@example.com" || len(last.Code) != 6 {
		t.Fatalf("outbox %+v", last)
	}
	confirm := func(code, pw string) *apiError {
		_, e := h.call("ConfirmForgotPassword", map[string]any{"ClientId": f.client, "Username": f.user, "ConfirmationCode": code, "Password": pw})
		return e
	}
	wrong := "000000"
	if last.Code == wrong {
		wrong = "111111"
	}
	wantErr(t, confirm(wrong, "Reset-Horse-3"), "CodeMismatchException", "Invalid verification code provided, please try again.")
	wantErr(t, confirm(last.Code, "weak"), "InvalidPasswordException", "")
	if e := confirm(last.Code, "Reset-Horse-3"); e != nil {
		t.Fatal(e)
	}
	wantErr(t, confirm(last.Code, "Reset-Horse-4"), "CodeMismatchException", "") // single use
	h.pwSignIn(f, f.user, "Reset-Horse-3")

	// Codes expire after an hour.
	h.mustCall("ForgotPassword", map[string]any{"ClientId": f.client, "Username": f.user})
	h.clock.Advance(time.Hour + time.Second)
	wantErr(t, confirm(h.srv.LastCode(f.pool, f.user), "Reset-Horse-5"), "ExpiredCodeException", "Invalid code provided, please request a code again.")

	_, e = h.call("ForgotPassword", map[string]any{"Username": f.user})
	wantErr(t, e, "InvalidParameterException", "1 validation error detected: Value null at 'clientId' failed to satisfy constraint: Member must not be null")
	_, e = h.call("ConfirmForgotPassword", map[string]any{"ClientId": f.client, "Username": f.user, "Password": "Reset-Horse-9"})
	wantErr(t, e, "InvalidParameterException", "1 validation error detected: Value null at 'confirmationCode' failed to satisfy constraint: Member must not be null")
	// An unknown user: a simulated answer (PreventUserExistenceErrors
	// ENABLED by default; TestRecoveryHidesUnknownUsers has LEGACY).
	if d := strMap(h.mustCall("ForgotPassword", map[string]any{"ClientId": f.client, "Username": "nobody"})["CodeDeliveryDetails"]); d["DeliveryMedium"] != "EMAIL" {
		t.Fatalf("ForgotPassword for an unknown user: %v", d)
	}
	h.srv.CreateUser(f.pool, UserConfig{Username: "nomail", Password: f.password})
	_, e = h.call("ForgotPassword", map[string]any{"ClientId": f.client, "Username": "nomail"})
	wantErr(t, e, "InvalidParameterException", "Cannot reset password for the user as there is no registered/verified email or phone_number")

	// AdminResetUserPassword: the next sign-in is refused until the user
	// sets a password with the code.
	h.mustCall("AdminResetUserPassword", map[string]any{"UserPoolId": f.pool, "Username": f.user})
	_, e = h.call("InitiateAuth", map[string]any{"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": f.client, "AuthParameters": map[string]string{"USERNAME": f.user, "PASSWORD": "Reset-Horse-3"}})
	wantErr(t, e, "PasswordResetRequiredException", "Password reset required for the user")
	if u := h.mustCall("AdminGetUser", map[string]any{"UserPoolId": f.pool, "Username": f.user}); u["UserStatus"] != StatusResetRequired {
		t.Fatalf("status %v", u["UserStatus"])
	}
	if e := confirm(h.srv.LastCode(f.pool, f.user), "Reset-Horse-6"); e != nil {
		t.Fatal(e)
	}
	h.pwSignIn(f, f.user, "Reset-Horse-6")

	// ResendConfirmationCode replaces the sign-up code.
	h.mustCall("SignUp", map[string]any{"ClientId": f.client, "Username": "bob", "Password": "Bob-Pass-1", "UserAttributes": []map[string]string{{"Name": "email", "Value": "bob@example.com"}}})
	first := h.srv.LastCode(f.pool, "bob")
	out = h.mustCall("ResendConfirmationCode", map[string]any{"ClientId": f.client, "Username": "bob"})
	if strMap(out["CodeDeliveryDetails"])["Destination"] != "b***@example.com" {
		t.Fatalf("ResendConfirmationCode %v", out)
	}
	second := h.srv.LastCode(f.pool, "bob")
	if first != second {
		_, e = h.call("ConfirmSignUp", map[string]any{"ClientId": f.client, "Username": "bob", "ConfirmationCode": first})
		wantErr(t, e, "CodeMismatchException", "")
	}
	h.mustCall("ConfirmSignUp", map[string]any{"ClientId": f.client, "Username": "bob", "ConfirmationCode": second})
	_, e = h.call("ResendConfirmationCode", map[string]any{"ClientId": f.client, "Username": "bob"})
	wantErr(t, e, "InvalidParameterException", "User is already confirmed.")
}

// TestAttributeOperations: UpdateUserAttributes (CodeDeliveryDetailsList),
// GetUserAttributeVerificationCode, VerifyUserAttribute,
// DeleteUserAttributes, AdminDeleteUserAttributes, DeleteUser.
func TestAttributeOperations(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{AutoVerifiedAttributes: []string{"email"}}, ClientConfig{ExplicitAuthFlows: pwFlows},
		UserConfig{Attributes: map[string]string{"email": "alice@example.com", "name": "Alice", "nickname": "al"}})
	access := h.pwSignIn(f, f.user, f.password)["AccessToken"].(string)
	if a := h.attrsOf(access); a["email_verified"] != "true" {
		t.Fatalf("attributes %v", a)
	}

	out := h.mustCall("UpdateUserAttributes", map[string]any{"AccessToken": access, "UserAttributes": []map[string]string{
		{"Name": "email", "Value": "alice@new.example"}, {"Name": "name", "Value": "Alice A."}}})
	list := out["CodeDeliveryDetailsList"].([]any)
	if len(list) != 1 || strMap(list[0])["AttributeName"] != "email" || strMap(list[0])["Destination"] != "a***@new.example" {
		t.Fatalf("CodeDeliveryDetailsList %v", list)
	}
	a := h.attrsOf(access)
	if a["email"] != "alice@new.example" || a["email_verified"] != "false" || a["name"] != "Alice A." {
		t.Fatalf("after update %v", a)
	}
	code := h.srv.LastCode(f.pool, f.user)
	// The pool's schema (i11a's checkAttributes): sub never changes, and a
	// user never sets a *_verified flag.
	_, e := h.call("UpdateUserAttributes", map[string]any{"AccessToken": access, "UserAttributes": []map[string]string{{"Name": "sub", "Value": "x"}}})
	wantErr(t, e, "InvalidParameterException", "Attributes did not conform to the schema: sub: Attribute cannot be updated. (changing an immutable attribute)\n")
	_, e = h.call("UpdateUserAttributes", map[string]any{"AccessToken": access, "UserAttributes": []map[string]string{{"Name": "email_verified", "Value": "true"}}})
	wantErr(t, e, "NotAuthorizedException", "A client attempted to write unauthorized attribute")
	_, e = h.call("VerifyUserAttribute", map[string]any{"AccessToken": access, "AttributeName": "email", "Code": "x" + code})
	wantErr(t, e, "CodeMismatchException", "")
	h.mustCall("VerifyUserAttribute", map[string]any{"AccessToken": access, "AttributeName": "email", "Code": code})
	if a := h.attrsOf(access); a["email_verified"] != "true" {
		t.Fatalf("not verified: %v", a)
	}
	out = h.mustCall("GetUserAttributeVerificationCode", map[string]any{"AccessToken": access, "AttributeName": "email"})
	if strMap(out["CodeDeliveryDetails"])["DeliveryMedium"] != "EMAIL" {
		t.Fatalf("GetUserAttributeVerificationCode %v", out)
	}
	h.clock.Advance(25 * time.Hour)
	access = h.pwSignIn(f, f.user, f.password)["AccessToken"].(string)
	_, e = h.call("VerifyUserAttribute", map[string]any{"AccessToken": access, "AttributeName": "email", "Code": h.srv.LastCode(f.pool, f.user)})
	wantErr(t, e, "ExpiredCodeException", "")
	_, e = h.call("GetUserAttributeVerificationCode", map[string]any{"AccessToken": access, "AttributeName": "phone_number"})
	wantErr(t, e, "InvalidParameterException", "")

	h.mustCall("DeleteUserAttributes", map[string]any{"AccessToken": access, "UserAttributeNames": []string{"name"}})
	h.mustCall("AdminDeleteUserAttributes", map[string]any{"UserPoolId": f.pool, "Username": f.user, "UserAttributeNames": []string{"nickname"}})
	a = h.attrsOf(access)
	if _, ok := a["name"]; ok {
		t.Fatalf("name not deleted: %v", a)
	}
	if _, ok := a["nickname"]; ok {
		t.Fatalf("nickname not deleted: %v", a)
	}
	_, e = h.call("DeleteUserAttributes", map[string]any{"AccessToken": access, "UserAttributeNames": []string{"sub"}})
	wantErr(t, e, "InvalidParameterException", "Attributes did not conform to the schema: sub: Attribute cannot be updated. (changing an immutable attribute)\n")

	h.mustCall("DeleteUser", map[string]any{"AccessToken": access})
	_, e = h.call("GetUser", map[string]any{"AccessToken": access})
	wantErr(t, e, "NotAuthorizedException", "")
	_, e = h.call("AdminGetUser", map[string]any{"UserPoolId": f.pool, "Username": f.user})
	wantErr(t, e, "UserNotFoundException", msgUserNotExist)
}

// TestAdminUserAndDeviceOperations: GetDevice, AdminGetDevice,
// AdminListDevices, AdminUpdateDeviceStatus, AdminUserGlobalSignOut,
// AdminDisableUser/AdminEnableUser, AdminListUserAuthEvents,
// AdminLinkProviderForUser.
func TestAdminUserAndDeviceOperations(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{DeviceConfiguration: &DeviceConfiguration{}}, ClientConfig{ExplicitAuthFlows: pwFlows}, UserConfig{})
	res := h.pwSignIn(f, f.user, f.password)
	access := res["AccessToken"].(string)
	meta := res["NewDeviceMetadata"].(map[string]any)
	dk, gk := meta["DeviceKey"].(string), meta["DeviceGroupKey"].(string)
	dv, err := srp.NewDeviceVerifier(nil, gk, dk)
	if err != nil {
		t.Fatal(err)
	}
	h.mustCall("ConfirmDevice", map[string]any{"AccessToken": access, "DeviceKey": dk, "DeviceName": "laptop",
		"DeviceSecretVerifierConfig": map[string]string{"Salt": dv.Config.Salt, "PasswordVerifier": dv.Config.PasswordVerifier}})

	devAttr := func(d map[string]any, name string) string {
		for _, a := range d["DeviceAttributes"].([]any) {
			if m := a.(map[string]any); m["Name"] == name {
				return m["Value"].(string)
			}
		}
		return ""
	}
	d := h.mustCall("GetDevice", map[string]any{"AccessToken": access, "DeviceKey": dk})["Device"].(map[string]any)
	if d["DeviceKey"] != dk || devAttr(d, "device_name") != "laptop" {
		t.Fatalf("GetDevice %v", d)
	}
	_, e := h.call("GetDevice", map[string]any{"AccessToken": access, "DeviceKey": "us-east-1_nope"})
	wantErr(t, e, "ResourceNotFoundException", msgDeviceNotExist)
	h.mustCall("AdminUpdateDeviceStatus", map[string]any{"UserPoolId": f.pool, "Username": f.user, "DeviceKey": dk, "DeviceRememberedStatus": "remembered"})
	d = h.mustCall("AdminGetDevice", map[string]any{"UserPoolId": f.pool, "Username": f.user, "DeviceKey": dk})["Device"].(map[string]any)
	if devAttr(d, "dev:device_remembered_status") != "remembered" {
		t.Fatalf("AdminGetDevice %v", d)
	}
	_, e = h.call("AdminUpdateDeviceStatus", map[string]any{"UserPoolId": f.pool, "Username": f.user, "DeviceKey": dk, "DeviceRememberedStatus": "maybe"})
	wantErr(t, e, "InvalidParameterException", "")
	out := h.mustCall("AdminListDevices", map[string]any{"UserPoolId": f.pool, "Username": f.user})
	if ds := out["Devices"].([]any); len(ds) != 1 || ds[0].(map[string]any)["DeviceKey"] != dk {
		t.Fatalf("AdminListDevices %v", out)
	}

	h.mustCall("AdminUserGlobalSignOut", map[string]any{"UserPoolId": f.pool, "Username": f.user})
	_, e = h.call("GetUser", map[string]any{"AccessToken": access})
	wantErr(t, e, "NotAuthorizedException", msgRevokedToken)

	access = h.pwSignIn(f, f.user, f.password)["AccessToken"].(string)
	h.mustCall("AdminDisableUser", map[string]any{"UserPoolId": f.pool, "Username": f.user})
	_, e = h.call("InitiateAuth", map[string]any{"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": f.client, "AuthParameters": map[string]string{"USERNAME": f.user, "PASSWORD": f.password}})
	wantErr(t, e, "NotAuthorizedException", "User is disabled.")
	_, e = h.call("GetUser", map[string]any{"AccessToken": access})
	wantErr(t, e, "NotAuthorizedException", "User is disabled.")
	if u := h.mustCall("AdminGetUser", map[string]any{"UserPoolId": f.pool, "Username": f.user}); u["Enabled"] != false {
		t.Fatalf("Enabled %v", u["Enabled"])
	}
	h.mustCall("AdminEnableUser", map[string]any{"UserPoolId": f.pool, "Username": f.user})
	h.pwSignIn(f, f.user, f.password)

	// The sign-ins so far, newest first (TestAuthEvents has the details).
	out = h.mustCall("AdminListUserAuthEvents", map[string]any{"UserPoolId": f.pool, "Username": f.user})
	var responses []any
	for _, e := range out["AuthEvents"].([]any) {
		responses = append(responses, e.(map[string]any)["EventResponse"])
	}
	if want := []any{"Pass", "Fail", "Pass", "Pass"}; !reflect.DeepEqual(responses, want) {
		t.Fatalf("AdminListUserAuthEvents: %v, want %v", responses, want)
	}
	_, e = h.call("AdminListUserAuthEvents", map[string]any{"UserPoolId": f.pool, "Username": "nobody"})
	wantErr(t, e, "UserNotFoundException", msgUserNotExist)
	// Required members are checked first (botocore's required lists).
	_, e = h.call("AdminGetUser", map[string]any{"UserPoolId": f.pool})
	wantErr(t, e, "InvalidParameterException", "1 validation error detected: Value null at 'username' failed to satisfy constraint: Member must not be null")
	_, e = h.call("AdminDisableUser", map[string]any{"Username": f.user})
	wantErr(t, e, "InvalidParameterException", "1 validation error detected: Value null at 'userPoolId' failed to satisfy constraint: Member must not be null")
	_, e = h.call("AdminAddUserToGroup", map[string]any{"UserPoolId": f.pool, "Username": f.user})
	wantErr(t, e, "InvalidParameterException", "1 validation error detected: Value null at 'groupName' failed to satisfy constraint: Member must not be null")
	_, e = h.call("AdminEnableUser", map[string]any{"UserPoolId": f.pool, "Username": strings.Repeat("x", 129)})
	wantErr(t, e, "InvalidParameterException", "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must have length less than or equal to 128")
	_, e = h.call("AdminLinkProviderForUser", map[string]any{"UserPoolId": f.pool,
		"DestinationUser": map[string]string{"ProviderName": "Cognito", "ProviderAttributeValue": f.user},
		"SourceUser":      map[string]string{"ProviderName": "Google", "ProviderAttributeName": "Cognito_Subject", "ProviderAttributeValue": "1"}})
	wantErr(t, e, "InvalidParameterException", "AdminLinkProviderForUser is not supported by the local server: it has no external identity providers.")
}
