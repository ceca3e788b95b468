package main

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"os"

	"github.com/caldera-srp/caldera/flow"
	"github.com/caldera-srp/caldera/transport/awsjson"
)

func main() {
	const poolID, user = "us-east-1_Local", "alice@example.com"
	t, err := awsjson.New(awsjson.Options{Endpoint: "http://127.0.0.1:9229"}) // or Region: "eu-west-1"
	check(err)
	devices := flow.NewFileDeviceStore("devices.json") // remembered devices, mode 0600
	m, err := flow.New(flow.Config{UserPoolID: poolID, ClientID: "localsecretclient",
		ClientSecret: "local-client-secret", Username: user, Password: os.Getenv("PASSWORD"),
		Flow: flow.UserSRPAuth, Devices: devices}) // DEVICE_KEY is sent when a device is remembered
	check(err)
	in := bufio.NewScanner(os.Stdin)
	ask := flow.PrompterFunc(func(_ context.Context, p *flow.Prompt) (flow.Answer, error) {
		fmt.Printf("%s code: ", p.Challenge) // SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP, …
		in.Scan()
		return flow.Answer{Code: in.Text()}, nil
	})
	res, err := flow.Run(context.Background(), m, t, ask) // typed errors: errors.Is(err, flow.ErrNotAuthorized)
	check(err)
	check(flow.Remember(devices, poolID, user, res)) // keeps a new device, drops a forgotten one
	fmt.Println("signed in; new device:", res.NewDevice, "token:", res.Tokens.AccessToken[:16]+"…")
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
