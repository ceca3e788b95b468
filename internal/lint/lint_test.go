// Package lint holds static checks: tests that read the module's source and
// fail when a rule stops holding. lint_test.go keeps the constant-time code
// (srp, internal/mont) free of math/big and variable-time comparisons;
// layers_test.go enforces the import layering of docs/architecture.md, and
// idp_layers_test.go the layering of the local server's packages under idp.
// It has no non-test code.
package lint

import (
	"fmt"
	"go/ast"
	"go/build/constraint"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// ctPackages are the directories whose non-test files must stay free of
// variable-time arithmetic and comparisons, relative to this one.
var ctPackages = []string{"../../srp", "../mont"}

// sourceFile is one parsed non-test, non-generator Go file.
type sourceFile struct {
	path string
	fset *token.FileSet
	file *ast.File
}

// parseNonTest parses every .go file of dir except tests and files excluded
// by a "//go:build ignore" constraint (generators).
func parseNonTest(t *testing.T, dir string) []sourceFile {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []sourceFile
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		path := filepath.Join(dir, name)
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		if ignored(f) {
			continue
		}
		out = append(out, sourceFile{path, fset, f})
	}
	if len(out) == 0 {
		t.Fatalf("%s: no Go files found; has the package moved?", dir)
	}
	return out
}

// ignored reports whether f carries a build constraint that mentions the
// "ignore" tag (a go:generate program, never compiled into the package).
func ignored(f *ast.File) bool {
	for _, cg := range f.Comments {
		if cg.Pos() > f.Package {
			break
		}
		for _, c := range cg.List {
			expr, err := constraint.Parse(c.Text)
			if err != nil {
				continue
			}
			mentions := false
			expr.Eval(func(tag string) bool {
				mentions = mentions || tag == "ignore"
				return true
			})
			if mentions {
				return true
			}
		}
	}
	return false
}

// importName returns the local name under which f imports path, or "" if
// it does not.
func importName(f *ast.File, path string) string {
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		if p != path {
			continue
		}
		if imp.Name != nil {
			return imp.Name.Name
		}
		return path[strings.LastIndex(path, "/")+1:]
	}
	return ""
}

// TestNoMathBig: math/big is variable-time (its Exp and division leak the
// values through timing); srp and its arithmetic must not use it outside
// tests. Differential tests against math/big are fine.
func TestNoMathBig(t *testing.T) {
	for _, dir := range ctPackages {
		for _, f := range mathBigFindings(parseNonTest(t, dir)) {
			t.Error(f)
		}
	}
}

func mathBigFindings(files []sourceFile) []string {
	var out []string
	for _, sf := range files {
		if importName(sf.file, "math/big") != "" {
			out = append(out, sf.path+" imports math/big")
		}
	}
	return out
}

// variableTimeCompares are the functions that return early on the first
// differing byte (or compare lexicographically) and so must not see
// secrets. hmac.Equal and subtle.ConstantTimeCompare are the right tools.
var variableTimeCompares = map[string][]string{
	"bytes":   {"Equal", "Compare", "HasPrefix", "HasSuffix"},
	"reflect": {"DeepEqual"},
	"slices":  {"Equal", "Compare"},
}

// TestNoVariableTimeCompare: no non-test file of srp or internal/mont calls
// bytes.Equal and friends, or compares byte slices converted to strings
// (string(x) == string(y), the only way Go lets == compare []byte values).
func TestNoVariableTimeCompare(t *testing.T) {
	for _, dir := range ctPackages {
		for _, f := range compareFindings(parseNonTest(t, dir)) {
			t.Error(f)
		}
	}
}

func compareFindings(files []sourceFile) []string {
	var out []string
	for _, sf := range files {
		{
			names := map[string][]string{} // local import name → flagged functions
			for _, imp := range sf.file.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				funcs, ok := variableTimeCompares[p]
				if !ok {
					continue
				}
				n := p
				if imp.Name != nil {
					n = imp.Name.Name
				}
				names[n] = funcs
			}
			ast.Inspect(sf.file, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					sel, ok := n.Fun.(*ast.SelectorExpr)
					if !ok {
						break
					}
					id, ok := sel.X.(*ast.Ident)
					if !ok {
						break
					}
					for _, fn := range names[id.Name] {
						if sel.Sel.Name == fn {
							out = append(out, fmt.Sprintf("%s: call to %s.%s; compare secrets with crypto/subtle", sf.fset.Position(n.Pos()), id.Name, fn))
						}
					}
				case *ast.BinaryExpr:
					if (n.Op == token.EQL || n.Op == token.NEQ) && (isStringConversion(n.X) || isStringConversion(n.Y)) {
						out = append(out, fmt.Sprintf("%s: string(…) %s comparison; compare byte values with crypto/subtle", sf.fset.Position(n.Pos()), n.Op))
					}
				}
				return true
			})
		}
	}
	return out
}

func isStringConversion(e ast.Expr) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return false
	}
	id, ok := call.Fun.(*ast.Ident)
	return ok && id.Name == "string"
}

// TestSecretComparisonsUseSubtle: the three places where srp compares a
// received proof with the expected one call subtle.ConstantTimeCompare (or
// hmac.Equal, which is built on it), directly or through publicEqual, which
// must call it itself.
func TestSecretComparisonsUseSubtle(t *testing.T) {
	want := map[string]bool{ // receiver-less method names
		"VerifyM1":            false,
		"VerifyM2":            false,
		"VerifyPasswordClaim": false,
		"publicEqual":         false,
	}
	for _, sf := range parseNonTest(t, "../../srp") {
		subtleName := importName(sf.file, "crypto/subtle")
		hmacName := importName(sf.file, "crypto/hmac")
		for _, d := range sf.file.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			if _, tracked := want[fd.Name.Name]; !tracked {
				continue
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				if fn, ok := call.Fun.(*ast.Ident); ok && fn.Name == "publicEqual" && fd.Name.Name != "publicEqual" {
					want[fd.Name.Name] = true
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				id, ok := sel.X.(*ast.Ident)
				if !ok {
					return true
				}
				if (id.Name == subtleName && sel.Sel.Name == "ConstantTimeCompare") ||
					(id.Name == hmacName && sel.Sel.Name == "Equal") {
					want[fd.Name.Name] = true
				}
				return true
			})
		}
	}
	for name, ok := range want {
		if !ok {
			t.Errorf("srp: %s does not call subtle.ConstantTimeCompare or hmac.Equal (or was renamed: update this test)", name)
		}
	}
}

// TestChecksCatch runs the checks on testdata/leaky, a file written to break
// every rule, so that a check that silently stopped matching shows up.
func TestChecksCatch(t *testing.T) {
	files := parseNonTest(t, "testdata/leaky")
	if got := mathBigFindings(files); len(got) != 1 {
		t.Errorf("math/big findings = %q, want 1", got)
	}
	got := compareFindings(files)
	// bytes.Equal, aliased bytes.Compare, reflect.DeepEqual, slices.Equal,
	// string(x) == string(y) and string(x) != "" (one conversion suffices).
	if len(got) != 6 {
		t.Errorf("comparison findings (%d):\n%s\nwant 6", len(got), strings.Join(got, "\n"))
	}
}
