// Package twoinstance holds the test of two majlis instances federating
// with each other inside go test: each a real bbolt file, the web door and
// federation wired as the server wires them (handlers.Config.Federate),
// on a loopback listener that the other reaches under its own host name
// (a.test, b.test) through federation.Guard.Hosts. Members act through the
// web pages as a browser without JavaScript would; the test asserts what
// they see on the pages of both instances, and what the files keep.
//
// The package has no code of its own: only this file and the tests.
package twoinstance
