package idp

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/idp/store"
)

// pwSignIn signs f's user in with USER_PASSWORD_AUTH and returns the
// AuthenticationResult.
func (h *harness) pwSignIn(f fixture, username, password string) map[string]any {
	h.t.Helper()
	p := map[string]string{"USERNAME": username, "PASSWORD": password}
	if f.secret != "" {
		p["SECRET_HASH"] = challenge.SecretHash(f.secret, username, f.client)
	}
	out := h.mustCall("InitiateAuth", map[string]any{"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": f.client, "AuthParameters": p})
	return tokensOf(h.t.(*testing.T), out)
}

var pwFlows = []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}

// TestGetTokensFromRefreshTokenRotation: botocore's
// GetTokensFromRefreshTokenRequest (RefreshToken, ClientId required;
// ClientSecret, DeviceKey) and RefreshTokenRotationType (Feature
// ENABLED|DISABLED, RetryGracePeriodSeconds 0–60).
func TestGetTokensFromRefreshTokenRotation(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{DeviceConfiguration: &DeviceConfiguration{}}, ClientConfig{GenerateSecret: true, ExplicitAuthFlows: pwFlows,
		RefreshTokenRotation: &store.RefreshTokenRotation{Feature: "ENABLED", RetryGracePeriodSeconds: 10}}, UserConfig{})
	res := h.pwSignIn(f, f.user, f.password)
	r1 := res["RefreshToken"].(string)
	dev := res["NewDeviceMetadata"].(map[string]any)["DeviceKey"].(string)

	// REFRESH_TOKEN_AUTH is refused on a rotating client.
	_, e := h.call("InitiateAuth", map[string]any{"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": f.client, "AuthParameters": map[string]string{
		"REFRESH_TOKEN": r1, "SECRET_HASH": secretHash(f, f.user)}})
	wantErr(t, e, "InvalidParameterException", "")

	refresh := func(tok string, extra map[string]any) (map[string]any, *apiError) {
		in := map[string]any{"RefreshToken": tok, "ClientId": f.client, "ClientSecret": f.secret}
		for k, v := range extra {
			in[k] = v
		}
		return h.call("GetTokensFromRefreshToken", in)
	}
	_, e = h.call("GetTokensFromRefreshToken", map[string]any{"RefreshToken": r1, "ClientId": f.client})
	wantErr(t, e, "NotAuthorizedException", "Client "+f.client+" is configured with secret but ClientSecret was not received")
	_, e = refresh(r1, map[string]any{"ClientSecret": f.secret + "x"})
	wantErr(t, e, "NotAuthorizedException", "Client secret is invalid.")
	_, e = h.call("GetTokensFromRefreshToken", map[string]any{"ClientId": f.client})
	wantErr(t, e, "InvalidParameterException", "1 validation error detected: Value null at 'refreshToken' failed to satisfy constraint: Member must not be null")
	_, e = refresh(r1, map[string]any{"DeviceKey": "us-east-1_nope"})
	wantErr(t, e, "ResourceNotFoundException", msgDeviceNotExist)

	h.clock.Advance(time.Second)
	out, e := refresh(r1, map[string]any{"DeviceKey": dev})
	if e != nil {
		t.Fatal(e)
	}
	ar := tokensOf(t, out)
	r2, _ := ar["RefreshToken"].(string)
	if r2 == "" || r2 == r1 {
		t.Fatalf("rotation gave refresh token %q (old %q)", r2, r1)
	}
	ac, err := h.srv.VerifyToken(ar["AccessToken"].(string))
	if err != nil || ac.String("device_key") != dev || ac.String("token_use") != "access" {
		t.Fatalf("access claims %v, %v", ac, err)
	}
	// The old token works during the grace period (a client's retry)…
	h.clock.Advance(5 * time.Second)
	out, e = refresh(r1, nil)
	if e != nil {
		t.Fatalf("old token within grace: %v", e)
	}
	r3 := tokensOf(t, out)["RefreshToken"].(string)
	// The retry does not kill r2 at once (the client may hold either)…
	out, e = refresh(r2, nil)
	if e != nil {
		t.Fatalf("r2 after a retry with r1: %v", e)
	}
	r4 := tokensOf(t, out)["RefreshToken"].(string)
	// …but neither r1 nor r2 outlive r1's grace period.
	h.clock.Advance(6 * time.Second)
	_, e = refresh(r1, nil)
	wantErr(t, e, "NotAuthorizedException", msgBadRefresh)
	_, e = refresh(r3, nil)
	wantErr(t, e, "NotAuthorizedException", msgBadRefresh) // r3 was rotated out by r2's use, 6s ago
	if _, e := refresh(r4, nil); e != nil {
		t.Fatalf("current token: %v", e)
	}

	// With grace 0 the old token dies at once; with rotation DISABLED no
	// refresh token is returned and the same one keeps working.
	f0 := h.fixture(PoolConfig{}, ClientConfig{ExplicitAuthFlows: pwFlows,
		RefreshTokenRotation: &store.RefreshTokenRotation{Feature: "ENABLED"}}, UserConfig{})
	t1 := h.pwSignIn(f0, f0.user, f0.password)["RefreshToken"].(string)
	t2 := tokensOf(t, h.mustCall("GetTokensFromRefreshToken", map[string]any{"RefreshToken": t1, "ClientId": f0.client}))["RefreshToken"].(string)
	_, e = h.call("GetTokensFromRefreshToken", map[string]any{"RefreshToken": t1, "ClientId": f0.client})
	wantErr(t, e, "NotAuthorizedException", msgBadRefresh)
	h.mustCall("GetTokensFromRefreshToken", map[string]any{"RefreshToken": t2, "ClientId": f0.client})
	// Another client's refresh token is refused.
	_, e = h.call("GetTokensFromRefreshToken", map[string]any{"RefreshToken": t2, "ClientId": f.client, "ClientSecret": f.secret})
	wantErr(t, e, "NotAuthorizedException", msgBadRefresh)

	fd := h.fixture(PoolConfig{}, ClientConfig{ExplicitAuthFlows: pwFlows,
		RefreshTokenRotation: &store.RefreshTokenRotation{Feature: "DISABLED"}}, UserConfig{})
	d1 := h.pwSignIn(fd, fd.user, fd.password)["RefreshToken"].(string)
	for range 2 {
		ar := tokensOf(t, h.mustCall("GetTokensFromRefreshToken", map[string]any{"RefreshToken": d1, "ClientId": fd.client}))
		if ar["RefreshToken"] != nil || ar["IdToken"] == nil {
			t.Fatalf("DISABLED rotation answered %v", ar)
		}
	}

	// CreateUserPoolClient validates the setting and DescribeUserPoolClient
	// shows it.
	for _, bad := range []map[string]any{{"Feature": "SOMETIMES"}, {"Feature": "ENABLED", "RetryGracePeriodSeconds": 61}} {
		_, e = h.call("CreateUserPoolClient", map[string]any{"UserPoolId": f.pool, "ClientName": "x", "RefreshTokenRotation": bad})
		wantErr(t, e, "InvalidParameterException", "")
	}
	cl := h.mustCall("CreateUserPoolClient", map[string]any{"UserPoolId": f.pool, "ClientName": "x",
		"RefreshTokenRotation": map[string]any{"Feature": "ENABLED", "RetryGracePeriodSeconds": 30}})["UserPoolClient"].(map[string]any)
	d := h.mustCall("DescribeUserPoolClient", map[string]any{"UserPoolId": f.pool, "ClientId": cl["ClientId"]})["UserPoolClient"].(map[string]any)
	rot := d["RefreshTokenRotation"].(map[string]any)
	if rot["Feature"] != "ENABLED" || rot["RetryGracePeriodSeconds"] != float64(30) {
		t.Fatalf("RefreshTokenRotation %v", rot)
	}
}

