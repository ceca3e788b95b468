package lint

import (
	"fmt"
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/caldera-srp/caldera"

// layer is where a package stands in the import order of
// docs/architecture.md: a package's non-test files may import module
// packages of strictly lower layers only, with the exceptions of sameLayerOK.
// The order, bottom up:
//
//	0 internal/ctgrind          Valgrind client requests
//	1 internal/mont, hkdf       constant-time arithmetic, key derivation
//	2 srp, totp                 SRP-6a and Cognito claims; TOTP
//	3 challenge                 the wire vocabulary: names, parameters, TIMESTAMP, SECRET_HASH
//	3 token                     verifying (and, for idp, signing) Cognito JWTs
//	4 flow                      the sign-in state machine (sans I/O)
//	5 transport/..., idp/...    HTTP under flow; the local server (never imports flow or transport)
//	5 identitypool              AWS credentials from a sign-in (Cognito identity pools)
//	6 cmd/..., examples/...     programs
//
// Packages that exist only for their tests (testOnly) have no place: nothing
// imports them.
var layers = []struct {
	prefix string // a package path relative to the module, or a prefix ending in "/"
	layer  int
}{
	{"internal/ctgrind", 0},
	{"internal/mont", 1},
	{"hkdf", 1},
	{"srp", 2},
	{"totp", 2},
	{"challenge", 3},
	{"token", 3},
	{"flow", 4},
	{"transport/", 5},
	{"identitypool", 5},
	{"idp", 5},
	{"idp/", 5}, // the server's own subpackages
	{"cmd/", 6},
	{"examples/", 6},
}

// testOnly are the packages whose non-test code is at most documentation
// and test harness helpers: they may import anything, nothing may import
// them.
var testOnly = []string{"badinput", "bench", "bench/", "docs", "internal/lint", "internal/stress", "interop/", "testvectors"}

// sameLayerOK says which imports inside one layer are allowed: the
// transports share transport/internal/..., and idp's subpackages import each
// other. idp and the transports never import each other.
func sameLayerOK(from, to string) bool {
	switch {
	case strings.HasPrefix(from, "transport/") && strings.HasPrefix(to, "transport/internal/"):
		return true
	case (from == "idp" || strings.HasPrefix(from, "idp/")) && (to == "idp" || strings.HasPrefix(to, "idp/")):
		return true
	}
	return false
}

// thirdParty lists which packages may import a module from outside the
// standard library and golang.org/x, by import-path prefix. Everything else
// (testify, rapid, datadriven, goleak, circl in bench) is for tests only.
var thirdParty = map[string][]string{
	"filippo.io/bigmod":        {"srp"},
	"go.etcd.io/bbolt":         {"idp", "idp/"},
	"github.com/aws/":          {"transport/awssdk", "identitypool", "cmd/", "idp", "idp/wire"}, // idp/wire: the SigV4 signer checks the control plane
	"golang.org/x/term":        {"cmd/"},
	"golang.org/x/sys/":        {"internal/", "flow"}, // cpu features; the device file's flock
	"golang.org/x/crypto/":     {"srp", "hkdf", "totp"},
	"github.com/aws/smithy-go": {"transport/awssdk", "identitypool", "cmd/"},
	"github.com/go-jose/":      {"token"},
}

func matches(pkg string, prefixes ...string) bool {
	for _, p := range prefixes {
		if pkg == p || strings.HasSuffix(p, "/") && strings.HasPrefix(pkg, p) {
			return true
		}
	}
	return false
}

// layerOf returns the layer of pkg (relative to the module), or -1 for a
// test-only package; ok is false for a package the table does not know.
func layerOf(pkg string) (int, bool) {
	if matches(pkg, testOnly...) {
		return -1, true
	}
	for _, l := range layers {
		if matches(pkg, l.prefix) {
			return l.layer, true
		}
	}
	return 0, false
}

// importFindings checks one package's non-test imports against the
// layering and the third-party table.
func importFindings(pkg string, imports []string) []string {
	from, known := layerOf(pkg)
	if !known {
		return []string{fmt.Sprintf("%s: not in the layering table of internal/lint/layers_test.go: give it a layer (and docs/architecture.md a line)", pkg)}
	}
	var out []string
	for _, imp := range imports {
		rel, internal := strings.CutPrefix(imp, module+"/")
		if !internal {
			if !strings.Contains(strings.Split(imp, "/")[0], ".") || from == -1 {
				continue // standard library, or a test-only package
			}
			allowed := false
			for prefix, users := range thirdParty {
				if matches(imp, prefix) && matches(pkg, users...) {
					allowed = true
				}
			}
			if !allowed {
				out = append(out, fmt.Sprintf("%s imports %s: third-party imports outside tests are limited to thirdParty's table", pkg, imp))
			}
			continue
		}
		to, known := layerOf(rel)
		switch {
		case !known:
			out = append(out, fmt.Sprintf("%s imports %s, which the layering table does not know", pkg, rel))
		case to == -1:
			out = append(out, fmt.Sprintf("%s imports %s, a test-only package", pkg, rel))
		case matches(pkg, "idp", "idp/") && matches(rel, "flow", "transport/"):
			out = append(out, fmt.Sprintf("%s imports %s: the server must not share the client's code (interop tests need two implementations)", pkg, rel))
		case from == -1:
		case to < from:
		case to == from && sameLayerOK(pkg, rel):
		default:
			out = append(out, fmt.Sprintf("%s (layer %d) imports %s (layer %d): imports go downwards only (docs/architecture.md)", pkg, from, rel, to))
		}
	}
	return out
}

// packageDirs returns every directory of the module that holds Go files,
// relative to root, skipping testdata, node_modules and hidden directories.
func packageDirs(t *testing.T, root string) []string {
	t.Helper()
	seen := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		n := d.Name()
		if d.IsDir() {
			if path != root && (n == "testdata" || n == "node_modules" || strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(n, ".go") {
			rel, _ := filepath.Rel(root, filepath.Dir(path))
			seen[filepath.ToSlash(rel)] = true
		}
		return nil
	})
	require.NoError(t, err)
	var dirs []string
	for d := range seen {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	return dirs
}

// TestLayering: the non-test imports of every package of the module follow
// the layers above, under each build-tag set the project uses (default,
// purego, valgrind).
func TestLayering(t *testing.T) {
	root := "../.."
	_, err := os.Stat(filepath.Join(root, "go.mod"))
	require.NoError(t, err, "module root not found")
	dirs := packageDirs(t, root)
	require.Contains(t, dirs, "srp", "package scan")
	checked := 0
	for _, tags := range [][]string{nil, {"purego"}, {"valgrind"}} {
		ctx := build.Default
		ctx.BuildTags = tags
		for _, dir := range dirs {
			p, err := ctx.ImportDir(filepath.Join(root, dir), 0)
			if _, ok := err.(*build.NoGoError); ok {
				continue // tests only, or nothing for these tags
			}
			require.NoError(t, err, dir)
			for _, f := range importFindings(dir, p.Imports) {
				t.Errorf("tags %v: %s", tags, f)
			}
			checked++
		}
	}
	assert.Greater(t, checked, 30, "packages checked")
}

// TestLayeringCatches: the rule reports each kind of violation.
func TestLayeringCatches(t *testing.T) {
	m := module + "/"
	cases := []struct {
		pkg     string
		imports []string
		bad     int
	}{
		{"srp", []string{"crypto/sha256", m + "hkdf", m + "internal/mont", "filippo.io/bigmod"}, 0},
		{"flow", []string{m + "challenge", m + "srp"}, 0},
		{"transport/awsjson", []string{m + "flow", m + "transport/internal/apierr"}, 0},
		{"idp/store", []string{m + "idp/model", m + "srp", "go.etcd.io/bbolt"}, 0},
		{"cmd/caldera", []string{m + "idp", m + "flow", "golang.org/x/term"}, 0},
		{"bench/ct", []string{m + "srp", "github.com/cloudflare/circl/math/mlsbset"}, 0},
		{"srp", []string{m + "challenge"}, 1},                            // upwards
		{"idp", []string{m + "flow", m + "transport/awsjson"}, 2},        // the server uses the client's machine
		{"transport/awsjson", []string{m + "idp"}, 1},                    // same layer, not allowed
		{"challenge", []string{m + "testvectors"}, 1},                    // a test-only package
		{"srp", []string{"github.com/cloudflare/circl/math/mlsbset"}, 1}, // circl outside tests
		{"flow", []string{"github.com/stretchr/testify/require"}, 1},     // testify outside tests
		{"newpkg", nil, 1}, // unknown package
	}
	for _, tc := range cases {
		assert.Len(t, importFindings(tc.pkg, tc.imports), tc.bad, "%s %v", tc.pkg, tc.imports)
	}
}
