package userpool

import (
	"context"
	"maps"
	"slices"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/idp/store"
)

// CustomAuth is the CUSTOM_AUTH flow's three triggers, as Go methods in
// place of Cognito's Lambda functions. The server calls Define after every
// step with the history of the sign-in; when Define names a challenge,
// Create makes it; when the user answers a CUSTOM_CHALLENGE, Verify judges
// the answer. Triggers run outside every store transaction and lock, and
// implementations must be safe for concurrent use.
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

// triggerUser describes u for the custom-auth hooks.
func triggerUser(sess *session, u *store.User) TriggerUser {
	return TriggerUser{PoolID: u.PoolID, ClientID: sess.clientID, Username: u.Username, Attributes: maps.Clone(u.Attrs)}
}

func (s *Service) startCustom(endpoint string, sess *session, u *store.User, p map[string]string) (*AuthResult, *Error) {
	if s.cfg.CustomAuth == nil {
		return nil, errParam("Custom auth lambda trigger is not configured for the user pool.")
	}
	if p["CHALLENGE_NAME"] == "SRP_A" {
		sess.custom = []ChallengeResult{{ChallengeName: "SRP_A", ChallengeResult: true}}
		def, err := s.cfg.CustomAuth.DefineAuthChallenge(context.Background(), DefineAuthChallengeInput{
			User: triggerUser(sess, u), Session: slices.Clone(sess.custom), ClientMetadata: sess.metadata,
		})
		if err != nil {
			return nil, apiErr("UserLambdaValidationException", "DefineAuthChallenge failed with error %v.", err)
		}
		if def.FailAuthentication || def.ChallengeName != "PASSWORD_VERIFIER" {
			return nil, errIncorrect()
		}
		return s.startPasswordVerifier(sess, u, p["SRP_A"])
	}
	return s.customStep(endpoint, sess)
}

// customStep runs DefineAuthChallenge (and CreateAuthChallenge) on the
// history so far, outside any transaction; when Define issues tokens, the
// sign-in ends in a transaction of its own.
func (s *Service) customStep(endpoint string, sess *session) (*AuthResult, *Error) {
	var u *store.User
	if err := s.view(func(tx store.Tx) error {
		var err error
		if u, err = store.GetUser(tx, sess.poolID, sess.username); err == nil && u == nil {
			return errUserNotFound()
		}
		return err
	}); err != nil {
		return nil, err
	}
	ctx := context.Background()
	def, err := s.cfg.CustomAuth.DefineAuthChallenge(ctx, DefineAuthChallengeInput{
		User: triggerUser(sess, u), Session: slices.Clone(sess.custom), ClientMetadata: sess.metadata,
	})
	if err != nil {
		return nil, apiErr("UserLambdaValidationException", "DefineAuthChallenge failed with error %v.", err)
	}
	switch {
	case def.FailAuthentication:
		return nil, errIncorrect()
	case def.IssueTokens:
		sess.customDone, sess.mfaDone = true, true
		return s.step(endpoint, sess, func(tx store.Tx) (*outcome, error) { return s.advance(tx, endpoint, sess) })
	case def.ChallengeName != string(challenge.CustomChallenge):
		return nil, apiErr("InvalidLambdaResponseException", "Unsupported challenge %q from DefineAuthChallenge", def.ChallengeName)
	}
	cr, err := s.cfg.CustomAuth.CreateAuthChallenge(ctx, CreateAuthChallengeInput{
		User: triggerUser(sess, u), ChallengeName: def.ChallengeName, Session: slices.Clone(sess.custom), ClientMetadata: sess.metadata,
	})
	if err != nil {
		return nil, apiErr("UserLambdaValidationException", "CreateAuthChallenge failed with error %v.", err)
	}
	params := maps.Clone(cr.PublicChallengeParameters)
	if params == nil {
		params = map[string]string{}
	}
	params["USERNAME"] = u.Username
	o, cerr := s.challenge(sess, def.ChallengeName, params)
	if cerr != nil {
		return nil, errInternal(cerr)
	}
	o.next.customPrivate, o.next.customMeta = cr.PrivateChallengeParameters, cr.ChallengeMetadata
	return s.finish(endpoint, o)
}

func (s *Service) answerCustom(endpoint string, sess *session, u *store.User, r map[string]string) (*AuthResult, *Error) {
	taken := s.sessions.take(sess.id, s.now())
	if taken == nil {
		return nil, errBadSession()
	}
	v, err := s.cfg.CustomAuth.VerifyAuthChallenge(context.Background(), VerifyAuthChallengeInput{
		User: triggerUser(taken, u), PrivateChallengeParameters: taken.customPrivate,
		ChallengeAnswer: r["ANSWER"], ClientMetadata: taken.metadata,
	})
	if err != nil {
		return nil, apiErr("UserLambdaValidationException", "VerifyAuthChallengeResponse failed with error %v.", err)
	}
	taken.custom = append(slices.Clone(taken.custom), ChallengeResult{
		ChallengeName: string(challenge.CustomChallenge), ChallengeResult: v.AnswerCorrect, ChallengeMetadata: taken.customMeta,
	})
	return s.customStep(endpoint, taken)
}
