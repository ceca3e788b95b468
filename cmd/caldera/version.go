package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
)

const modulePath = "github.com/caldera-srp/caldera"

const versionUsage = `Usage: caldera version

Prints the version of the github.com/caldera-srp/caldera module this binary
was built from (as go install records it: v0.1.0, or a pseudo-version for a
build from a checkout; "(devel)" when unknown), the VCS revision when the
build recorded one, and the Go version and platform.
`

func versionCommand(args []string) int {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		info = nil
	}
	return versionMain(args, os.Stdout, os.Stderr, info)
}

func versionMain(args []string, stdout, stderr io.Writer, info *debug.BuildInfo) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	if code, done := parseFlags(fs, args, stderr, versionUsage, false); done {
		return code
	}
	fmt.Fprintln(stdout, versionLine(info))
	return 0
}

// versionLine renders "caldera VERSION [REVISION] (GOVERSION GOOS/GOARCH)"
// from the build information: the main module's version when this is the
// caldera command itself, the dependency's when caldera was linked into
// another program, "(devel)" when the build recorded none.
func versionLine(info *debug.BuildInfo) string {
	v, rev, dirty, goVersion := "", "", false, runtime.Version()
	if info != nil {
		if info.GoVersion != "" {
			goVersion = info.GoVersion
		}
		if info.Main.Path == modulePath {
			v = info.Main.Version
		}
		for _, d := range info.Deps {
			if d.Path == modulePath {
				v = d.Version
				if d.Replace != nil && d.Replace.Version != "" {
					v = d.Replace.Version
				}
			}
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	out := "caldera " + v
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if dirty {
			rev += "+dirty"
		}
		out += " " + rev
	}
	return fmt.Sprintf("%s (%s %s/%s)", out, goVersion, runtime.GOOS, runtime.GOARCH)
}
