package idp

import (
	"testing"
	"time"
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
