package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/caldera-srp/caldera/idp"
)

const serveUsage = `Usage: caldera serve [--addr HOST:PORT] [--data FILE] [--seed FILE] [--endpoint URL] [--region R]
                     [--admin-credentials ACCESS_KEY_ID:SECRET_ACCESS_KEY | --insecure-admin]
                     [--refuse-signature-replay] [--identity-credentials-ttl D]
                     [--trigger NAME=URL]... [-v]

Runs a local Cognito-compatible identity provider that really verifies SRP
(package idp). Clients reach it with an endpoint override: the AWS JSON 1.1
API is at POST /, each pool's keys at /<poolId>/.well-known/jwks.json, and the
SMS/e-mail codes it would have sent at GET /_caldera/outbox?pool=&username=.

State is in memory unless --data names a database file (bbolt), which keeps
pools, clients, users, devices and keys across restarts. --seed applies a JSON
seed file (see idp.Seed) at every start; what exists already is kept. The
seeded pools, clients (with secrets) and users are printed as JSON on stdout.

The control plane (every operation Cognito authorises with IAM: Admin*,
pool, client, group and listing operations) must be signed with AWS
Signature V4 by the admin key: --admin-credentials sets it, otherwise a random
one is drawn at each start. It is printed on stderr and in the JSON on stdout
("adminCredentials"); give it to the AWS SDK or CLI as AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY. The outbox answers Authorization: Bearer
SECRET_ACCESS_KEY. Sign-in, sign-up and the access-token operations are
public, as Cognito's are. A signature is good within X-Amz-Date's 5-minute
window, as AWS's are (botocore, under the AWS CLI and boto3, signs two
identical calls in one second identically); --refuse-signature-replay
accepts each signature once. --insecure-admin accepts everything unsigned.

The Cognito identity-pool API (X-Amz-Target AWSCognitoIdentityService.*) is on
the same port: identity pools trusting the server's user pools (provider name
cognito-idp.REGION.amazonaws.com/POOL, or HOST:PORT/POOL), GetId and
GetCredentialsForIdentity hand out fake credentials (access key ASIACALDERAFAKE…)
that expire after --identity-credentials-ttl; its IAM operations are signed
with the admin key for service cognito-identity.

--trigger NAME=URL (repeatable) forwards a Cognito Lambda trigger to an HTTP
endpoint: the server POSTs the trigger's event JSON, as Lambda would receive
it, and applies the "response" of the JSON answered. NAME is one of
PreSignUp, PostConfirmation, PreTokenGeneration (event version 2),
CustomMessage (the text of the outbox's messages), DefineAuthChallenge,
CreateAuthChallenge, VerifyAuthChallengeResponse (the last three together).

Flags:
`

func serveCommand(args []string) int {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(stop)
	return serveMain(args, os.Stdout, os.Stderr, stop)
}

