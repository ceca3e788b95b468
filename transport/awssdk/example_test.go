package awssdk_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/caldera-srp/caldera/flow"
	"github.com/caldera-srp/caldera/transport/awssdk"
)

// An admin sign-in through the SDK, with its usual configuration
// (credentials, region, retries) from the environment.
func Example() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		panic(err)
	}
	t := awssdk.New(cognitoidentityprovider.NewFromConfig(cfg))
	m, err := flow.New(flow.Config{
		UserPoolID: "eu-west-1_Xz7Pq3mWd",
		ClientID:   "3n4b5urk1ft4fl3mg5e62d9ado",
		Username:   "alice",
		Password:   "correct horse battery staple",
		Flow:       flow.AdminUserPasswordAuth,
		Admin:      true,
	})
	if err != nil {
		panic(err)
	}
	res, err := flow.Run(ctx, m, t, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Tokens.Expiry)
}
