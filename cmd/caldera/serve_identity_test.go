package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServeIdentityPool: caldera serve with a seed that declares an
// identity pool trusting its user pool under the server's own issuer name
// (HOST:PORT/POOL); caldera credentials --provider-name gets credentials
// that live --identity-credentials-ttl.
func TestServeIdentityPool(t *testing.T) {
	dir := t.TempDir()
	var sd map[string]any
	b, err := os.ReadFile("../../idp/testdata/seed.json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &sd))
	// The port is not known before the start: the seed names the pool the
	// Cognito way, and a second run of the command names it the local way
	// against a pool created over the API below.
	const ipID = "us-east-1:00000000-0000-4000-8000-000000000001"
	sd["identityPools"] = []any{map[string]any{"IdentityPoolId": ipID, "IdentityPoolName": "seeded",
		"AllowUnauthenticatedIdentities": false,
		"CognitoIdentityProviders": []any{map[string]any{"ProviderName": "cognito-idp.us-east-1.amazonaws.com/us-east-1_Local",
			"ClientId": "localpublicclient"}}}}
	b, err = json.Marshal(sd)
	require.NoError(t, err)
	seed := filepath.Join(dir, "seed.json")
	require.NoError(t, os.WriteFile(seed, b, 0o600))

	started, _, stop := startServeMain(t, "--addr", "127.0.0.1:0", "--seed", seed, "--insecure-admin", "--identity-credentials-ttl", "5m")
	defer stop()
	ep := started["endpoint"].(string)
	assert.Equal(t, `[{"id":"`+ipID+`","name":"seeded"}]`, mustJSON(t, started["identityPools"]))

	// An identity pool created over the API (unsigned: --insecure-admin)
	// that trusts HOST:PORT/us-east-1_Local.
	local := strings.TrimPrefix(ep, "http://") + "/us-east-1_Local"
	st, body := postTarget(t, ep, "AWSCognitoIdentityService.CreateIdentityPool",
		`{"IdentityPoolName":"local","AllowUnauthenticatedIdentities":false,"CognitoIdentityProviders":[{"ProviderName":"`+local+`","ClientId":"localpublicclient"}]}`)
	require.Equal(t, 200, st, body)
	var created struct{ IdentityPoolId string }
	require.NoError(t, json.Unmarshal([]byte(body), &created))

	for _, c := range []struct{ pool, provider string }{{ipID, ""}, {created.IdentityPoolId, local}} {
		args := []string{"--pool-id", "us-east-1_Local", "--client-id", "localpublicclient", "--identity-pool-id", c.pool,
			"--username", "alice", "--endpoint", ep, "--cache-dir", filepath.Join(dir, "cache"), "--device-file", filepath.Join(dir, "devices.json")}
		if c.provider != "" {
			args = append(args, "--provider-name", c.provider)
		}
		start := time.Now()
		code, stdout, stderr, _ := runCredentials(t, "Correct-Horse-1\n", args...)
		require.Equal(t, 0, code, stderr)
		var pc processCredentials
		require.NoError(t, json.Unmarshal([]byte(stdout), &pc))
		assert.True(t, strings.HasPrefix(pc.AccessKeyID, "ASIACALDERAFAKE"), pc.AccessKeyID)
		exp, err := time.Parse(time.RFC3339, pc.Expiration)
		require.NoError(t, err)
		assert.WithinDuration(t, start.Add(5*time.Minute), exp, 30*time.Second)
	}
}

func postTarget(t *testing.T, ep, target, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, ep+"/", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", target)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
