package flow

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// The request bodies. Fields are written in declaration order and map keys
// sorted, so a request is a pure function of the machine's inputs.

type initiateInput struct {
	AnalyticsMetadata *analyticsMetadata `json:"AnalyticsMetadata,omitempty"`
	AuthFlow          string             `json:"AuthFlow"`
	AuthParameters    map[string]string  `json:"AuthParameters"`
	ClientID          string             `json:"ClientId"`
	ClientMetadata    map[string]string  `json:"ClientMetadata,omitempty"`
	ContextData       *contextData       `json:"ContextData,omitempty"`
	UserContextData   *userContextData   `json:"UserContextData,omitempty"`
	UserPoolID        string             `json:"UserPoolId,omitempty"`
}

type respondInput struct {
	AnalyticsMetadata  *analyticsMetadata `json:"AnalyticsMetadata,omitempty"`
	ChallengeName      string             `json:"ChallengeName"`
	ChallengeResponses map[string]string  `json:"ChallengeResponses"`
	ClientID           string             `json:"ClientId"`
	ClientMetadata     map[string]string  `json:"ClientMetadata,omitempty"`
	ContextData        *contextData       `json:"ContextData,omitempty"`
	Session            string             `json:"Session,omitempty"`
	UserContextData    *userContextData   `json:"UserContextData,omitempty"`
	UserPoolID         string             `json:"UserPoolId,omitempty"`
}

// refreshInput is GetTokensFromRefreshToken's input: the client secret
// itself, not a SECRET_HASH (the API's GetTokensFromRefreshTokenRequest).
type refreshInput struct {
	ClientID       string            `json:"ClientId"`
	ClientMetadata map[string]string `json:"ClientMetadata,omitempty"`
	ClientSecret   string            `json:"ClientSecret,omitempty"`
	DeviceKey      string            `json:"DeviceKey,omitempty"`
	RefreshToken   string            `json:"RefreshToken"`
}

// The context of a sign-in (Config.AnalyticsEndpointID, UserContextData,
// ContextData), in the API's member names.
type analyticsMetadata struct {
	AnalyticsEndpointID string `json:"AnalyticsEndpointId"`
}

type userContextData struct {
	EncodedData string `json:"EncodedData,omitempty"`
	IPAddress   string `json:"IpAddress,omitempty"`
}

type httpHeader struct {
	HeaderName  string `json:"headerName"`
	HeaderValue string `json:"headerValue"`
}

type contextData struct {
	EncodedData string       `json:"EncodedData,omitempty"`
	HTTPHeaders []httpHeader `json:"HttpHeaders"`
	IPAddress   string       `json:"IpAddress"`
	ServerName  string       `json:"ServerName"`
	ServerPath  string       `json:"ServerPath"`
}

// wireContext returns the context members of the machine's Config.
func (c *Config) wireContext() (*analyticsMetadata, *userContextData, *contextData) {
	var am *analyticsMetadata
	if c.AnalyticsEndpointID != "" {
		am = &analyticsMetadata{c.AnalyticsEndpointID}
	}
	var ud *userContextData
	if u := c.UserContextData; u != nil && (u.IPAddress != "" || u.EncodedData != "") {
		ud = &userContextData{EncodedData: u.EncodedData, IPAddress: u.IPAddress}
	}
	var cd *contextData
	if d := c.ContextData; d != nil {
		cd = &contextData{EncodedData: d.EncodedData, HTTPHeaders: []httpHeader{},
			IPAddress: d.IPAddress, ServerName: d.ServerName, ServerPath: d.ServerPath}
		for _, h := range d.HTTPHeaders {
			cd.HTTPHeaders = append(cd.HTTPHeaders, httpHeader{h.Name, h.Value})
		}
	}
	return am, ud, cd
}

type sessionInput struct {
	Session string `json:"Session"`
}

type verifyInput struct {
	FriendlyDeviceName string `json:"FriendlyDeviceName,omitempty"`
	Session            string `json:"Session"`
	UserCode           string `json:"UserCode"`
}

type verifierConfig struct {
	PasswordVerifier string `json:"PasswordVerifier"`
	Salt             string `json:"Salt"`
}

type confirmDeviceInput struct {
	AccessToken                string         `json:"AccessToken"`
	DeviceKey                  string         `json:"DeviceKey"`
	DeviceName                 string         `json:"DeviceName"`
	DeviceSecretVerifierConfig verifierConfig `json:"DeviceSecretVerifierConfig"`
}

type updateDeviceInput struct {
	AccessToken            string `json:"AccessToken"`
	DeviceKey              string `json:"DeviceKey"`
	DeviceRememberedStatus string `json:"DeviceRememberedStatus"`
}

// authOutput is an InitiateAuth or RespondToAuthChallenge answer.
type authOutput struct {
	challengeName string
	session       string
	params        json.RawMessage
	available     json.RawMessage
	result        *authResult
}

