package idp

type accessTokenIn struct{ AccessToken string }

func opGetUser(s *Server, c *call, in *accessTokenIn) (any, *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, _, err := s.accessUser(in.AccessToken)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"Username": u.Username, "UserAttributes": attrList(u.Attrs)}
	addMFASettings(out, u)
	return out, nil
}

// GlobalSignOut revokes every refresh token of the user, and with them the
// access tokens of those sign-ins.
func opGlobalSignOut(s *Server, c *call, in *accessTokenIn) (any, *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, _, err := s.accessUser(in.AccessToken)
	if err != nil {
		return nil, err
	}
	for _, o := range s.origins {
		if o.PoolID == u.PoolID && o.Username == u.Username && !o.Revoked {
			if err := s.revokeOrigin(o); err != nil {
				return nil, err
			}
		}
	}
	return nil, nil
}

// revokeOrigin marks a sign-in revoked. Called with s.mu held.
func (s *Server) revokeOrigin(o *originRecord) *Error {
	no := clone(o)
	no.Revoked = true
	if err := s.persist(kindOrigin, no.JTI, no); err != nil {
		return err
	}
	s.origins[no.JTI] = no
	return nil
}

type revokeTokenIn struct {
	Token        string
	ClientId     string
	ClientSecret string
}

// RevokeToken revokes a refresh token and the access tokens it produced.
func opRevokeToken(s *Server, c *call, in *revokeTokenIn) (any, *Error) {
	cl, err := s.clientFor(in.ClientId)
	if err != nil {
		return nil, err
	}
	if cl.Secret != "" && !subtleEq(cl.Secret, in.ClientSecret) {
		return nil, apiErr("NotAuthorizedException", "Client secret is invalid.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.refreshOrigin(in.Token)
	if o == nil {
		// Cognito answers success for a token that is already invalid.
		return nil, nil
	}
	if o.ClientID != cl.ID {
		return nil, apiErr("UnauthorizedException", "Token is not from this client.")
	}
	return nil, s.revokeOrigin(o)
}