// TestGroups: botocore's CreateGroup…ListUsersInGroup and the
// cognito:groups / cognito:roles / cognito:preferred_role claims, ordered
// by Precedence (lowest first, unset last) as GroupType.Precedence
// documents.
func TestGroups(t *testing.T) {
	h := newHarness(t, nil)
	f := h.fixture(PoolConfig{}, ClientConfig{ExplicitAuthFlows: pwFlows}, UserConfig{})
	const roleA, roleB = "arn:aws:iam::123456789012:role/a", "arn:aws:iam::123456789012:role/b"
	mk := func(name string, prec any, role string) {
		in := map[string]any{"UserPoolId": f.pool, "GroupName": name, "Description": "group " + name}
		if prec != nil {
			in["Precedence"] = prec
		}
		if role != "" {
			in["RoleArn"] = role
		}
		g := h.mustCall("CreateGroup", in)["Group"].(map[string]any)
		if g["GroupName"] != name || g["UserPoolId"] != f.pool || g["Description"] != "group "+name {
			t.Fatalf("CreateGroup %v", g)
		}
	}
	mk("zeta", 1, roleB)
	mk("alpha", nil, "")
	mk("beta", 5, roleA)
	mk("gamma", 1, roleB)

	_, e := h.call("CreateGroup", map[string]any{"UserPoolId": f.pool, "GroupName": "beta"})
	wantErr(t, e, "GroupExistsException", "A group with the name beta already exists.")
	_, e = h.call("CreateGroup", map[string]any{"UserPoolId": f.pool})
	wantErr(t, e, "InvalidParameterException", "1 validation error detected: Value null at 'groupName' failed to satisfy constraint: Member must not be null")
	_, e = h.call("CreateGroup", map[string]any{"UserPoolId": f.pool, "GroupName": "neg", "Precedence": -1})
	wantErr(t, e, "InvalidParameterException", "")
	_, e = h.call("CreateGroup", map[string]any{"UserPoolId": f.pool, "GroupName": "bad", "RoleArn": "not-an-arn-but-long-enough"})
	wantErr(t, e, "InvalidParameterException", "")
	_, e = h.call("CreateGroup", map[string]any{"GroupName": "x"})
	wantErr(t, e, "InvalidParameterException", "1 validation error detected: Value null at 'userPoolId' failed to satisfy constraint: Member must not be null")
	_, e = h.call("CreateGroup", map[string]any{"UserPoolId": "us-east-1_nope", "GroupName": "x"})
	wantErr(t, e, "ResourceNotFoundException", "User pool us-east-1_nope does not exist.")
	_, e = h.call("GetGroup", map[string]any{"UserPoolId": f.pool, "GroupName": "nope"})
	wantErr(t, e, "ResourceNotFoundException", "Group not found.")

	// ListGroups pages in name order.
	var names []string
	tok := ""
	for {
		in := map[string]any{"UserPoolId": f.pool, "Limit": 3}
		if tok != "" {
			in["NextToken"] = tok
		}
		out := h.mustCall("ListGroups", in)
		for _, g := range out["Groups"].([]any) {
			names = append(names, g.(map[string]any)["GroupName"].(string))
		}
		tok, _ = out["NextToken"].(string)
		if tok == "" {
			break
		}
	}
	if !slices.Equal(names, []string{"alpha", "beta", "gamma", "zeta"}) {
		t.Fatalf("ListGroups %v", names)
	}
	_, e = h.call("ListGroups", map[string]any{"UserPoolId": f.pool, "Limit": 61})
	wantErr(t, e, "InvalidParameterException", "")

	for _, g := range []string{"zeta", "alpha", "beta", "gamma"} {
		h.mustCall("AdminAddUserToGroup", map[string]any{"UserPoolId": f.pool, "Username": f.user, "GroupName": g})
	}
	_, e = h.call("AdminAddUserToGroup", map[string]any{"UserPoolId": f.pool, "Username": "nobody", "GroupName": "beta"})
	wantErr(t, e, "UserNotFoundException", msgUserNotExist)

	claims := func() (Claims, Claims) {
		res := h.pwSignIn(f, f.user, f.password)
		id, err := h.srv.VerifyToken(res["IdToken"].(string))
		if err != nil {
			t.Fatal(err)
		}
		ac, err := h.srv.VerifyToken(res["AccessToken"].(string))
		if err != nil {
			t.Fatal(err)
		}
		return id, ac
	}
	strs := func(v any) []string {
		var out []string
		for _, x := range v.([]any) {
			out = append(out, x.(string))
		}
		return out
	}
	id, ac := claims()
	want := []string{"gamma", "zeta", "beta", "alpha"} // 1, 1 (by name), 5, unset
	if got := strs(id["cognito:groups"]); !slices.Equal(got, want) {
		t.Fatalf("ID cognito:groups %v, want %v", got, want)
	}
	if got := strs(ac["cognito:groups"]); !slices.Equal(got, want) {
		t.Fatalf("access cognito:groups %v, want %v", got, want)
	}
	if got := strs(id["cognito:roles"]); !slices.Equal(got, []string{roleB, roleA}) {
		t.Fatalf("cognito:roles %v", got)
	}
	if id["cognito:preferred_role"] != roleB {
		t.Fatalf("preferred_role %v", id["cognito:preferred_role"])
	}
	// Two top groups with different roles: no preferred role.
	h.mustCall("UpdateGroup", map[string]any{"UserPoolId": f.pool, "GroupName": "gamma", "RoleArn": roleA})
	if id, _ = claims(); id["cognito:preferred_role"] != nil {
		t.Fatalf("ambiguous preferred_role %v", id["cognito:preferred_role"])
	}
	g := h.mustCall("GetGroup", map[string]any{"UserPoolId": f.pool, "GroupName": "gamma"})["Group"].(map[string]any)
	if g["RoleArn"] != roleA || g["Precedence"] != float64(1) || g["Description"] != "group gamma" {
		t.Fatalf("UpdateGroup kept %v", g)
	}

	// Listing both ways, removing, deleting.
	out := h.mustCall("AdminListGroupsForUser", map[string]any{"UserPoolId": f.pool, "Username": f.user})
	if len(out["Groups"].([]any)) != 4 {
		t.Fatalf("AdminListGroupsForUser %v", out)
	}
	out = h.mustCall("ListUsersInGroup", map[string]any{"UserPoolId": f.pool, "GroupName": "beta"})
	if us := out["Users"].([]any); len(us) != 1 || us[0].(map[string]any)["Username"] != f.user {
		t.Fatalf("ListUsersInGroup %v", out)
	}
	h.mustCall("AdminRemoveUserFromGroup", map[string]any{"UserPoolId": f.pool, "Username": f.user, "GroupName": "beta"})
	h.mustCall("DeleteGroup", map[string]any{"UserPoolId": f.pool, "GroupName": "zeta"})
	_, e = h.call("DeleteGroup", map[string]any{"UserPoolId": f.pool, "GroupName": "zeta"})
	wantErr(t, e, "ResourceNotFoundException", "Group not found.")
	out = h.mustCall("ListUsersInGroup", map[string]any{"UserPoolId": f.pool, "GroupName": "beta"})
	if len(out["Users"].([]any)) != 0 {
		t.Fatalf("removed user still listed: %v", out)
	}
	if id, _ = claims(); !slices.Equal(strs(id["cognito:groups"]), []string{"gamma", "alpha"}) {
		t.Fatalf("after removal cognito:groups %v", id["cognito:groups"])
	}
	// Deleting the user removes its memberships; the store stays consistent.
	h.mustCall("AdminDeleteUser", map[string]any{"UserPoolId": f.pool, "Username": f.user})
	out = h.mustCall("ListUsersInGroup", map[string]any{"UserPoolId": f.pool, "GroupName": "gamma"})
	if len(out["Users"].([]any)) != 0 {
		t.Fatalf("deleted user still listed: %v", out)
	}
	if err := h.srv.store.View(store.Check); err != nil {
		t.Fatal(err)
	}
}

