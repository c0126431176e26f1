package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"majlis/storage"
)

// robotsRule is an allow or disallow line of a robots.txt group.
type robotsRule struct {
	allow   bool
	pattern string
}

// robotsFile is a robots.txt, read as RFC 9309 says.
type robotsFile struct {
	// groups maps a lower-cased user-agent token to its rules (groups
	// that name the same token are merged).
	groups map[string][]robotsRule
	// usage maps a user-agent token to its Content-Usage lines (IETF
	// aipref): "PATH VALUE", or "VALUE" alone for every path.
	usage map[string][]string
}

func parseRobots(body string) robotsFile {
	f := robotsFile{groups: map[string][]robotsRule{}, usage: map[string][]string{}}
	var agents []string
	inRules := false
	for line := range strings.SplitSeq(body, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key, value = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(value)
		switch key {
		case "user-agent":
			if inRules {
				agents, inRules = nil, false
			}
			agents = append(agents, strings.ToLower(value))
		case "allow", "disallow":
			inRules = true
			if value == "" {
				continue // "Disallow:" with nothing allows everything
			}
			for _, a := range agents {
				f.groups[a] = append(f.groups[a], robotsRule{allow: key == "allow", pattern: value})
			}
		case "content-usage":
			inRules = true
			for _, a := range agents {
				f.usage[a] = append(f.usage[a], value)
			}
		}
	}
	return f
}

// rulesFor are the rules a crawler follows: its own group, else "*".
func (f robotsFile) rulesFor(agent string) []robotsRule {
	if rules, ok := f.groups[strings.ToLower(agent)]; ok {
		return rules
	}
	return f.groups["*"]
}

// normalizeRobotsPath decodes the percent-encoded octets that need no
// encoding (RFC 3986's unreserved characters) and writes the others' hex
// digits in upper case, as RFC 9309 (2.2.2) compares paths.
func normalizeRobotsPath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '%' && i+2 < len(p) {
			if n, err := strconv.ParseUint(p[i+1:i+3], 16, 8); err == nil {
				c := byte(n)
				if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
					b.WriteByte(c)
				} else {
					b.WriteString(strings.ToUpper(p[i : i+3]))
				}
				i += 2
				continue
			}
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// robotsMatch tells whether pattern matches the start of path: "*" is any
// run of characters, "$" at the end anchors the pattern to the end of the
// path; everything else is compared octet by octet, case-sensitively.
func robotsMatch(pattern, path string) bool {
	if pattern == "" {
		return true
	}
	switch {
	case pattern == "$":
		return path == ""
	case pattern[0] == '*':
		for i := 0; i <= len(path); i++ {
			if robotsMatch(pattern[1:], path[i:]) {
				return true
			}
		}
		return false
	case path != "" && pattern[0] == path[0]:
		return robotsMatch(pattern[1:], path[1:])
	}
	return false
}

// allowed tells whether agent may fetch target (a path with its query):
// the longest matching rule decides, an allow rule wins a tie, and
// nothing matching allows.
func (f robotsFile) allowed(agent, target string) bool {
	target = normalizeRobotsPath(target)
	best, allow := -1, true
	for _, r := range f.rulesFor(agent) {
		p := normalizeRobotsPath(r.pattern)
		if !robotsMatch(p, target) {
			continue
		}
		if len(p) > best || len(p) == best && r.allow {
			best, allow = len(p), r.allow
		}
	}
	return allow
}

// contentUsage is the Content-Usage value of the "*" group for target:
// the longest matching path's, else the line without a path.
func (f robotsFile) contentUsage(target string) string {
	target = normalizeRobotsPath(target)
	best, value := -1, ""
	for _, line := range f.usage["*"] {
		path, v, ok := strings.Cut(line, " ")
		if !ok || !strings.HasPrefix(path, "/") {
			if best < 0 {
				value = line
			}
			continue
		}
		if p := normalizeRobotsPath(path); robotsMatch(p, target) && len(p) > best {
			best, value = len(p), strings.TrimSpace(v)
		}
	}
	return value
}

// TestRobotsMatcher checks the matcher the next test relies on against
// the examples of RFC 9309.
func TestRobotsMatcher(t *testing.T) {
	f := parseRobots("User-agent: *\nDisallow: /fish\nAllow: /fish/salmon\nDisallow: /*.php$\nDisallow: /%7Ebob\nDisallow: /a%3cd\n")
	for _, tc := range []struct {
		path string
		want bool
	}{
		{"/fish", false}, {"/fish.html", false}, {"/fish/salmon.html", true}, {"/Fish", true},
		{"/index.php", false}, {"/index.php?x", true}, {"/~bob/", false}, {"/a%3Cd", false}, {"/a%3cd", false}, {"/%61%3cd", false},
	} {
		if got := f.allowed("anybot", tc.path); got != tc.want {
			t.Errorf("allowed(%s): got %t, want %t", tc.path, got, tc.want)
		}
	}
}

// robotsFetch follows a spelling's redirects, as a crawler that ignored
// robots.txt would: the chain of addresses it went through and the status
// of the last.
func robotsFetch(t *testing.T, c *client, target string) (chain []string, status int) {
	t.Helper()
	for range 5 {
		chain = append(chain, target)
		resp := c.get(target)
		if resp.StatusCode < 300 || resp.StatusCode >= 400 {
			return chain, resp.StatusCode
		}
		if resp.StatusCode != http.StatusMovedPermanently {
			t.Errorf("GET %s: got redirect %d, want 301 (permanent, so crawlers keep the canonical address)", target, resp.StatusCode)
		}
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || loc.Host != "" || !strings.HasPrefix(loc.Path, "/") {
			t.Fatalf("GET %s: got Location %q, want a path on this site", target, resp.Header.Get("Location"))
		}
		target = loc.RequestURI()
	}
	t.Fatalf("GET %s: more than 5 redirects: %v", target, chain)
	return nil, 0
}