func serveMain(args []string, stdout, stderr io.Writer, stop <-chan os.Signal) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:9229", "listen address (port 0 picks a free one)")
	data := fs.String("data", "", "persist state in this bbolt database file")
	seed := fs.String("seed", "", "JSON seed file declaring pools, clients and users")
	endpoint := fs.String("endpoint", "", "base URL clients use, for token issuers (default http://<addr>)")
	region := fs.String("region", idp.DefaultRegion, "region prefix of new pool ids")
	adminCreds := fs.String("admin-credentials", "", "ACCESS_KEY_ID:SECRET_ACCESS_KEY that control-plane requests must be signed with (default: random, printed)")
	insecureAdmin := fs.Bool("insecure-admin", false, "answer control-plane operations and the outbox without any signature (unsafe)")
	refuseReplay := fs.Bool("refuse-signature-replay", false, "accept each signature once within the 5-minute window (stricter than AWS; breaks botocore/AWS CLI scripts that repeat an identical call within a second)")
	credsTTL := fs.Duration("identity-credentials-ttl", time.Hour, "lifetime of the fake AWS credentials the identity-pool API hands out")
	verbose := fs.Bool("v", false, "log every request to stderr")
	var triggers stringList
	fs.Var(&triggers, "trigger", "forward a trigger to an HTTP endpoint: NAME=URL (repeatable)")
	if code, done := parseFlags(fs, args, stderr, serveUsage, false); done {
		return code
	}
	if *credsTTL <= 0 {
		fmt.Fprintln(stderr, "caldera serve: --identity-credentials-ttl must be positive")
		return 2
	}
	opts := idp.Options{Endpoint: *endpoint, Region: *region, InsecureAdmin: *insecureAdmin, RefuseSignatureReplay: *refuseReplay,
		IdentityCredentialsTTL: *credsTTL}
	if *adminCreds != "" {
		if *insecureAdmin {
			fmt.Fprintln(stderr, "caldera serve: --admin-credentials and --insecure-admin exclude each other")
			return 2
		}
		c, err := idp.ParseAdminCredentials(*adminCreds)
		if err != nil {
			fmt.Fprintf(stderr, "caldera serve: %v\n", err)
			return 2
		}
		opts.AdminCredentials = c
	}
	if len(triggers) > 0 {
		urls, err := idp.ParseTriggerFlags(triggers)
		if err == nil {
			opts.Triggers, opts.CustomAuth, err = idp.HTTPTriggers(urls, nil)
		}
		if err != nil {
			fmt.Fprintf(stderr, "caldera serve: %v\n", err)
			return 2
		}
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	opts.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if *data != "" {
		st, err := idp.OpenBoltStore(*data)
		if err != nil {
			fmt.Fprintf(stderr, "caldera serve: %v\n", err)
			return 1
		}
		opts.Store = st
	}
	srv, err := idp.New(opts)
	if err != nil {
		if opts.Store != nil {
			opts.Store.Close()
		}
		fmt.Fprintf(stderr, "caldera serve: %v\n", err)
		return 1
	}
	defer srv.Close()
	var seeded *idp.SeedResult
	if *seed != "" {
		sd, err := idp.ReadSeedFile(*seed)
		if err == nil {
			seeded, err = srv.ApplySeed(sd)
		}
		if err != nil {
			fmt.Fprintf(stderr, "caldera serve: %v\n", err)
			return 1
		}
	}
	if err := srv.Start(*addr); err != nil {
		fmt.Fprintf(stderr, "caldera serve: %v\n", err)
		return 1
	}
	out := map[string]any{"endpoint": srv.Endpoint()}
	if seeded != nil {
		out["pools"] = seeded.Pools
		if len(seeded.IdentityPools) > 0 {
			out["identityPools"] = seeded.IdentityPools
		}
	}
	creds := srv.AdminCredentials()
	if *insecureAdmin {
		out["insecureAdmin"] = true
	} else {
		out["adminCredentials"] = map[string]string{"accessKeyId": creds.AccessKeyID, "secretAccessKey": creds.SecretAccessKey}
	}
	fmt.Fprintf(stderr, "caldera serve: listening on %s (Ctrl-C to stop)\n", srv.Endpoint())
	if *insecureAdmin {
		fmt.Fprintln(stderr, "caldera serve: WARNING: --insecure-admin: anyone who reaches this port can call every Admin*, pool and client operation and read the outbox")
	} else {
		fmt.Fprintf(stderr, "caldera serve: admin credentials (sign control-plane requests with them; outbox: Authorization: Bearer SECRET_ACCESS_KEY):\n  AWS_ACCESS_KEY_ID=%s\n  AWS_SECRET_ACCESS_KEY=%s\n",
			creds.AccessKeyID, creds.SecretAccessKey)
	}
	if !loopback(srv.Addr()) {
		fmt.Fprintf(stderr, "caldera serve: WARNING: listening on %s, which is not a loopback address: other machines can reach this test server\n", srv.Addr())
	}
	// The JSON line comes last: a reader that waits for it has the rest.
	b, _ := json.Marshal(out)
	fmt.Fprintf(stdout, "%s\n", b)
	<-stop
	if err := srv.Close(); err != nil {
		fmt.Fprintf(stderr, "caldera serve: %v\n", err)
		return 1
	}
	return 0
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return fmt.Sprint(*l) }

func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// loopback reports whether a listening address accepts only local
// connections.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
