// Package js holds the interoperability tests of Caldera's local server
// (package idp) with the official JavaScript client, amazon-cognito-identity-js
// 6.x: signin.mjs signs in with it and interop_test.go runs that script
// against an in-process server and checks its output; claim.mjs has the
// client compute password claims without sending them, and claim_test.go
// sends each one unchanged or with one bit flipped (issue 4's differential
// check). The Node dependencies are pinned by package-lock.json; install them
// with `npm ci` in this directory.
package js
