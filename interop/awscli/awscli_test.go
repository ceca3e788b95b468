package awscli_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The control-plane key given to caldera serve --admin-credentials; the
// AWS CLI signs every admin, group and listing call with it (SigV4).
const (
	adminKeyID  = "AKIALOCALADMIN000001"
	adminSecret = "local-admin-secret-for-the-aws-cli-test"
)

// awsCLI runs one aws cognito-idp command against endpoint with the given
// access key (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) and extra
// arguments, and returns its stdout, stderr and error.
func awsCLI(aws, endpoint, keyID, secret string, args ...string) (stdout, stderr []byte, err error) {
	cmd := exec.Command(aws, append([]string{"cognito-idp", "--endpoint-url", endpoint, "--output", "json"}, args...)...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+keyID, "AWS_SECRET_ACCESS_KEY="+secret,
		"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.Bytes(), e.Bytes(), err
}

// cli runs one aws cognito-idp command signed with the admin key and
// decodes its JSON output into out (when not nil).
func cli(t *testing.T, aws, endpoint string, out any, args ...string) {
	t.Helper()
	stdout, stderr, err := awsCLI(aws, endpoint, adminKeyID, adminSecret, args...)
	if err != nil {
		t.Fatalf("aws %v: %v\n%s", args, err, stderr)
	}
	if out != nil {
		if err := json.Unmarshal(stdout, out); err != nil {
			t.Fatalf("aws %v: %v\n%s", args, err, stdout)
		}
	}
}

// serve builds the caldera command and runs caldera serve with
// --admin-credentials on a free port; it returns the endpoint and the
// admin key from the startup JSON line (what a script reads).
func serve(t *testing.T) (endpoint, keyID, secret string) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "caldera")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/caldera-srp/caldera/cmd/caldera").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--admin-credentials", adminKeyID+":"+adminSecret)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err != nil {
		t.Fatalf("caldera serve: %v\n%s", err, stderr.String())
	}
	var started struct {
		Endpoint         string
		AdminCredentials struct{ AccessKeyID, SecretAccessKey string } `json:"adminCredentials"`
	}
	if err := json.Unmarshal(line, &started); err != nil {
		t.Fatalf("startup line %q: %v", line, err)
	}
	return started.Endpoint, started.AdminCredentials.AccessKeyID, started.AdminCredentials.SecretAccessKey
}

// TestAWSCLI drives admin, group and listing operations with the AWS CLI
// against caldera serve, signed with the key given by --admin-credentials
// (and printed at start); unsigned or wrongly signed calls are refused.
func TestAWSCLI(t *testing.T) {
	aws, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("the aws command is not installed")
	}
	ep, keyID, secret := serve(t)
	if keyID != adminKeyID || secret != adminSecret {
		t.Fatalf("caldera serve printed the key %q:%q, want the one given", keyID, secret)
	}
	for _, c := range []struct {
		keyID, secret string
		extra         []string
		want          string
	}{
		{adminKeyID, adminSecret, []string{"--no-sign-request"}, "MissingAuthenticationTokenException"},
		{adminKeyID, "not-" + adminSecret, nil, "InvalidSignatureException"},
		{"AKIAOTHERKEY00000001", adminSecret, nil, "UnrecognizedClientException"},
	} {
		_, stderr, err := awsCLI(aws, ep, c.keyID, c.secret, append(c.extra, "list-user-pools", "--max-results", "10")...)
		if err == nil || !strings.Contains(string(stderr), c.want) {
			t.Errorf("list-user-pools %v with key %s: %v, want %s\n%s", c.extra, c.keyID, err, c.want, stderr)
		}
	}
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
