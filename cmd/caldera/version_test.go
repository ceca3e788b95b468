package main

import (
	"bytes"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVersionLine(t *testing.T) {
	platform := runtime.GOOS + "/" + runtime.GOARCH
	for _, tc := range []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"go install @v0.1.0", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: modulePath, Version: "v0.1.0"}},
			"caldera v0.1.0 (go1.26.0 " + platform + ")"},
		{"checkout build with VCS stamp", &debug.BuildInfo{GoVersion: "go1.26.0",
			Main:     debug.Module{Path: modulePath, Version: "v0.1.1-0.20261203120000-abcdef012345+dirty"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abcdef0123456789abcdef0123456789abcdef01"}, {Key: "vcs.modified", Value: "true"}}},
			"caldera v0.1.1-0.20261203120000-abcdef012345+dirty abcdef012345+dirty (go1.26.0 " + platform + ")"},
		{"no version recorded", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: modulePath, Version: "(devel)"}},
			"caldera (devel) (go1.26.0 " + platform + ")"},
		{"linked into another program", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "example.com/app", Version: "v2.0.0"},
			Deps: []*debug.Module{{Path: "golang.org/x/term", Version: "v0.48.0"}, {Path: modulePath, Version: "v0.1.0"}}},
			"caldera v0.1.0 (go1.26.0 " + platform + ")"},
		{"replaced dependency", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "example.com/app"},
			Deps: []*debug.Module{{Path: modulePath, Version: "v0.1.0", Replace: &debug.Module{Path: "../caldera", Version: "v0.1.0-fork"}}}},
			"caldera v0.1.0-fork (go1.26.0 " + platform + ")"},
		{"no build information", nil, "caldera (devel) (" + runtime.Version() + " " + platform + ")"},
	} {
		assert.Equal(t, tc.want, versionLine(tc.info), tc.name)
	}
}

// TestVersionCommand runs the subcommand as main does, with this test
// binary's own build information.
func TestVersionCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"version"}, &stderr), stderr.String())

	info, ok := debug.ReadBuildInfo()
	require.True(t, ok, "test binaries carry build information")
	require.Equal(t, 0, versionMain(nil, &stdout, &stderr, info))
	line := stdout.String()
	assert.True(t, strings.HasPrefix(line, "caldera "), line)
	assert.Contains(t, line, runtime.Version())
	assert.Equal(t, versionLine(info)+"\n", line)

	stdout.Reset()
	stderr.Reset()
	assert.Equal(t, 2, versionMain([]string{"extra"}, &stdout, &stderr, info))
	assert.Contains(t, stderr.String(), `unexpected argument "extra"`)
	assert.Empty(t, stdout.String())
	assert.Equal(t, 0, versionMain([]string{"-h"}, &stdout, &stderr, info))
	assert.Contains(t, stderr.String(), "Usage: caldera version")
}
