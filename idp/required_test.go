package idp

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/caldera-srp/caldera/idp/wire"
)

// TestRequiredMembers: every operation the server answers refuses a
// request that leaves out a required member with InvalidParameterException,
// as Cognito does, before it looks anything up. wire/required.json holds
// the required members of each operation's input shape, read from
// botocore's model (data/cognito-idp/2016-04-18/service-2.json.gz,
// botocore 1.43.11; idp/wire/check.go has the command that makes it).
func TestRequiredMembers(t *testing.T) {
	required := readRequired(t)
	h := newHarness(t, nil)
	// A value of each JSON type, for the members the probe does send.
	sample := map[string]any{"string": "x", "list": []any{}, "map": map[string]any{}, "structure": map[string]any{}, "integer": 1}
	for _, op := range wire.Operations() {
		req, ok := required[op]
		if !ok {
			t.Errorf("%s: not in botocore's model", op)
			continue
		}
		if len(req) == 0 {
			continue
		}
		_, e := h.call(op, map[string]any{})
		if e == nil || e.Type != "InvalidParameterException" {
			t.Errorf("%s with none of %v: %+v, want InvalidParameterException", op, req, e)
		}
		// All but the last: the last is named, in Cognito's lower camel
		// case ("Value null at 'userPoolId' …").
		in := map[string]any{}
		for _, m := range req[:len(req)-1] {
			in[m[0]] = sample[m[1]]
		}
		last := req[len(req)-1][0]
		_, e = h.call(op, in)
		want := "1 validation error detected: Value null at '" + strings.ToLower(last[:1]) + last[1:] + "' failed to satisfy constraint: Member must not be null"
		if e == nil || e.Type != "InvalidParameterException" || e.Message != want {
			t.Errorf("%s without %s: %+v, want %q", op, last, e, want)
		}
	}
}

// readRequired reads wire/required.json: operation → [member, JSON type].
func readRequired(t *testing.T) map[string][][2]string {
	t.Helper()
	b, err := os.ReadFile("wire/required.json")
	require.NoError(t, err)
	var m map[string][][2]string
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// TestRequiredMembersMatchBotocore: wire/required.json is what botocore's
// model says, where Python and botocore are installed (they are on the
// project's machines and in CI).
func TestRequiredMembersMatchBotocore(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	out, err := exec.Command(py, "-c", `
import botocore, os, gzip, json
m = json.load(gzip.open(os.path.join(os.path.dirname(botocore.__file__), "data/cognito-idp/2016-04-18/service-2.json.gz")))
s = m["shapes"]
def req(o):
    sh = s[o["input"]["shape"]] if "input" in o else {}
    return [[r, s[sh["members"][r]["shape"]]["type"]] for r in sh.get("required", [])]
print(json.dumps({n: req(o) for n, o in sorted(m["operations"].items())}))
`).Output()
	if err != nil {
		t.Skipf("no botocore: %v", err)
	}
	var model map[string][][2]string
	require.NoError(t, json.Unmarshal(out, &model))
	ours := readRequired(t)
	for _, op := range wire.Operations() {
		assert.Equal(t, model[op], ours[op], op)
	}
}