// robots.txt keeps AI crawlers away from the pages of a member who refuses
// AI training under every spelling that reaches them: case variants,
// percent-encoded characters, the /users/ prefix, feeds, queries. Each
// spelling is either disallowed itself or redirected to an address that
// is; the content is served at a disallowed address only, which the
// Content-Usage lines reserve too. Another member whose name starts the
// same stays open.
func TestRobotsEverySpelling(t *testing.T) {
	srv := newTestServer(t)
	db := srv.db
	setInstanceConsent(t, db, true, false)
	mona := setConsent(t, db, newUser(t, db, "Mona"), storage.ProfileUpdate{AITraining: storage.AITrainingNo})
	monarch := setConsent(t, db, newUser(t, db, "Monarch"), storage.ProfileUpdate{AITraining: storage.AITrainingYes})
	post := newPost(t, db, mona, "Mona's words")
	if _, err := db.Like(monarch.ID, post.ID); err != nil {
		t.Fatal(err)
	}
	c := srv.newClient(t)
	robots := parseRobots(c.get("/robots.txt").body)
	const bot = "GPTBot"

	id := post.ID.String()
	suffixes := []string{
		"", "/" + id, "/" + id + "/likes", "/" + id + "/reposts", "/followers", "/following",
		"/with_replies", ".rss", ".atom", "?before=" + id, "/" + id + "?card=x", "/followers?before=" + id,
		"%2Fwith_replies", "/" + id + "%2Flikes",
	}
	var spellings []string
	for _, prefix := range []string{"/@", "/%40", "/users/"} {
		for _, name := range []string{"Mona", "mona", "MONA", "mONA", "%4Dona", "M%6fna"} {
			for _, s := range suffixes {
				spellings = append(spellings, prefix+name+s)
			}
		}
	}
	for _, s := range spellings {
		t.Run(s, func(t *testing.T) {
			chain, status := robotsFetch(t, c, s)
			if status != http.StatusOK {
				t.Fatalf("GET %v: got %d at the end, want the page (200)", chain, status)
			}
			stopped := false
			for _, u := range chain {
				if !robots.allowed(bot, u) {
					stopped = true
				}
			}
			if !stopped {
				t.Errorf("%s may fetch Mona's content at %v: no address on the way is disallowed", bot, chain)
			}
			served := chain[len(chain)-1]
			if got := robots.contentUsage(served); got != "train-ai=n" {
				t.Errorf("Content-Usage for %s: got %q, want train-ai=n", served, got)
			}
		})
	}
	// The pages that mix members show Mona's posts too.
	for _, p := range []string{"/", "/?before=" + id, "/local", "/local?before=" + id, "/tags/x", "/media/x.png"} {
		if robots.allowed(bot, p) {
			t.Errorf("%s may fetch %s, which mixes members", bot, p)
		}
		if got := robots.contentUsage(p); got != "train-ai=n" {
			t.Errorf("Content-Usage for %s: got %q, want train-ai=n", p, got)
		}
	}
	for _, p := range []string{"/@Monarch", "/@Monarch/followers", "/@Monarch.rss", "/@Monarch?before=" + id} {
		if !robots.allowed(bot, p) {
			t.Errorf("%s may not fetch %s, a member who allows training", bot, p)
		}
		if got := robots.contentUsage(p); got != "train-ai=y" {
			t.Errorf("Content-Usage for %s: got %q, want train-ai=y", p, got)
		}
	}
}

// Other spellings of a member's address redirect to the canonical one,
// with the query, for GET and HEAD only; those of an account hidden by
// moderation do not, and answer what its pages answer: 410 for a suspended
// account, 404 for one waiting for approval (a redirect would tell it
// exists).
func TestCanonicalMemberRedirect(t *testing.T) {
	srv := newTestServer(t)
	newUser(t, srv.db, "Layla")
	for name, status := range map[string]storage.Status{"Gone": storage.StatusSuspended, "Waiting": storage.StatusPending} {
		if err := srv.db.SetStatus(newUser(t, srv.db, name).ID, status); err != nil {
			t.Fatal(err)
		}
	}
	c := srv.newClient(t)
	for _, tc := range []struct {
		method, path string
		status       int
		location     string
	}{
		{"GET", "/@Layla", http.StatusOK, ""},
		{"GET", "/@layla", http.StatusMovedPermanently, "/@Layla"},
		{"HEAD", "/@LAYLA", http.StatusMovedPermanently, "/@Layla"},
		{"GET", "/%40Layla/followers?before=123", http.StatusMovedPermanently, "/@Layla/followers?before=123"},
		{"GET", "/users/layla.atom", http.StatusMovedPermanently, "/@Layla.atom"},
		{"GET", "/@Layla%2Ffollowing", http.StatusMovedPermanently, "/@Layla/following"},
		{"POST", "/users/layla/follow", http.StatusForbidden, ""}, // a visitor's form: not moved, refused
		{"GET", "/@Gone", http.StatusGone, ""},
		{"GET", "/@gone", http.StatusGone, ""},
		{"GET", "/users/Gone", http.StatusGone, ""},
		{"GET", "/@Waiting", http.StatusNotFound, ""},
		{"GET", "/@waiting", http.StatusNotFound, ""},
		{"GET", "/@nobody", http.StatusNotFound, ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			resp := c.do(tc.method, tc.path, nil, nil)
			if resp.StatusCode != tc.status || resp.Header.Get("Location") != tc.location {
				t.Errorf("got %d to %q, want %d to %q", resp.StatusCode, resp.Header.Get("Location"), tc.status, tc.location)
			}
		})
	}
}
