package totp_test

import (
	"fmt"
	"time"

	"github.com/caldera-srp/caldera/totp"
)

func Example() {
	// SecretCode as AssociateSoftwareToken returns it (here the RFC 6238
	// test secret "12345678901234567890").
	secret, err := totp.DecodeSecret("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Unix(59, 0) // RFC 6238 Appendix B, first row
	code, err := totp.Code(secret, now)
	fmt.Println(code, err)

	// Accept the code up to one 30-second step later.
	fmt.Println(totp.Validate(secret, code, now.Add(30*time.Second), 1))
	fmt.Println(totp.Validate(secret, code, now.Add(90*time.Second), 1))
	// Output:
	// 287082 <nil>
	// true
	// false
}

func ExampleParams_Code() {
	p := totp.Params{Digits: 8} // 30 s and HMAC-SHA1 by default
	code, err := p.Code([]byte("12345678901234567890"), time.Unix(1111111109, 0))
	fmt.Println(code, err)
	// Output: 07081804 <nil>
}
