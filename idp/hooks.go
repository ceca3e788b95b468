package idp

import "context"

// CustomAuth is the CUSTOM_AUTH flow's three triggers, as Go methods in
// place of Cognito's Lambda functions. The server calls Define after every
// step with the history of the sign-in; when Define names a challenge,
// Create makes it; when the user answers a CUSTOM_CHALLENGE, Verify judges
// the answer. Implementations must be safe for concurrent use.
type CustomAuth interface {
	DefineAuthChallenge(ctx context.Context, in DefineAuthChallengeInput) (DefineAuthChallengeOutput, error)
	CreateAuthChallenge(ctx context.Context, in CreateAuthChallengeInput) (CreateAuthChallengeOutput, error)
	VerifyAuthChallenge(ctx context.Context, in VerifyAuthChallengeInput) (VerifyAuthChallengeOutput, error)
}

// ChallengeResult is one step of a custom sign-in so far: "SRP_A" and
// "PASSWORD_VERIFIER" when the flow started with SRP, then one
// "CUSTOM_CHALLENGE" per answer.
type ChallengeResult struct {
	ChallengeName     string
	ChallengeResult   bool
	ChallengeMetadata string
}

// TriggerUser identifies the user a trigger runs for.
type TriggerUser struct {
	PoolID     string
	ClientID   string
	Username   string
	Attributes map[string]string
}

// DefineAuthChallengeInput is what DefineAuthChallenge sees.
type DefineAuthChallengeInput struct {
	User           TriggerUser
	Session        []ChallengeResult
	ClientMetadata map[string]string
}

// DefineAuthChallengeOutput decides the next step: issue tokens, fail, or
// present ChallengeName ("CUSTOM_CHALLENGE", or "PASSWORD_VERIFIER" after
// SRP_A).
type DefineAuthChallengeOutput struct {
	ChallengeName      string
	IssueTokens        bool
	FailAuthentication bool
}

// CreateAuthChallengeInput is what CreateAuthChallenge sees.
type CreateAuthChallengeInput struct {
	User           TriggerUser
	ChallengeName  string
	Session        []ChallengeResult
	ClientMetadata map[string]string
}

// CreateAuthChallengeOutput is the challenge: public parameters go to the
// client as ChallengeParameters; private ones stay on the server for Verify.
type CreateAuthChallengeOutput struct {
	PublicChallengeParameters  map[string]string
	PrivateChallengeParameters map[string]string
	ChallengeMetadata          string
}

// VerifyAuthChallengeInput is what VerifyAuthChallenge sees.
type VerifyAuthChallengeInput struct {
	User                       TriggerUser
	PrivateChallengeParameters map[string]string
	ChallengeAnswer            string
	ClientMetadata             map[string]string
}

// VerifyAuthChallengeOutput says whether the answer was right.
type VerifyAuthChallengeOutput struct {
	AnswerCorrect bool
}
