// Package awscli checks Caldera's local server (package idp) against the
// AWS CLI's cognito-idp commands (--endpoint-url): pools, groups, users,
// ListUsers filters, tags and the signing certificate, as a shell script
// or CI job would drive them: against caldera serve --admin-credentials,
// with that key as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (SigV4). The test skips when the aws command is
// absent (the aws-sdk-go-v2 pass in package idp is the required one).
package awscli
