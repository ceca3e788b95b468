package idp_test

import (
	"fmt"
	"log"

	"github.com/caldera-srp/caldera/idp"
)

// A server on a loopback port with a pool, an app client and a user, ready
// for any Cognito client configured with srv.Endpoint().
func Example() {
	srv, err := idp.New(idp.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	if err := srv.Start("127.0.0.1:0"); err != nil {
		log.Fatal(err)
	}
	pool, err := srv.CreatePool(idp.PoolConfig{ID: "us-east-1_Example", Name: "example"})
	if err != nil {
		log.Fatal(err)
	}
	client, err := srv.CreateClient(pool.ID, idp.ClientConfig{Name: "app"})
	if err != nil {
		log.Fatal(err)
	}
	user, err := srv.CreateUser(pool.ID, idp.UserConfig{Username: "alice", Password: "Correct-Horse-1"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pool.ID, client.Secret == "", user.Username)
	// Output: us-east-1_Example true alice
}
