package idp

import (
	"os"
	"strings"
	"testing"
)

// TestOperationsDocumented: every operation the server answers is named
// in the README's server section, and an operation it does not answer is
// refused with UnknownOperationException naming it.
func TestOperationsDocumented(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start := strings.Index(readme, "## Local server")
	end := strings.Index(readme[start+1:], "\n## ")
	section := readme[start : start+1+end]
	for _, op := range Operations() {
		if !strings.Contains(section, "`"+op+"`") {
			t.Errorf("README's server section does not list %s", op)
		}
	}
	h := newHarness(t, nil)
	_, e := h.call("StartUserImportJob", map[string]any{})
	wantErr(t, e, "UnknownOperationException", `Unknown operation "AWSCognitoIdentityProviderService.StartUserImportJob"`)
}
