package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/caldera-srp/caldera/idp"
)

const serveUsage = `Usage: caldera serve [--addr HOST:PORT] [--data FILE] [--seed FILE] [--endpoint URL] [--region R] [--trigger NAME=URL]... [-v]

Runs a local Cognito-compatible identity provider that really verifies SRP
(package idp). Clients reach it with an endpoint override: the AWS JSON 1.1
API is at POST /, each pool's keys at /<poolId>/.well-known/jwks.json, and the
SMS/e-mail codes it would have sent at GET /_caldera/outbox?pool=&username=.

State is in memory unless --data names a database file (bbolt), which keeps
pools, clients, users, devices and keys across restarts. --seed applies a JSON
seed file (see idp.Seed) at every start; what exists already is kept. The
seeded pools, clients (with secrets) and users are printed as JSON on stdout.

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
	verbose := fs.Bool("v", false, "log every request to stderr")
	var triggers stringList
	fs.Var(&triggers, "trigger", "forward a trigger to an HTTP endpoint: NAME=URL (repeatable)")
	if code, done := parseFlags(fs, args, stderr, serveUsage, false); done {
		return code
	}
	opts := idp.Options{Endpoint: *endpoint, Region: *region}
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
	}
	b, _ := json.Marshal(out)
	fmt.Fprintf(stdout, "%s\n", b)
	fmt.Fprintf(stderr, "caldera serve: listening on %s (Ctrl-C to stop)\n", srv.Endpoint())
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
