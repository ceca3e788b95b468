// Package bench holds no code: its benchmarks compare Caldera's
// constant-time SRP arithmetic (impl=caldera) with the math/big approach of
// the existing Go Cognito SRP library (impl=mathbig). See README.md for the
// command and the recorded figures.
package bench
