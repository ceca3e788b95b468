// Command caldera is the command-line shell over the Caldera packages.
//
// Usage:
//
//	caldera <command> [arguments]
//
// Each command lives in its own file and is registered in the commands
// table below with one line. The commands hold no protocol logic of their
// own: they parse arguments, call the library and format its results.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one subcommand: a one-line summary for the usage text and the
// function that runs it with the arguments after its name, returning the
// process exit status.
type command struct {
	summary string
	run     func(args []string) int
}

// commands is the subcommand table. To add one, write name.go with its run
// function and add a line here.
var commands = map[string]command{
	"credentials": {"print temporary AWS credentials for a Cognito user (credential_process), through an identity pool", credentialsCommand},
	"demo":        {"sign in to an in-process local server through SRP, a new password, TOTP and a remembered device", demoCommand},
	"login":       {"sign in to a Cognito user pool (or caldera serve) with SRP and print the tokens", loginCommand},
	"serve":       {"run a local Cognito-compatible identity provider that verifies SRP", serveCommand},
	"vector":      {"compute Cognito SRP values for JSON lines (test vectors, debugging refused signatures)", vectorCommand},
	"version":     {"print the caldera module version this binary was built from", versionCommand},
}

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "caldera: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	return c.run(args[1:])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: caldera <command> [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-12s %s\n", name, commands[name].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, `Run "caldera <command> -h" for a command's usage.`)
}

// parseFlags parses a subcommand's arguments with the usage text printed
// before the flag defaults. When it reports done, the command returns code
// at once: 0 after -h, 2 after a bad flag or, unless positional arguments
// are allowed, an unexpected argument.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer, usage string, positional bool) (code int, done bool) {
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, true
		}
		return 2, true
	}
	if !positional && fs.NArg() != 0 {
		fmt.Fprintf(stderr, "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2, true
	}
	return 0, false
}
