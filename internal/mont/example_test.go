package mont_test

import (
	"encoding/hex"
	"fmt"
	"sync"

	"github.com/caldera-srp/caldera/internal/mont"
)

// The 3072-bit prime of RFC 3526, Section 4 (docs/protocol.md §1).
const nHex = "" +
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
	"EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" +
	"83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510" +
	"15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7" +
	"ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C" +
	"BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"

type group struct {
	n *mont.Modulus
	g *mont.FixedBase
}

// cognitoGroup is built once, on first use: the modulus and the g = 2 table
// for exponents of up to 1040 bits (a: 1024 bits, x: 256 bits).
var cognitoGroup = sync.OnceValue(func() group {
	nb, _ := hex.DecodeString(nHex)
	n, err := mont.NewModulus(nb)
	if err != nil {
		panic(err)
	}
	var g mont.Elem
	if err := n.SetBytes(&g, []byte{2}); err != nil {
		panic(err)
	}
	return group{n, n.NewFixedBase(&g, 1040)}
})

func ExampleFixedBase_Exp() {
	grp := cognitoGroup()
	a := []byte{0x01, 0x00} // a secret exponent; 128 random bytes in SRP
	var A mont.Elem
	grp.g.Exp(&A, a) // A = g^a = 2^256
	b := grp.n.Bytes(&A)
	fmt.Printf("%d bytes, %02x at offset %d\n", len(b), b[384-33], 384-33)
	// Output: 384 bytes, 01 at offset 351
}

func ExampleModulus_Exp() {
	grp := cognitoGroup()
	var base, S mont.Elem
	grp.n.SetBytesReduce(&base, []byte{3})
	grp.n.Exp(&S, &base, []byte{5}) // 3^5
	fmt.Printf("%x\n", grp.n.Bytes(&S)[380:])
	// Output: 000000f3
}
