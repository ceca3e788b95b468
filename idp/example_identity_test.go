package idp_test

import (
	"context"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"

	"github.com/caldera-srp/caldera/flow"
	"github.com/caldera-srp/caldera/identitypool"
	"github.com/caldera-srp/caldera/idp"
	"github.com/caldera-srp/caldera/transport/awsjson"
)

// An identity pool trusting a user pool of the same server: a user signs
// in with SRP and trades the ID token for (fake, expiring) AWS credentials
// through aws-sdk-go-v2's cognitoidentity client, as against AWS.
func ExampleServer_CreateIdentityPool() {
	srv, err := idp.New(idp.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	if err := srv.Start("127.0.0.1:0"); err != nil {
		log.Fatal(err)
	}
	pool, _ := srv.CreatePool(idp.PoolConfig{ID: "us-east-1_Example", Name: "example"})
	client, _ := srv.CreateClient(pool.ID, idp.ClientConfig{Name: "app"})
	srv.CreateUser(pool.ID, idp.UserConfig{Username: "alice", Password: "Correct-Horse-1"})
	ip, err := srv.CreateIdentityPool(idp.IdentityPoolConfig{Name: "example", Providers: []idp.IdentityProvider{
		{ProviderName: "cognito-idp.us-east-1.amazonaws.com/" + pool.ID, ClientID: client.ID}}})
	if err != nil {
		log.Fatal(err)
	}

	tr, _ := awsjson.New(awsjson.Options{Endpoint: srv.Endpoint()})
	ts := flow.NewTokenSource(context.Background(), flow.Config{UserPoolID: pool.ID, ClientID: client.ID,
		Username: "alice", Password: "Correct-Horse-1", Flow: flow.UserSRPAuth}, tr, nil)
	creds, err := identitypool.New(identitypool.Config{
		IdentityPoolID: ip.ID, UserPoolID: pool.ID, Tokens: identitypool.FlowTokens(ts),
		Client: cognitoidentity.New(cognitoidentity.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.Endpoint())}),
	})
	if err != nil {
		log.Fatal(err)
	}
	c, err := creds.Retrieve(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.HasPrefix(c.AccessKeyID, "ASIACALDERAFAKE"), time.Until(c.Expires).Round(time.Hour))
	// Output: true 1h0m0s
}
