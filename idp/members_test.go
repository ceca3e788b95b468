package idp

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caldera-srp/caldera/idp/wire"
)

// member is an entry of wire/members.json (see idp/wire/check.go).
type member struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Required bool   `json:"required"`
	Max      int    `json:"max"`
}

// readMembers reads wire/members.json: operation → its required and
// length-limited members.
func readMembers(t *testing.T) map[string][]member {
	t.Helper()
	b, err := os.ReadFile("wire/members.json")
	require.NoError(t, err)
	var m map[string][]member
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// TestRequiredMembers: every operation the server answers refuses a
// request that leaves out a required member, or sends a string over its
// length limit, with InvalidParameterException and Cognito's validation
// message, before it looks anything up. wire/members.json holds the
// members of each operation's input shape as botocore's model
// (data/cognito-idp/2016-04-18/service-2.json.gz, botocore 1.43.11)
// describes them; idp/wire/members.py makes it.
func TestRequiredMembers(t *testing.T) {
	all := readMembers(t)
	h := newHarness(t, nil)
	// A value of each JSON type, for the members the probe does send.
	sample := map[string]any{"string": "x", "list": []any{}, "map": map[string]any{}, "structure": map[string]any{}, "integer": 1, "boolean": false}
	lower := func(s string) string { return strings.ToLower(s[:1]) + s[1:] }
	for _, op := range wire.Operations() {
		ms, ok := all[op]
		if !ok {
			t.Errorf("%s: not in botocore's model", op)
			continue
		}
		var req []member
		for _, m := range ms {
			if m.Required {
				req = append(req, m)
			}
		}
		base := map[string]any{}
		if len(req) > 0 {
			_, e := h.call(op, map[string]any{})
			if e == nil || e.Type != "InvalidParameterException" {
				t.Errorf("%s with none of %v: %+v, want InvalidParameterException", op, req, e)
			}
			// All but the last: the last is named, in Cognito's lower
			// camel case ("Value null at 'userPoolId' …").
			for _, m := range req[:len(req)-1] {
				base[m.Name] = sample[m.Type]
			}
			last := req[len(req)-1]
			_, e = h.call(op, base)
			want := "1 validation error detected: Value null at '" + lower(last.Name) + "' failed to satisfy constraint: Member must not be null"
			if e == nil || e.Type != "InvalidParameterException" || e.Message != want {
				t.Errorf("%s without %s: %+v, want %q", op, last.Name, e, want)
			}
			base[last.Name] = sample[last.Type]
		}
		// Each length-limited string one character over its limit.
		for _, m := range ms {
			if m.Max == 0 {
				continue
			}
			in := maps.Clone(base)
			in[m.Name] = strings.Repeat("é", m.Max+1)
			_, e := h.call(op, in)
			want := fmt.Sprintf("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", lower(m.Name), m.Max)
			if e == nil || e.Type != "InvalidParameterException" || e.Message != want {
				t.Errorf("%s with %s of %d characters: %+v, want %q", op, m.Name, m.Max+1, e, want)
			}
		}
	}
}

// TestMembersMatchBotocore: wire/members.json is what members.py makes
// from botocore's model, where Python and botocore are installed (they
// are on the project's machines and in CI).
func TestMembersMatchBotocore(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	out, err := exec.Command(py, "wire/members.py").Output()
	if err != nil {
		t.Skipf("no botocore: %v", err)
	}
	b, err := os.ReadFile("wire/members.json")
	require.NoError(t, err)
	assert.Equal(t, string(b), string(out), "regenerate: python3 idp/wire/members.py > idp/wire/members.json")
}
