// Package js holds the interoperability test of Caldera's local server
// (package idp) with the official JavaScript client, amazon-cognito-identity-js
// 6.x: signin.mjs signs in with it and interop_test.go runs that script
// against an in-process server and checks its output. The Node dependencies
// are pinned by package-lock.json; install them with `npm ci` in this
// directory.
package js
