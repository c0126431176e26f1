// Package e2e holds the browser tests of majlis. They start the whole web
// interface in-process (a bbolt file in a temporary directory behind
// httptest) and drive Debian's Chromium through chromedp with real clicks
// and typing, with and without JavaScript.
//
// The tests skip when no Chromium is installed, unless MAJLIS_E2E=1, which
// turns a missing browser into a failure (for CI). Screenshots go to the
// folder named by MAJLIS_E2E_ARTIFACTS, or to a temporary directory.
//
//	go test ./e2e/ -count=1 -v
package e2e
