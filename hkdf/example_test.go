package hkdf_test

import (
	"encoding/hex"
	"fmt"

	"github.com/caldera-srp/caldera/hkdf"
)

// The values are from alexrudd/cognito-srp's Test_computeHKDF
// (testdata/cognito-alexrudd-cognito-srp.json).
func ExampleCognitoKey() {
	s, _ := hex.DecodeString("00cf724779a05d41df17a315d188ce565d0bc7a70e6bc4199ad3959a531c6b4ca4b9ac31f639b96391a2f8d28c7d47d9759fc7a23a59bfb95691147b212b050116cf53fa1a7876ef179003dea92b246bc9584240d3e5a294a158b12cc92642bbe5c7d854338233f54fd66f10384b3d3e740280017773feb1104696bfe6e0a82ec5ef2fc23fad663f5e945e8644c872d05f4ab7961436d0602c961d1619e91b70e451f0769e80b0d6ae80052ed47c3c89f4caae02ff01917f195b8cbea78f895da7145646e64b63605a7ffd85de351c06a5a5ffb6eee8b392b4d137726468361bbcf7b4055600002ae7c8c1dd5c545862f1c4c725c01da795afab3221d322104aecd4d1ab74d5e81eb45cbdb52081b1413a9e8b08e76b961c74cdbdac017d8d22a24860a674a0cd526e8ff8403caac07c0c720636efd83291ae60ff15cbd0a881f8030495cae0327040855defba70625c78cf27ea50bcaf0322cac01cf753c5a34269e4e329c9cd388aada7781cf1c552754a0d2d3ce5fe58198a31b7b0ddc515ad")
	u, _ := hex.DecodeString("0c98b195a479d1a7c70c99dd680f34f5805fe686d0bc716549ff2ed895aa9111")

	key := hkdf.CognitoKey(s, u) // ikm = padHex(S), salt = padHex(u)
	fmt.Printf("%x\n", key)
	// Output: d96cde6c95dda17175c1293140c5a81f
}
