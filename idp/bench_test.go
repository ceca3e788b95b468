package idp

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/caldera-srp/caldera/challenge"
	"github.com/caldera-srp/caldera/idp/store"
	"github.com/caldera-srp/caldera/idp/tokens"
	"github.com/caldera-srp/caldera/srp"
)

// BenchmarkSRPSignIn measures complete, verified USER_SRP_AUTH sign-ins over
// HTTP on loopback: InitiateAuth (server draws b, computes B), the client's
// claim (srp package), RespondToAuthChallenge (server verifies the claim,
// signs two RS256 tokens). Client and server share the machine, so the
// figure is a lower bound on what the server alone sustains.
func BenchmarkSRPSignIn(b *testing.B) {
	h := newHarness(b, func(o *Options) { o.Clock = time.Now })
	f := h.fixture(PoolConfig{}, ClientConfig{GenerateSecret: true}, UserConfig{})
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			out, e := h.srpSignIn(f, f.user, f.password)
			if e != nil || out["AuthenticationResult"] == nil {
				b.Errorf("sign-in failed: %v %v", e, out)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signins/s")
}

// BenchmarkServerSignIn measures the server's own time per verified
// USER_SRP_AUTH sign-in on a pool that tracks devices (each sign-in writes
// a new device and its refresh-token origin in one transaction), in memory
// and with a bbolt file (--data). Requests go straight to ServeHTTP (no
// network); the client's work — its key pair, the password claim, request
// encoding, answer checks — runs with the timer stopped. Sign-ins run in
// rounds of conc concurrent requests: conc InitiateAuth (B), then, after
// the untimed claims, conc RespondToAuthChallenge (claim verification,
// store commit, two RS256 signatures), so concurrent commits can share
// bbolt's fsync. ns/op is wall time per sign-in with both cores in use;
// cpu-µs/op is the process's CPU time in the timed sections per sign-in
// (steadier than wall time on a shared machine).
func BenchmarkServerSignIn(b *testing.B) {
	for _, mode := range []string{"memory", "bbolt"} {
		for _, conc := range []int{2, 32} {
			b.Run(fmt.Sprintf("mode=%s/conc=%d", mode, conc), func(b *testing.B) { benchServerSignIn(b, mode, conc) })
		}
	}
}

func benchServer(b *testing.B, mode string) *Server {
	opts := Options{SigningKey: testKey(), Endpoint: "http://bench"}
	if mode == "bbolt" {
		st, err := OpenBoltStore(filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		opts.Store = st
	}
	s, err := New(opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func serveOp(s *Server, op string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	return w
}

// concurrently runs f(0..n-1) on n goroutines and waits.
func concurrently(n int, f func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(i)
		}()
	}
	wg.Wait()
}

func benchServerSignIn(b *testing.B, mode string, conc int) {
	s := benchServer(b, mode)
	const users, password = 8, "Bench-Passw0rd!"
	pool, err := s.CreatePool(PoolConfig{ID: "us-east-1_Bench", DeviceConfiguration: &DeviceConfiguration{}})
	if err != nil {
		b.Fatal(err)
	}
	cl, err := s.CreateClient(pool.ID, ClientConfig{ID: "benchclient"})
	if err != nil {
		b.Fatal(err)
	}
	for u := range users {
		if _, err := s.CreateUser(pool.ID, UserConfig{Username: fmt.Sprint("user", u), Password: password}); err != nil {
			b.Fatal(err)
		}
	}
	poolName, _ := srp.PoolName(pool.ID)
	mustJSON := func(v any) []byte {
		out, err := json.Marshal(v)
		if err != nil {
			b.Fatal(err)
		}
		return out
	}
	// cpu sums the process's CPU time over the timed sections, where only
	// the server's goroutines run: the server's own CPU per sign-in,
	// whatever else the machine is doing.
	var cpu time.Duration
	timed := func(f func()) {
		c0, _ := processCPU()
		b.StartTimer()
		f()
		b.StopTimer()
		c1, _ := processCPU()
		cpu += c1 - c0
	}
	b.ResetTimer()
	b.StopTimer()
	for done := 0; done < b.N; {
		k := min(conc, b.N-done)
		clients := make([]*srp.Client, k)
		inits := make([][]byte, k)
		concurrently(k, func(i int) {
			c, err := srp.Cognito().NewClient(nil)
			if err != nil {
				panic(err)
			}
			clients[i] = c
			inits[i] = mustJSON(map[string]any{"AuthFlow": "USER_SRP_AUTH", "ClientId": cl.ID,
				"AuthParameters": map[string]string{"USERNAME": fmt.Sprint("user", (done+i)%users), "SRP_A": c.PublicHex()}})
		})
		chs := make([]*httptest.ResponseRecorder, k)
		timed(func() { concurrently(k, func(i int) { chs[i] = serveOp(s, "InitiateAuth", inits[i]) }) })
		responds := make([][]byte, k)
		concurrently(k, func(i int) {
			var ch struct {
				ChallengeParameters map[string]string
				Session             string
			}
			if chs[i].Code != http.StatusOK || json.Unmarshal(chs[i].Body.Bytes(), &ch) != nil {
				panic(fmt.Sprintf("InitiateAuth: %d %s", chs[i].Code, chs[i].Body))
			}
			cp := ch.ChallengeParameters
			claim, err := clients[i].PasswordClaim(srp.PasswordClaimParams{
				PoolName: poolName, UserIDForSRP: cp["USER_ID_FOR_SRP"], Password: password,
				SRPB: cp["SRP_B"], Salt: cp["SALT"], SecretBlock: cp["SECRET_BLOCK"], Timestamp: challenge.FormatTimestamp(time.Now()),
			})
			if err != nil {
				panic(err)
			}
			responds[i] = mustJSON(map[string]any{"ChallengeName": "PASSWORD_VERIFIER", "ClientId": cl.ID, "Session": ch.Session,
				"ChallengeResponses": map[string]string{"USERNAME": cp["USER_ID_FOR_SRP"], "PASSWORD_CLAIM_SECRET_BLOCK": claim.SecretBlock,
					"TIMESTAMP": claim.Timestamp, "PASSWORD_CLAIM_SIGNATURE": claim.Signature}})
		})
		outs := make([]*httptest.ResponseRecorder, k)
		timed(func() { concurrently(k, func(i int) { outs[i] = serveOp(s, "RespondToAuthChallenge", responds[i]) }) })
		for _, w := range outs {
			if w.Code != http.StatusOK || !bytes.Contains(w.Body.Bytes(), []byte(`"NewDeviceMetadata"`)) {
				b.Fatalf("sign-in failed: %d %s", w.Code, w.Body)
			}
		}
		done += k
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signins/s")
	if _, ok := processCPU(); ok {
		b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
	}
}

// BenchmarkServerSignInParts breaks a verified SRP sign-in down into the
// server's main costs, one at a time on one goroutine: B (srp's b and
// B = kv + g^b), the claim verification (S, K, the HMAC, constant-time
// compare), the two RS256 signatures, and the store transaction that ends
// a sign-in (a device, an origin, the failure-count check) in memory and
// in bbolt (RunParallel, so commits can share an fsync).
func BenchmarkServerSignInParts(b *testing.B) {
	const poolName, user, password = "Bench", "alice", "Bench-Passw0rd!"
	v, err := srp.NewPasswordVerifier(nil, poolName, user, password)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("part=B", func(b *testing.B) {
		for range b.N {
			if _, err := srp.NewCognitoServer(v, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("part=verify", func(b *testing.B) {
		block := []byte("0123456789abcdef0123456789abcdef")
		ts := challenge.FormatTimestamp(time.Now())
		for range b.N {
			b.StopTimer()
			srv, err := srp.NewCognitoServer(v, nil)
			if err != nil {
				b.Fatal(err)
			}
			c, _ := srp.Cognito().NewClient(nil)
			claim, err := c.PasswordClaim(srp.PasswordClaimParams{
				PoolName: poolName, UserIDForSRP: user, Password: password, SRPB: srv.PublicHex(), Salt: v.SaltHex(),
				SecretBlock: base64.StdEncoding.EncodeToString(block), Timestamp: ts,
			})
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if err := srv.VerifyPasswordClaim(srp.VerifyClaimParams{PoolName: poolName, UserIDForSRP: user, SRPA: c.PublicHex(),
				SecretBlock: block, Timestamp: claim.Timestamp, Signature: claim.Signature}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("part=sign", func(b *testing.B) {
		is, err := tokens.NewIssuer("us-east-1_Bench", testKey(), time.Now)
		if err != nil {
			b.Fatal(err)
		}
		g := tokens.Grant{Issuer: "http://bench/us-east-1_Bench", ClientID: "c", Username: user, Sub: "s",
			Attrs: map[string]string{"email": "a@example.com"}, OriginJTI: "o", Now: time.Now(), AuthTime: time.Now(),
			AccessTTL: time.Hour, IDTTL: time.Hour, EventID: "e", IDJTI: "i", AccessJTI: "a"}
		for range b.N {
			if _, err := is.Mint(g); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, mode := range []string{"memory", "bbolt"} {
		b.Run("part=store/mode="+mode, func(b *testing.B) {
			var st store.Store = store.NewMemory()
			if mode == "bbolt" {
				bs, err := store.OpenBolt(filepath.Join(b.TempDir(), "parts.db"), 0)
				if err != nil {
					b.Fatal(err)
				}
				st = bs
			}
			defer st.Close()
			var mu sync.Mutex
			n := 0
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					mu.Lock()
					n++
					key := fmt.Sprint(n)
					mu.Unlock()
					err := st.Update(func(tx store.Tx) error {
						if _, err := store.GetUser(tx, "us-east-1_Bench", user); err != nil {
							return err
						}
						if err := store.ClearFailures(tx, "us-east-1_Bench", user); err != nil {
							return err
						}
						if err := store.PutDevice(tx, &store.Device{PoolID: "us-east-1_Bench", Username: user, Key: "d" + key, GroupKey: "g"}); err != nil {
							return err
						}
						return store.PutOrigin(tx, &store.Origin{JTI: "o" + key, PoolID: "us-east-1_Bench", ClientID: "c", Username: user,
							DeviceKey: "d" + key, RefreshHash: make([]byte, 32), AuthTime: time.Now(), IssuedAt: time.Now(), ExpiresAt: time.Now()})
					})
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
