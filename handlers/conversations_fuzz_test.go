package handlers

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"majlis/storage"
)

// Fuzz targets for the outside input of conversations: content warnings,
// the visibility select, the card id sent back by the action forms, and
// the Referer an action returns to. Run one with
//
//	go test ./handlers -run '^$' -fuzz '^FuzzContentWarning$' -fuzztime 20s

// FuzzContentWarning: a warning comes back on one line, valid UTF-8,
// without leading or trailing space, and is accepted exactly when it has
// at most MaxWarningChars characters and no control or direction-override
// character.
func FuzzContentWarning(f *testing.F) {
	for _, s := range []string{
		"", " ", "spoilers", "  film\nspoilers ", "\t\r\n", strings.Repeat("a", 100), strings.Repeat("a", 101),
		strings.Repeat("ت", 100), strings.Repeat("ت", 101), "\xff\xfe", "a\u2028b", "\u202eevil",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		cw, problem := contentWarning(raw)
		if !utf8.ValidString(cw) {
			t.Errorf("contentWarning(%q) = %q, not valid UTF-8", raw, cw)
		}
		if strings.ContainsAny(cw, "\n\r\t") || strings.TrimSpace(cw) != cw || strings.Contains(cw, "  ") {
			t.Errorf("contentWarning(%q) = %q, want one line with single spaces", raw, cw)
		}
		if accepted := problem == ""; accepted != (utf8.RuneCountInString(cw) <= MaxWarningChars && !strings.ContainsFunc(cw, isControl)) {
			t.Errorf("contentWarning(%q): problem %q with %d characters", raw, problem, utf8.RuneCountInString(cw))
		}
	})
}

// FuzzPostVisibility: whatever is sent, the visibility is a valid one,
// and an accepted reply is never wider than its parent.
func FuzzPostVisibility(f *testing.F) {
	for _, s := range []string{"", "public", "unlisted", "followers", "direct", "PUBLIC", "everyone", "\x00"} {
		f.Add(s, "public")
		f.Add(s, "direct")
	}
	f.Fuzz(func(t *testing.T, raw, parentVis string) {
		me := storage.User{}
		var parent *storage.Entry
		if pv := storage.Visibility(parentVis); pv.Valid() {
			parent = &storage.Entry{Post: storage.Post{Visibility: pv}}
		}
		v, problem := postVisibility(raw, me, parent)
		if !v.Valid() {
			t.Errorf("postVisibility(%q) = %q, not a visibility", raw, v)
		}
		if problem == "" && parent != nil && narrowness(v) < narrowness(parent.Post.Visibility) {
			t.Errorf("postVisibility(%q) = %q accepted for a %s parent", raw, v, parent.Post.Visibility)
		}
	})
}

// FuzzCardParam: the card id is either one the views make or the
// fallback, so it can go into an element id and a URL fragment as is.
func FuzzCardParam(f *testing.F) {
	for _, s := range []string{"", "post-1", "pinned-post-12", "post-", "x\"><script>", "post-1#x", "pinned-pinned-post-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, card string) {
		r := httptest.NewRequest("GET", "/?card="+url.QueryEscape(card), nil)
		got := cardParam(r, "post-7")
		if got != "post-7" && got != card {
			t.Errorf("cardParam(%q) = %q", card, got)
		}
		if !cardPattern.MatchString(got) {
			t.Errorf("cardParam(%q) = %q, not a card id", card, got)
		}
	})
}

// FuzzBackTo: an action returns only to a local path of this site.
func FuzzBackTo(f *testing.F) {
	for _, s := range []string{
		"", "http://majlis.test/local", "http://majlis.test//evil.example/", "https://evil.example/",
		"http://majlis.test/\\evil", "javascript:alert(1)", "http://user@majlis.test/", "/local", "http://majlis.test",
	} {
		f.Add(s)
	}
	h := &Handler{cfg: Config{BaseURL: "http://majlis.test"}}
	f.Fuzz(func(t *testing.T, ref string) {
		r := httptest.NewRequest("POST", "http://majlis.test/@a/1/like", nil)
		r.Header.Set("Referer", ref)
		got := h.backTo(r, "/@a/1")
		if !isLocalPath(got) || safeNext(got) != got {
			t.Errorf("backTo(Referer %q) = %q, not a local path", ref, got)
		}
	})
}
