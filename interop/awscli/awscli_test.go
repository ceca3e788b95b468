package awscli_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"testing"

	"github.com/caldera-srp/caldera/idp"
)

// cli runs one aws cognito-idp command against endpoint and decodes its
// JSON output into out (when not nil).
func cli(t *testing.T, aws, endpoint string, out any, args ...string) {
	t.Helper()
	cmd := exec.Command(aws, append([]string{"cognito-idp", "--endpoint-url", endpoint, "--output", "json"}, args...)...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=local-secret",
		"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("aws %v: %v\n%s", args, err, stderr.String())
	}
	if out != nil {
		if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
			t.Fatalf("aws %v: %v\n%s", args, err, stdout.String())
		}
	}
}

// TestAWSCLI drives admin, group and listing operations with the AWS CLI.
func TestAWSCLI(t *testing.T) {
	aws, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("the aws command is not installed")
	}
	srv, err := idp.New(idp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	ep := srv.Endpoint()
	var pool struct{ UserPool struct{ Id, Arn string } }
	cli(t, aws, ep, &pool, "create-user-pool", "--pool-name", "cli", "--user-pool-tags", "team=idp")
	id := pool.UserPool.Id
	cli(t, aws, ep, nil, "create-group", "--user-pool-id", id, "--group-name", "admins", "--precedence", "1")
	for _, u := range []string{"ann", "ben"} {
		cli(t, aws, ep, nil, "admin-create-user", "--user-pool-id", id, "--username", u, "--message-action", "SUPPRESS",
			"--temporary-password", "Temp-Pass-1", "--user-attributes", "Name=email,Value="+u+"@example.com")
	}
	cli(t, aws, ep, nil, "admin-add-user-to-group", "--user-pool-id", id, "--username", "ann", "--group-name", "admins")

	var users struct{ Users []struct{ Username string } }
	cli(t, aws, ep, &users, "list-users", "--user-pool-id", id, "--filter", `email ^= "b"`)
	if len(users.Users) != 1 || users.Users[0].Username != "ben" {
		t.Fatalf("list-users --filter: %+v", users)
	}
	var in struct{ Users []struct{ Username string } }
	cli(t, aws, ep, &in, "list-users-in-group", "--user-pool-id", id, "--group-name", "admins")
	if len(in.Users) != 1 || in.Users[0].Username != "ann" {
		t.Fatalf("list-users-in-group: %+v", in)
	}
	var groups struct{ Groups []struct{ GroupName string } }
	cli(t, aws, ep, &groups, "admin-list-groups-for-user", "--user-pool-id", id, "--username", "ann")
	if len(groups.Groups) != 1 || groups.Groups[0].GroupName != "admins" {
		t.Fatalf("admin-list-groups-for-user: %+v", groups)
	}
	var pools struct{ UserPools []struct{ Id string } }
	cli(t, aws, ep, &pools, "list-user-pools", "--max-results", "10")
	if len(pools.UserPools) != 1 || pools.UserPools[0].Id != id {
		t.Fatalf("list-user-pools: %+v", pools)
	}
	var tags struct{ Tags map[string]string }
	cli(t, aws, ep, &tags, "list-tags-for-resource", "--resource-arn", pool.UserPool.Arn)
	if tags.Tags["team"] != "idp" {
		t.Fatalf("tags: %+v", tags)
	}
	var cert struct{ Certificate string }
	cli(t, aws, ep, &cert, "get-signing-certificate", "--user-pool-id", id)
	if cert.Certificate == "" {
		t.Fatal("no certificate")
	}
	cli(t, aws, ep, nil, "admin-disable-user", "--user-pool-id", id, "--username", "ben")
	cli(t, aws, ep, &users, "list-users", "--user-pool-id", id, "--filter", `status = "Disabled"`)
	if len(users.Users) != 1 || users.Users[0].Username != "ben" {
		t.Fatalf("disabled users: %+v", users)
	}
	cli(t, aws, ep, nil, "delete-user-pool", "--user-pool-id", id)
	cli(t, aws, ep, &pools, "list-user-pools", "--max-results", "10")
	if len(pools.UserPools) != 0 {
		t.Fatalf("after delete-user-pool: %+v", pools)
	}
}
