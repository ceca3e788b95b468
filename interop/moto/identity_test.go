package moto_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	citypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentity/types"

	"github.com/caldera-srp/caldera/flow"
	"github.com/caldera-srp/caldera/identitypool"
)

// TestContextDataAccepted signs in with AnalyticsMetadata and
// UserContextData on every request over both transports: moto 5.2.1 takes
// the members (and ignores them; moto/cognitoidp/responses.py reads neither).
func TestContextDataAccepted(t *testing.T) {
	eachTransport(t, func(t *testing.T, ep string, tr flow.Transport) {
		p := newPool(t, ep, false)
		p.user(t, "erin", "Passw0rd!ok", true)
		cfg := p.config("erin", "Passw0rd!ok", flow.UserPasswordAuth)
		cfg.AnalyticsEndpointID = "pinpoint-endpoint-1"
		cfg.UserContextData = &flow.UserContextData{IPAddress: "203.0.113.7", EncodedData: "eyJmcCI6MX0"}
		res, err := run(t, cfg, tr, nil)
		if err != nil {
			t.Fatalf("sign-in with context data: %v", err)
		}
		checkTokens(t, p, res, true)
	})
}

// TestIdentityPoolCredentials signs in with flow (both transports) and
// trades the ID token at moto's identity pool through package identitypool
// and the SDK's cognitoidentity client: GetId once, then
// GetCredentialsForIdentity (moto 5.2.1 checks no login: it draws an
// identity id and answers fixed fake keys valid for 90 s,
// moto/cognitoidentity/models.py).
func TestIdentityPoolCredentials(t *testing.T) {
	eachTransport(t, func(t *testing.T, ep string, tr flow.Transport) {
		p := newPool(t, ep, false)
		p.user(t, "frank", "Passw0rd!ok", true)
		key, err := identitypool.LoginKey(p.id)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		var calls []string
		client := cognitoidentity.New(cognitoidentity.Options{Region: "us-east-1", BaseEndpoint: aws.String(ep), RetryMaxAttempts: 1,
			HTTPClient: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				calls = append(calls, strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSCognitoIdentityService."))
				if r.Header.Get("Authorization") != "" {
					t.Errorf("%s is signed", calls[len(calls)-1])
				}
				return http.DefaultTransport.RoundTrip(r)
			})}})
		admin := cognitoidentity.New(cognitoidentity.Options{Region: "us-east-1", BaseEndpoint: aws.String(ep), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")})
		ip, err := admin.CreateIdentityPool(ctx, &cognitoidentity.CreateIdentityPoolInput{
			IdentityPoolName: aws.String("caldera_interop"),
			CognitoIdentityProviders: []citypes.CognitoIdentityProvider{
				{ProviderName: aws.String(key), ClientId: aws.String(p.clientID)}},
		})
		if err != nil {
			t.Fatalf("CreateIdentityPool: %v", err)
		}
		t.Cleanup(func() {
			admin.DeleteIdentityPool(context.Background(), &cognitoidentity.DeleteIdentityPoolInput{IdentityPoolId: ip.IdentityPoolId})
		})

		ts := flow.NewTokenSource(ctx, p.config("frank", "Passw0rd!ok", flow.UserPasswordAuth), tr, nil)
		ts.Refresh = flow.RefreshTokenAuth // moto has no GetTokensFromRefreshToken
		prov, err := identitypool.New(identitypool.Config{IdentityPoolID: *ip.IdentityPoolId, UserPoolID: p.id,
			Client: client, Tokens: identitypool.FlowTokens(ts)})
		if err != nil {
			t.Fatal(err)
		}
		c, err := aws.NewCredentialsCache(prov).Retrieve(ctx)
		if err != nil {
			t.Fatalf("Retrieve: %v", err)
		}
		if c.AccessKeyID != "TESTACCESSKEY12345" || c.SecretAccessKey == "" || c.SessionToken == "" || !c.CanExpire ||
			c.Expires.Before(time.Now()) || c.Expires.After(time.Now().Add(2*time.Minute)) {
			t.Errorf("credentials %+v", c)
		}
		if !strings.HasPrefix(prov.IdentityID(), "us-east-1:") {
			t.Errorf("identity id %q", prov.IdentityID())
		}
		if strings.Join(calls, ",") != "GetId,GetCredentialsForIdentity" {
			t.Errorf("calls %v", calls)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