type newDeviceMetadata struct {
	DeviceKey      string
	DeviceGroupKey string
}

type authResult struct {
	AccessToken       string
	IDToken           string
	RefreshToken      string
	TokenType         string
	ExpiresIn         int64
	NewDeviceMetadata *newDeviceMetadata
}

// parseAuthOutput decodes an answer field by field, so that a null, a
// value of the wrong JSON type or an absurd number is an
// ErrMalformedResponse rather than a silent zero.
func parseAuthOutput(b []byte) (*authOutput, error) {
	var raw struct {
		ChallengeName        json.RawMessage
		ChallengeParameters  json.RawMessage
		Session              json.RawMessage
		AuthenticationResult json.RawMessage
		AvailableChallenges  json.RawMessage
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%w: not a JSON object", ErrMalformedResponse)
	}
	if err := noDuplicateKeys(b); err != nil {
		return nil, err
	}
	out := &authOutput{params: raw.ChallengeParameters, available: raw.AvailableChallenges}
	var err error
	if out.challengeName, err = optString("ChallengeName", raw.ChallengeName); err != nil {
		return nil, err
	}
	if out.session, err = optString("Session", raw.Session); err != nil {
		return nil, err
	}
	if isAbsent(raw.AuthenticationResult) {
		return out, nil
	}
	var r struct {
		AccessToken, IdToken, RefreshToken, TokenType json.RawMessage
		ExpiresIn                                     json.RawMessage
		NewDeviceMetadata                             json.RawMessage
	}
	if err := json.Unmarshal(raw.AuthenticationResult, &r); err != nil {
		return nil, fmt.Errorf("%w: AuthenticationResult is not an object", ErrMalformedResponse)
	}
	if err := noDuplicateKeys(raw.AuthenticationResult); err != nil {
		return nil, err
	}
	res := &authResult{}
	for _, f := range []struct {
		name string
		raw  json.RawMessage
		dst  *string
	}{
		{"AccessToken", r.AccessToken, &res.AccessToken},
		{"IdToken", r.IdToken, &res.IDToken},
		{"RefreshToken", r.RefreshToken, &res.RefreshToken},
		{"TokenType", r.TokenType, &res.TokenType},
	} {
		if *f.dst, err = optString(f.name, f.raw); err != nil {
			return nil, err
		}
	}
	if res.AccessToken == "" {
		return nil, fmt.Errorf("%w: AuthenticationResult without AccessToken", ErrMalformedResponse)
	}
	if !isAbsent(r.ExpiresIn) {
		var n json.Number
		if err := json.Unmarshal(r.ExpiresIn, &n); err != nil {
			return nil, fmt.Errorf("%w: ExpiresIn is not a number", ErrMalformedResponse)
		}
		v, err := n.Int64()
		// At most ten years; Cognito allows one day for access tokens.
		if err != nil || v < 0 || v > 10*366*86400 {
			return nil, fmt.Errorf("%w: ExpiresIn out of range", ErrMalformedResponse)
		}
		res.ExpiresIn = v
	}
	if !isAbsent(r.NewDeviceMetadata) {
		var nd struct{ DeviceKey, DeviceGroupKey json.RawMessage }
		if err := json.Unmarshal(r.NewDeviceMetadata, &nd); err != nil {
			return nil, fmt.Errorf("%w: NewDeviceMetadata is not an object", ErrMalformedResponse)
		}
		res.NewDeviceMetadata = &newDeviceMetadata{}
		if res.NewDeviceMetadata.DeviceKey, err = optString("DeviceKey", nd.DeviceKey); err != nil {
			return nil, err
		}
		if res.NewDeviceMetadata.DeviceGroupKey, err = optString("DeviceGroupKey", nd.DeviceGroupKey); err != nil {
			return nil, err
		}
	}
	out.result = res
	return out, nil
}

func isAbsent(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

// optString decodes an optional JSON string: absent and null give "".
func optString(field string, raw json.RawMessage) (string, error) {
	if isAbsent(raw) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("%w: %s is not a string", ErrMalformedResponse, field)
	}
	return s, nil
}

// noDuplicateKeys refuses a JSON object with a key given twice, which
// encoding/json would silently resolve to the last value. b has already
// been decoded as an object.
func noDuplicateKeys(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil { // '{'
		return fmt.Errorf("%w: not a JSON object", ErrMalformedResponse)
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return fmt.Errorf("%w: not a JSON object", ErrMalformedResponse)
		}
		k, _ := t.(string)
		if seen[k] {
			return fmt.Errorf("%w: key %.64q given twice", ErrMalformedResponse, k)
		}
		seen[k] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return fmt.Errorf("%w: not a JSON object", ErrMalformedResponse)
		}
	}
	return nil
}
