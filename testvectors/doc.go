// Package testvectors holds no code: its tests run every published test
// vector in testdata/ against the Caldera packages (srp, hkdf, challenge).
//
// The files in testdata/ are copies of the project's shared vector set, each
// with a top-level "source" naming the RFC or the repository, path and commit
// it was transcribed from, and "notes" on the formula variant it uses (see
// testdata/README.md). Every test counts the vectors it ran and fails when
// the count differs from the number the file holds, so a skipped file or
// vector is a failure, not a pass. TestEveryFileIsCovered fails when a file
// is added to testdata/ without a test.
//
// The accumulated test computes thousands of seeded random Cognito claims
// with srp and with an independent math/big reference written in the test
// files, and compares one SHA-256 digest of all outputs.
package testvectors
