package idp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/caldera-srp/caldera/idp/userpool"
)

// Trigger names of HTTPTriggers and of caldera serve's --trigger flag:
// Cognito's LambdaConfig names of the triggers the server runs.
const (
	TriggerPreSignUp           = "PreSignUp"
	TriggerPostConfirmation    = "PostConfirmation"
	TriggerPreTokenGeneration  = "PreTokenGeneration"
	TriggerDefineAuthChallenge = "DefineAuthChallenge"
	TriggerCreateAuthChallenge = "CreateAuthChallenge"
	TriggerVerifyAuthChallenge = "VerifyAuthChallengeResponse"
	TriggerCustomMessage       = "CustomMessage"
)

// TriggerNames lists the triggers HTTPTriggers can forward.
var TriggerNames = []string{
	TriggerPreSignUp, TriggerPostConfirmation, TriggerPreTokenGeneration,
	TriggerDefineAuthChallenge, TriggerCreateAuthChallenge, TriggerVerifyAuthChallenge, TriggerCustomMessage,
}

// httpTriggerTimeout bounds one trigger call (Cognito waits 5 seconds for
// a Lambda trigger).
const httpTriggerTimeout = 5 * time.Second

// HTTPTriggers returns triggers that forward each named trigger (name →
// URL, names from TriggerNames) to an HTTP endpoint: a POST whose body is
// the JSON event Cognito passes to a Lambda function (version,
// triggerSource, region, userPoolId, userName, callerContext, request,
// response), answered with that event with its response filled in, as a
// Lambda function returns it. A non-2xx answer or an undecodable one fails
// the operation with UserLambdaValidationException. The three custom-auth
// triggers come together or not at all; custom is nil without them.
// client nil means http.DefaultClient.
func HTTPTriggers(urls map[string]string, client *http.Client) (t Triggers, custom CustomAuth, err error) {
	if client == nil {
		client = http.DefaultClient
	}
	for name, u := range urls {
		if !slices.Contains(TriggerNames, name) {
			return t, nil, fmt.Errorf("idp: unsupported trigger %q (supported: %s)", name, strings.Join(TriggerNames, ", "))
		}
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			return t, nil, fmt.Errorf("idp: trigger %s: URL %q is not http(s)", name, u)
		}
	}
	h := &httpTriggers{urls: urls, client: client}
	if urls[TriggerPreSignUp] != "" {
		t.PreSignUp = func(ctx context.Context, in PreSignUpInput) (out PreSignUpOutput, err error) {
			return out, h.call(ctx, TriggerPreSignUp, "1", in.TriggerEvent, in, &out)
		}
	}
	if urls[TriggerPostConfirmation] != "" {
		t.PostConfirmation = func(ctx context.Context, in PostConfirmationInput) error {
			var out struct{}
			return h.call(ctx, TriggerPostConfirmation, "1", in.TriggerEvent, in, &out)
		}
	}
	if urls[TriggerPreTokenGeneration] != "" {
		t.PreTokenGeneration = func(ctx context.Context, in PreTokenGenerationInput) (out PreTokenGenerationOutput, err error) {
			return out, h.call(ctx, TriggerPreTokenGeneration, "2", in.TriggerEvent, in, &out)
		}
	}
	if urls[TriggerCustomMessage] != "" {
		t.CustomMessage = func(ctx context.Context, in CustomMessageInput) (out CustomMessageOutput, err error) {
			return out, h.call(ctx, TriggerCustomMessage, "1", in.TriggerEvent, in, &out)
		}
	}
	n := 0
	for _, name := range []string{TriggerDefineAuthChallenge, TriggerCreateAuthChallenge, TriggerVerifyAuthChallenge} {
		if urls[name] != "" {
			n++
		}
	}
	switch n {
	case 0:
	case 3:
		custom = h
	default:
		return t, nil, fmt.Errorf("idp: the custom-auth triggers %s, %s and %s go together", TriggerDefineAuthChallenge, TriggerCreateAuthChallenge, TriggerVerifyAuthChallenge)
	}
	return t, custom, nil
}

type httpTriggers struct {
	urls   map[string]string
	client *http.Client
}

// callerContext names the app client of the request; Cognito leaves
// clientId out of the events of calls no client makes (AdminCreateUser's
// pre sign-up).
type callerContext struct {
	AWSSDKVersion string `json:"awsSdkVersion"`
	ClientID      string `json:"clientId,omitempty"`
}