// TestBoltPersistenceApp: groups, memberships, tags, a rotated refresh
// token with its grace period and a pending reset code survive a restart
// on the same database file (caldera serve --data).
func TestBoltPersistenceApp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "idp.db")
	open := func() *harness {
		st, err := OpenBoltStore(path)
		if err != nil {
			t.Fatal(err)
		}
		return newHarness(t, func(o *Options) { o.Store = st })
	}
	h := open()
	f := h.fixture(PoolConfig{Tags: map[string]string{"k": "v"}}, ClientConfig{ExplicitAuthFlows: pwFlows,
		RefreshTokenRotation: &store.RefreshTokenRotation{Feature: "ENABLED", RetryGracePeriodSeconds: 30}},
		UserConfig{Attributes: map[string]string{"email": "a@example.com", "email_verified": "true"}})
	h.mustCall("CreateGroup", map[string]any{"UserPoolId": f.pool, "GroupName": "g", "Precedence": 3})
	h.mustCall("AdminAddUserToGroup", map[string]any{"UserPoolId": f.pool, "Username": f.user, "GroupName": "g"})
	r1 := h.pwSignIn(f, f.user, f.password)["RefreshToken"].(string)
	r2 := tokensOf(t, h.mustCall("GetTokensFromRefreshToken", map[string]any{"RefreshToken": r1, "ClientId": f.client}))["RefreshToken"].(string)
	h.mustCall("ForgotPassword", map[string]any{"ClientId": f.client, "Username": f.user})
	code := h.srv.LastCode(f.pool, f.user)
	h.http.Close()
	if err := h.srv.Close(); err != nil {
		t.Fatal(err)
	}

	h2 := open()
	h2.clock.t = h.clock.Now()
	for _, tok := range []string{r1, r2} { // r1 still within its grace period
		out := tokensOf(t, h2.mustCall("GetTokensFromRefreshToken", map[string]any{"RefreshToken": tok, "ClientId": f.client}))
		id, err := h2.srv.VerifyToken(out["IdToken"].(string))
		if err != nil || !slices.Equal(id["cognito:groups"].([]any), []any{"g"}) {
			t.Fatalf("groups after restart %v (%v)", id["cognito:groups"], err)
		}
	}
	tags := h2.mustCall("ListTagsForResource", map[string]any{"ResourceArn": "arn:aws:cognito-idp:us-east-1:000000000000:userpool/" + f.pool})["Tags"]
	if strMap(tags)["k"] != "v" {
		t.Fatalf("tags after restart %v", tags)
	}
	h2.mustCall("ConfirmForgotPassword", map[string]any{"ClientId": f.client, "Username": f.user, "ConfirmationCode": code, "Password": "After-Restart-1"})
	h2.pwSignIn(f, f.user, "After-Restart-1")
}

