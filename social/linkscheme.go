package social

import "strings"

// WithScheme gives a profile link typed without its scheme
// ("example.org/me", "www.example.org") the https:// a browser would
// assume, so the form is not refused for it. Anything that has a scheme,
// or does not start with something like a host name (a dot before any
// slash, colon or space), is returned as it is, for CheckLinkURL to judge.
func WithScheme(raw string) string {
	s := strings.TrimSpace(raw)
	if s == "" || strings.Contains(s, "://") || strings.HasPrefix(s, "//") {
		return raw
	}
	host := s
	if i := strings.IndexAny(host, "/?#"); i >= 0 {
		host = host[:i]
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 && isPort(host[i+1:]) {
		host = host[:i]
	}
	if !strings.Contains(host, ".") || strings.ContainsAny(host, ": \t@") ||
		strings.HasPrefix(host, ".") || strings.HasSuffix(host, ".") {
		return raw
	}
	return "https://" + s
}

func isPort(s string) bool {
	if s == "" || len(s) > 5 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