// call posts one event and decodes the "response" of the answer into out.
func (h *httpTriggers) call(ctx context.Context, name, version string, ev TriggerEvent, request, out any) error {
	body, err := json.Marshal(map[string]any{
		"version": version, "triggerSource": ev.TriggerSource, "region": userpool.RegionOf(ev.User.PoolID),
		"userPoolId": ev.User.PoolID, "userName": ev.User.Username,
		"callerContext": callerContext{AWSSDKVersion: "caldera", ClientID: ev.User.ClientID},
		"request":       request, "response": map[string]any{},
	})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, httpTriggerTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.urls[name], bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s trigger: %w", name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%s trigger: %w", name, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s trigger answered %s: %s", name, resp.Status, bytes.TrimSpace(b[:min(len(b), 200)]))
	}
	var env struct{ Response json.RawMessage }
	if err := json.Unmarshal(b, &env); err != nil {
		return fmt.Errorf("%s trigger: undecodable answer: %w", name, err)
	}
	if len(env.Response) == 0 || string(env.Response) == "null" {
		return nil
	}
	if err := json.Unmarshal(env.Response, out); err != nil {
		return fmt.Errorf("%s trigger: undecodable response: %w", name, err)
	}
	return nil
}

type lambdaChallenge struct {
	ChallengeName     string `json:"challengeName"`
	ChallengeResult   bool   `json:"challengeResult"`
	ChallengeMetadata string `json:"challengeMetadata,omitempty"`
}

func lambdaSession(s []ChallengeResult) []lambdaChallenge {
	out := []lambdaChallenge{}
	for _, c := range s {
		out = append(out, lambdaChallenge{ChallengeName: c.ChallengeName, ChallengeResult: c.ChallengeResult, ChallengeMetadata: c.ChallengeMetadata})
	}
	return out
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func customEvent(source string, u TriggerUser) TriggerEvent {
	return TriggerEvent{TriggerSource: source, User: u}
}

func (h *httpTriggers) DefineAuthChallenge(ctx context.Context, in DefineAuthChallengeInput) (out DefineAuthChallengeOutput, err error) {
	var r struct {
		ChallengeName      string `json:"challengeName"`
		IssueTokens        bool   `json:"issueTokens"`
		FailAuthentication bool   `json:"failAuthentication"`
	}
	err = h.call(ctx, TriggerDefineAuthChallenge, "1", customEvent(userpool.SourceDefineAuthChallenge, in.User), map[string]any{
		"userAttributes": orEmpty(in.User.Attributes), "session": lambdaSession(in.Session),
		"clientMetadata": orEmpty(in.ClientMetadata), "userNotFound": false,
	}, &r)
	return DefineAuthChallengeOutput{ChallengeName: r.ChallengeName, IssueTokens: r.IssueTokens, FailAuthentication: r.FailAuthentication}, err
}

func (h *httpTriggers) CreateAuthChallenge(ctx context.Context, in CreateAuthChallengeInput) (out CreateAuthChallengeOutput, err error) {
	var r struct {
		Public   map[string]string `json:"publicChallengeParameters"`
		Private  map[string]string `json:"privateChallengeParameters"`
		Metadata string            `json:"challengeMetadata"`
	}
	err = h.call(ctx, TriggerCreateAuthChallenge, "1", customEvent(userpool.SourceCreateAuthChallenge, in.User), map[string]any{
		"userAttributes": orEmpty(in.User.Attributes), "challengeName": in.ChallengeName, "session": lambdaSession(in.Session),
		"clientMetadata": orEmpty(in.ClientMetadata), "userNotFound": false,
	}, &r)
	return CreateAuthChallengeOutput{PublicChallengeParameters: r.Public, PrivateChallengeParameters: r.Private, ChallengeMetadata: r.Metadata}, err
}

func (h *httpTriggers) VerifyAuthChallenge(ctx context.Context, in VerifyAuthChallengeInput) (out VerifyAuthChallengeOutput, err error) {
	var r struct {
		AnswerCorrect bool `json:"answerCorrect"`
	}
	err = h.call(ctx, TriggerVerifyAuthChallenge, "1", customEvent(userpool.SourceVerifyAuthChallenge, in.User), map[string]any{
		"userAttributes": orEmpty(in.User.Attributes), "privateChallengeParameters": orEmpty(in.PrivateChallengeParameters),
		"challengeAnswer": in.ChallengeAnswer, "clientMetadata": orEmpty(in.ClientMetadata), "userNotFound": false,
	}, &r)
	return VerifyAuthChallengeOutput{AnswerCorrect: r.AnswerCorrect}, err
}

// ParseTriggerFlags parses caldera serve's --trigger values (NAME=URL)
// into HTTPTriggers' map.
func ParseTriggerFlags(values []string) (map[string]string, error) {
	out := map[string]string{}
	for _, v := range values {
		name, u, ok := strings.Cut(v, "=")
		if !ok || name == "" || u == "" {
			return nil, fmt.Errorf("--trigger %q: want NAME=URL with NAME one of %s", v, strings.Join(sortedNames(), ", "))
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("--trigger %s given twice", name)
		}
		out[name] = u
	}
	return out, nil
}

func sortedNames() []string {
	n := slices.Clone(TriggerNames)
	sort.Strings(n)
	return n
}