// TestSeedGroups: a seed file declares groups with members; applying it
// again keeps them; the tokens carry them by precedence.
func TestSeedGroups(t *testing.T) {
	h := newHarness(t, nil)
	path := filepath.Join(t.TempDir(), "seed.json")
	seed := `{"pools": [{"id": "us-east-1_Seeded", "name": "seeded",
	  "clients": [{"id": "seededclient", "name": "app", "explicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"]}],
	  "users": [{"username": "sam", "password": "Sam-Pass-1!"}],
	  "groups": [{"name": "staff", "members": ["sam"]},
	             {"name": "admins", "precedence": 0, "roleArn": "arn:aws:iam::123456789012:role/admin", "members": ["sam"]}]}]}`
	if err := os.WriteFile(path, []byte(seed), 0o600); err != nil {
		t.Fatal(err)
	}
	sd, err := ReadSeedFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := h.srv.ApplySeed(sd); err != nil {
			t.Fatal(err)
		}
	}
	f := fixture{pool: "us-east-1_Seeded", client: "seededclient", user: "sam", password: "Sam-Pass-1!"}
	id, err := h.srv.VerifyToken(h.pwSignIn(f, f.user, f.password)["IdToken"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(id["cognito:groups"].([]any), []any{"admins", "staff"}) || id["cognito:preferred_role"] != "arn:aws:iam::123456789012:role/admin" {
		t.Fatalf("claims %v", id)
	}
	if err := h.srv.AddUserToGroup(f.pool, "nobody", "staff"); !errors.Is(err, ErrUserNotFound) {
		t.Fatalf("AddUserToGroup unknown user: %v", err)
	}
}
