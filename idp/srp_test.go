package idp

import (
	"testing"
)

func TestUserSRPAuth(t *testing.T) {
	h := newHarness(t, nil)
	for _, secret := range []bool{false, true} {
		f := h.fixture(PoolConfig{}, ClientConfig{GenerateSecret: secret}, UserConfig{Attributes: map[string]string{"email": "alice@example.com"}})
		out, e := h.srpSignIn(f, "alice", f.password)
		if e != nil {
			t.Fatalf("secret=%v: %s %s", secret, e.Type, e.Message)
		}
		res, _ := out["AuthenticationResult"].(map[string]any)
		if res == nil {
			t.Fatalf("secret=%v: no tokens: %v", secret, out)
		}
		claims, err := h.srv.VerifyToken(res["IdToken"].(string))
		if err != nil {
			t.Fatal(err)
		}
		if claims.String("cognito:username") != "alice" || claims.String("token_use") != "id" ||
			claims.String("aud") != f.client || claims.String("iss") != h.http.URL+"/"+f.pool ||
			claims.String("email") != "alice@example.com" {
			t.Fatalf("id token claims %v", claims)
		}
		if _, ok := claims["iat"].(float64); !ok {
			t.Fatalf("iat not numeric: %v", claims["iat"])
		}
		ac, err := h.srv.VerifyToken(res["AccessToken"].(string))
		if err != nil {
			t.Fatal(err)
		}
		if ac.String("username") != "alice" || ac.String("client_id") != f.client || ac.String("token_use") != "access" {
			t.Fatalf("access token claims %v", ac)
		}
		_, e = h.srpSignIn(f, "alice", "Wrong-Horse-1")
		wantErr(t, e, "NotAuthorizedException", "Incorrect username or password.")
	}
}
