// Package js holds the interoperability tests of Caldera's local server
// (package idp) with the official JavaScript client, amazon-cognito-identity-js
// 6.x: signin.mjs signs in with it and interop_test.go runs that script
// against an in-process server and checks its output; claim.mjs has the
// client compute password claims without sending them, and claim_test.go
// sends each one unchanged or with one bit flipped (issue 4's differential
// check). amplify.mjs drives the official aws-amplify v6 Auth category
// (sign-in with device tracking, fetchAuthSession({forceRefresh: true}) on
// GetTokensFromRefreshToken with rotation, updatePassword,
// updateUserAttributes, resetPassword and confirmResetPassword,
// signOut({global: true})) and amplify_test.go checks what it saw. The Node
// dependencies are pinned by package-lock.json; install them
// with `npm ci` in this directory.
package js
