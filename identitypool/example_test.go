package identitypool_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"

	"github.com/caldera-srp/caldera/identitypool"
)

// identityService is a stand-in for the identity-pool service that runs
// offline: it answers GetId and GetCredentialsForIdentity (AWS JSON 1.1,
// target prefix AWSCognitoIdentityService.) for logins of one user pool,
// with clearly fake credentials that expire in an hour.
func identityService(loginKey string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			IdentityPoolId, IdentityId string
			Logins                     map[string]string
		}
		json.NewDecoder(r.Body).Decode(&in)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if in.Logins[loginKey] == "" {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"__type":"NotAuthorizedException","message":"Invalid login token."}`)
			return
		}
		switch strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSCognitoIdentityService.") {
		case "GetId":
			fmt.Fprint(w, `{"IdentityId":"us-east-1:6a1f0c2e-0b9d-4c57-9e1a-2f3b4c5d6e7f"}`)
		case "GetCredentialsForIdentity":
			fmt.Fprintf(w, `{"IdentityId":%q,"Credentials":{"AccessKeyId":"ASIAFAKEEXAMPLE","SecretKey":"fake-secret",`+
				`"SessionToken":"fake-session","Expiration":%d}}`, in.IdentityId, time.Now().Add(time.Hour).Unix())
		default:
			w.WriteHeader(400)
			fmt.Fprint(w, `{"__type":"UnknownOperationException"}`)
		}
	}))
}

// A Cognito sign-in's ID token becomes AWS credentials. In a program, the
// ID token comes from a flow.TokenSource (identitypool.FlowTokens(ts)), the
// client is cognitoidentity.NewFromConfig(cfg), and the provider goes into
// config.WithCredentialsProvider for every other AWS client.
func Example() {
	srv := identityService("cognito-idp.us-east-1.amazonaws.com/us-east-1_Xz7Pq3mWd")
	defer srv.Close()
	client := cognitoidentity.New(cognitoidentity.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL)})

	creds, err := identitypool.New(identitypool.Config{
		IdentityPoolID: "us-east-1:0b4b5c6d-7e8f-4a1b-9c2d-3e4f5a6b7c8d",
		UserPoolID:     "us-east-1_Xz7Pq3mWd",
		Client:         client,
		Tokens: identitypool.IDTokenFunc(func(context.Context) (string, error) {
			return "eyJraWQiOi.id-token-of-the-sign-in.sig", nil
		}),
	})
	if err != nil {
		log.Fatal(err)
	}
	c, err := creds.Retrieve(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("login key:", creds.ProviderName())
	fmt.Println("identity:", creds.IdentityID())
	fmt.Println("access key:", c.AccessKeyID, "expires:", c.CanExpire)
	// Output:
	// login key: cognito-idp.us-east-1.amazonaws.com/us-east-1_Xz7Pq3mWd
	// identity: us-east-1:6a1f0c2e-0b9d-4c57-9e1a-2f3b4c5d6e7f
	// access key: ASIAFAKEEXAMPLE expires: true
}

func ExampleLoginKey() {
	k, _ := identitypool.LoginKey("eu-west-1_AbCdEf123")
	fmt.Println(k)
	k, _ = identitypool.LoginKey("cn-north-1_AbCdEf123")
	fmt.Println(k)
	// Output:
	// cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123
	// cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_AbCdEf123
}
