package lint

import (
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const idpModule = "github.com/caldera-srp/caldera/idp"

// idpLayers is the layering of the local server (docs/architecture.md,
// "idp: the local server's layers"): for each package under idp/, the idp
// packages its non-test files may import. A package missing from the map
// fails the test, so a new subpackage must say where it sits.
var idpLayers = map[string][]string{
	"idp":                  {"idp/identity", "idp/internal/rnd", "idp/oauth", "idp/store", "idp/tokens", "idp/userpool", "idp/wire"},
	"idp/oauth":            {"idp/internal/rnd", "idp/store", "idp/userpool"},
	"idp/wire":             {"idp/internal/amzjson", "idp/internal/rnd", "idp/store", "idp/userpool"},
	"idp/identity":         {"idp/internal/amzjson", "idp/internal/rnd", "idp/store", "idp/userpool"},
	"idp/userpool":         {"idp/internal/rnd", "idp/store", "idp/tokens"},
	"idp/tokens":           {},
	"idp/store":            {},
	"idp/store/storetest":  {"idp/store"},
	"idp/internal/rnd":     {},
	"idp/internal/amzjson": {"idp/internal/rnd", "idp/userpool"},
}

// idpImports returns, for every package directory under root/idp, the idp
// packages its non-test files import (test files may import more: the
// root's end-to-end tests, storetest in store's tests).
func idpImports(t *testing.T, root string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(filepath.Join(root, "idp"), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		if _, ok := out[pkg]; !ok {
			out[pkg] = nil
		}
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			if p == idpModule || strings.HasPrefix(p, idpModule+"/") {
				dep := "idp" + strings.TrimPrefix(p, idpModule)
				if !slices.Contains(out[pkg], dep) {
					out[pkg] = append(out[pkg], dep)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// layerFindings lists every import that the layering does not allow and
// every package it does not know.
func layerFindings(imports map[string][]string, layers map[string][]string) []string {
	var bad []string
	for _, pkg := range slices.Sorted(maps.Keys(imports)) {
		allowed, known := layers[pkg]
		if !known {
			bad = append(bad, pkg+": not in the idp layering (internal/lint/layers_test.go)")
			continue
		}
		for _, dep := range imports[pkg] {
			if !slices.Contains(allowed, dep) {
				bad = append(bad, pkg+" imports "+dep)
			}
		}
	}
	return bad
}

// TestIDPLayers: no idp package imports one above it.
func TestIDPLayers(t *testing.T) {
	imports := idpImports(t, "../..")
	for pkg := range idpLayers {
		if _, ok := imports[pkg]; !ok {
			t.Errorf("%s: in the layering but not found; has it moved?", pkg)
		}
	}
	for _, f := range layerFindings(imports, idpLayers) {
		t.Error(f)
	}
}

// TestIDPLayersCatch: the check reports an upward import and an unknown
// package.
func TestIDPLayersCatch(t *testing.T) {
	got := layerFindings(map[string][]string{
		"idp/store":    {"idp/userpool"},
		"idp/userpool": {"idp/store"},
		"idp/newpkg":   {"idp/userpool"},
	}, idpLayers)
	want := []string{
		"idp/newpkg: not in the idp layering (internal/lint/layers_test.go)",
		"idp/store imports idp/userpool",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("findings %q, want %q", got, want)
	}
}
