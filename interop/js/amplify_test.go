package js_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/caldera-srp/caldera/idp"
	"github.com/caldera-srp/caldera/idp/store"
)

// TestAmplify runs amplify.mjs: the official aws-amplify v6 Auth category
// (pinned in package.json) against an in-process server with device
// tracking, refresh token rotation (no grace period, so a client that kept
// the old refresh token fails its second refresh) and a group.
func TestAmplify(t *testing.T) {
	node := requireNode(t)
	if _, err := os.Stat(filepath.Join("node_modules", "aws-amplify", "package.json")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("interop/js/node_modules/aws-amplify is missing (CI=true: not skipping)")
		}
		t.Skip(`interop/js/node_modules/aws-amplify is missing: run "npm ci" in interop/js`)
	}
	srv, err := idp.New(idp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	p, err := srv.CreatePool(idp.PoolConfig{ID: "us-east-1_Amplify", Name: "amplify", AutoVerifiedAttributes: []string{"email"},
		DeviceConfiguration: &idp.DeviceConfiguration{}})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := srv.CreateClient(p.ID, idp.ClientConfig{ID: "amplifyclient", Name: "amplify",
		RefreshTokenRotation: &store.RefreshTokenRotation{Feature: "ENABLED"}})
	if err != nil {
		t.Fatal(err)
	}
	const user, password = "amy", "Amy-Pass-1!"
	if _, err := srv.CreateUser(p.ID, idp.UserConfig{Username: user, Password: password, Attributes: map[string]string{"email": "amy@example.com"}}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	addGroup(t, srv, p.ID, user, "readers")

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "amplify.mjs", srv.Endpoint(), p.ID, cl.ID, user, password)
	cmd.Env = append(os.Environ(), "AWS_SECRET_ACCESS_KEY="+srv.AdminCredentials().SecretAccessKey)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var out struct {
		OK                        bool     `json:"ok"`
		Error                     string   `json:"error"`
		Ops                       []string `json:"ops"`
		SignIn                    bool     `json:"signIn"`
		DeviceKey                 string   `json:"deviceKey"`
		DeviceConfirmed           bool     `json:"deviceConfirmed"`
		Refreshed                 bool     `json:"refreshed"`
		RefreshedTwice            bool     `json:"refreshedTwice"`
		RefreshedDeviceKey        string   `json:"refreshedDeviceKey"`
		Groups                    []string `json:"groups"`
		NameUpdated               bool     `json:"nameUpdated"`
		Name                      string   `json:"name"`
		ResetStep                 string   `json:"resetStep"`
		ResetMedium               string   `json:"resetMedium"`
		SignInAfterReset          bool     `json:"signInAfterReset"`
		RevokedAfterGlobalSignOut string   `json:"revokedAfterGlobalSignOut"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("node: %v (%v)\nstdout:\n%s\nstderr:\n%s", runErr, err, stdout.String(), stderr.String())
	}
	if !out.OK || runErr != nil {
		t.Fatalf("amplify.mjs: %s (%v)\nops: %v\nstderr:\n%s", out.Error, runErr, out.Ops, stderr.String())
	}
	for _, op := range []string{"InitiateAuth", "RespondToAuthChallenge", "ConfirmDevice", "GetTokensFromRefreshToken", "ChangePassword",
		"UpdateUserAttributes", "GetUser", "ForgotPassword", "ConfirmForgotPassword", "GlobalSignOut"} {
		if !slices.Contains(out.Ops, op) {
			t.Errorf("Amplify never called %s; ops: %v", op, out.Ops)
		}
	}
	if !out.SignIn || !out.DeviceConfirmed || out.DeviceKey == "" || !out.Refreshed || !out.RefreshedTwice || out.RefreshedDeviceKey != out.DeviceKey {
		t.Errorf("sign-in/refresh: %+v", out)
	}
	if !reflect.DeepEqual(out.Groups, []string{"readers"}) || !out.NameUpdated || out.Name != "Amplify Alice" {
		t.Errorf("groups/attributes: %+v", out)
	}
	if out.ResetStep != "CONFIRM_RESET_PASSWORD_WITH_CODE" || out.ResetMedium != "EMAIL" || !out.SignInAfterReset {
		t.Errorf("reset: %+v", out)
	}
	if out.RevokedAfterGlobalSignOut != "NotAuthorizedException" {
		t.Errorf("after signOut({global: true}) GetUser answered %q", out.RevokedAfterGlobalSignOut)
	}
}

// addGroup creates a group and puts a user in it over the HTTP API,
// signed with the server's admin key (SigV4).
func addGroup(t *testing.T, srv *idp.Server, poolID, user, group string) {
	t.Helper()
	for _, c := range []struct {
		op   string
		body map[string]string
	}{
		{"CreateGroup", map[string]string{"UserPoolId": poolID, "GroupName": group}},
		{"AdminAddUserToGroup", map[string]string{"UserPoolId": poolID, "Username": user, "GroupName": group}},
	} {
		b, _ := json.Marshal(c.body)
		req, _ := http.NewRequest(http.MethodPost, srv.Endpoint()+"/", bytes.NewReader(b))
		req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+c.op)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		if err := srv.AdminCredentials().SignRequest(req, b, idp.DefaultRegion, time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", c.op, resp.StatusCode)
		}
	}
}
