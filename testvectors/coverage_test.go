package testvectors

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// testedBy names the test that runs each vector file. A file added to
// testdata/ without an entry here fails TestEveryFileIsCovered.
var testedBy = map[string]string{
	"rfc5054.json":                        "TestRFC5054",
	"srp6a-test-vectors-srptools.json":    "TestSRPTools",
	"hap-srp6a-sha512.json":               "TestHAP",
	"mozilla-picl-srp6a-sha256-2048.json": "TestMozilla",
	"onepassword-srp.json":                "TestOnePassword",
	"rfc5869.json":                        "TestRFC5869",
	"rfc6238.json":                        "TestRFC6238",
	"cognito-common.json":                 "TestCognitoCommon",
	"cognito-aws-sdk-net-extensions.json": "TestCognitoAWSSDKNet",
	"cognito-alexrudd-cognito-srp.json":   "TestCognitoAlexrudd",
	"cognito-amplify-android.json":        "TestCognitoAmplifyAndroid",
	"cognito-amplify-swift.json":          "TestCognitoAmplifySwift",
	"cognito-srp-helper.json":             "TestCognitoSRPHelper",
	"cognito-sjmeverett-cognito-srp.json": "TestCognitoSjmeverett",
	"cognito-timestamps.json":             "TestCognitoTimestamps",
	"cognito-js-reference.json":           "TestJSReference",
}

func TestEveryFileIsCovered(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		name := filepath.Base(f)
		seen[name] = true
		if testedBy[name] == "" {
			t.Errorf("testdata/%s has no test", name)
		}
		var v struct{ Source string }
		load(t, name, &v)
		if v.Source == "" {
			t.Errorf("testdata/%s names no source", name)
		}
	}
	for name := range testedBy {
		if !seen[name] {
			t.Errorf("testdata/%s is missing", name)
		}
	}
	if _, err := os.Stat(filepath.Join("testdata", "README.md")); err != nil {
		t.Error(err)
	}
	// The named tests exist in this package.
	fset := token.NewFileSet()
	pkgs, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	defined := map[string]bool{}
	for _, p := range pkgs {
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for name, o := range f.Scope.Objects {
			if o.Kind.String() == "func" {
				defined[name] = true
			}
		}
	}
	for file, test := range testedBy {
		if !defined[test] {
			t.Errorf("%s: test %s does not exist", file, test)
		}
	}
}

// TestSRPDoesNotImportMathBig enforces the rule that secrets never
// enter math/big: no non-test Go file of srp/ may import it.
func TestSRPDoesNotImportMathBig(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "srp", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	fset := token.NewFileSet()
	for _, p := range files {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				t.Fatal(err)
			}
			if path == "math/big" {
				t.Errorf("%s imports math/big", p)
			}
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no srp source files found")
	}
	t.Logf("%d srp source files checked", checked)
}
