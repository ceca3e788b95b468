// Package awscli checks Caldera's local server (package idp) against the
// AWS CLI's cognito-idp commands (--endpoint-url): pools, groups, users,
// ListUsers filters, tags and the signing certificate, as a shell script
// or CI job would drive them. The test skips when the aws command is
// absent (the aws-sdk-go-v2 pass in package idp is the required one).
package awscli
