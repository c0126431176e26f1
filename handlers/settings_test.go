package handlers_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"majlis/storage"
)

// validProfileForm is a profile form that saves; cases change one field.
func validProfileForm() url.Values {
	return url.Values{
		"display_name": {"Amal"},
		"bio":          {"I write **Go** and poems."},
		"link_label":   {"Site", "", "", ""},
		"link_url":     {"https://amal.example/", "", "", ""},
		"visibility":   {"public"},
	}
}

func TestSettingsValidation(t *testing.T) {
	srv := newTestServer(t)
	newUser(t, srv.db, "amal")
	c := peopleClient(t, srv, "amal")
	for _, tc := range []struct {
		name   string
		change func(url.Values)
		// errID is the data-testid of the field error to show.
		errID string
	}{
		{"bio too long", func(v url.Values) { v.Set("bio", strings.Repeat("ب", 501)) }, "error-bio"},
		{"display name too long", func(v url.Values) { v.Set("display_name", strings.Repeat("x", 51)) }, "error-display_name"},
		{"javascript link", func(v url.Values) { v["link_url"][0] = "javascript:alert(1)" }, "error-link-url-0"},
		{"ftp link", func(v url.Values) { v["link_url"][0] = "ftp://amal.example/" }, "error-link-url-0"},
		// "amal.example" is saved as https://amal.example (social.WithScheme).
		{"link that is no address", func(v url.Values) { v["link_url"][0] = "amal" }, "error-link-url-0"},
		{"link with user", func(v url.Values) { v["link_url"][0] = "https://bank.example@evil.example/" }, "error-link-url-0"},
		{"link with space", func(v url.Values) { v["link_url"][0] = "https://amal.example/a b" }, "error-link-url-0"},
		{"link without label", func(v url.Values) { v["link_label"][0] = "" }, "error-link-label-0"},
		{"label too long", func(v url.Values) { v["link_label"][0] = strings.Repeat("l", 31) }, "error-link-label-0"},
		{"five links", func(v url.Values) {
			v["link_label"] = []string{"a", "b", "c", "d", "e"}
			v["link_url"] = []string{"https://a.example", "https://b.example", "https://c.example", "https://d.example", "https://e.example"}
		}, "error-links"},
		{"bad visibility", func(v url.Values) { v.Set("visibility", "everyone") }, "error-visibility"},
		{"no visibility", func(v url.Values) { v.Del("visibility") }, "error-visibility"},
		{"bad locked", func(v url.Values) { v.Set("locked", "maybe") }, "error-locked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := validProfileForm()
			tc.change(form)
			resp := c.postForm("/settings", form, nil)
			checkReadablePage(t, resp, http.StatusBadRequest)
			doc := resp.Doc()
			if len(byTestID(doc, tc.errID)) != 1 {
				t.Errorf("got no %s in the form", tc.errID)
			}
			if len(byTestID(doc, "form-error")) != 1 {
				t.Errorf("got no message about the whole form")
			}
			// The typed values come back.
			if got := text(oneByTestID(t, doc, "field-bio")); got != strings.Join(strings.Fields(form.Get("bio")), " ") {
				t.Errorf("bio: got %q back, want the typed %q", got, form.Get("bio"))
			}
			if got := attr(oneByTestID(t, doc, "field-display_name"), "value"); got != form.Get("display_name") {
				t.Errorf("display name: got %q back, want %q", got, form.Get("display_name"))
			}
			if got := attr(oneByTestID(t, doc, "field-link-url-0"), "value"); got != form["link_url"][0] {
				t.Errorf("first link: got %q back, want %q", got, form["link_url"][0])
			}
			u, err := srv.db.LocalUser("amal")
			if err != nil {
				t.Fatal(err)
			}
			if u.DisplayName != "" || u.Bio != "" || len(u.Links) != 0 || u.Locked || u.DefaultVisibility != "" {
				t.Errorf("a form with errors saved something: %+v", u)
			}
		})
	}
}

func TestSettingsSave(t *testing.T) {
	srv := newTestServer(t)
	newUser(t, srv.db, "amal")
	newUser(t, srv.db, "bilal")
	c := peopleClient(t, srv, "amal")

	form := validProfileForm()
	form.Set("bio", "Hi from **Cairo**, friend of @bilal.\n\n<script>alert(1)</script>")
	form["link_label"] = []string{"Site", "", "مدونة", ""}
	form["link_url"] = []string{"HTTPS://amal.example/", "", "http://blog.example/x?y=1", ""}
	form.Set("visibility", "followers")
	form.Set("locked", "on")
	resp := c.postForm("/settings", form, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/settings" {
		t.Fatalf("got status %d to %q, want 303 to /settings; body:\n%s", resp.StatusCode, resp.Header.Get("Location"), resp.body)
	}
	settings := c.get("/settings").Doc()
	if f := flashText(settings); !strings.Contains(f, "saved") {
		t.Errorf("got flash %q, want it to say saved", f)
	}
	if got := attr(oneByTestID(t, settings, "field-locked"), "checked"); !hasAttr(oneByTestID(t, settings, "field-locked"), "checked") {
		t.Errorf("locked box: got checked=%q, want ticked", got)
	}
	selected := findAll(oneByTestID(t, settings, "field-visibility"), func(n *htmlNode) bool { return n.Data == "option" && hasAttr(n, "selected") })
	if len(selected) != 1 || attr(selected[0], "value") != "followers" {
		t.Errorf("visibility: want followers selected")
	}

	u, err := srv.db.LocalUser("amal")
	if err != nil {
		t.Fatal(err)
	}
	wantLinks := []storage.ProfileLink{{Label: "Site", URL: "https://amal.example/"}, {Label: "مدونة", URL: "http://blog.example/x?y=1"}}
	if !slices.Equal(u.Links, wantLinks) {
		t.Errorf("got links %+v, want %+v", u.Links, wantLinks)
	}
	if u.DisplayName != "Amal" || !u.Locked || u.DefaultVisibility != storage.FollowersOnly {
		t.Errorf("got %q locked %v visibility %q, want Amal, locked, followers", u.DisplayName, u.Locked, u.DefaultVisibility)
	}

	prof := srv.newClient(t).get("/@amal").Doc()
	header := oneByTestID(t, prof, "profile-header")
	bio := oneByTestID(t, header, "bio")
	if attr(bio, "dir") != "auto" {
		t.Errorf("bio: want dir=auto")
	}
	if len(byTag(bio, "strong")) != 1 {
		t.Errorf("bio: got %q, want Markdown rendered", innerHTML(bio))
	}
	if len(byTag(bio, "script")) != 0 || !strings.Contains(text(bio), "<script>") {
		t.Errorf("bio: got %q, want the <script> shown as text", innerHTML(bio))
	}
	mentions := findAll(bio, func(n *htmlNode) bool { return n.Data == "a" && attr(n, "href") == "/@bilal" })
	if len(mentions) != 1 {
		t.Errorf("bio: got %q, want @bilal linked", innerHTML(bio))
	}
	links := byTestID(header, "profile-link")
	if len(links) != 2 {
		t.Fatalf("got %d profile links, want 2", len(links))
	}
	for i, l := range links {
		if attr(l, "href") != wantLinks[i].URL {
			t.Errorf("link %d: got href %q, want %q", i, attr(l, "href"), wantLinks[i].URL)
		}
		if rel := strings.Fields(attr(l, "rel")); !slices.Contains(rel, "me") || !slices.Contains(rel, "nofollow") || !slices.Contains(rel, "noopener") {
			t.Errorf("link %d: got rel %q, want me nofollow noopener", i, attr(l, "rel"))
		}
	}
	if !strings.Contains(text(oneByTestID(t, header, "profile-links")), "مدونة") {
		t.Errorf("links: got no labels")
	}
	if len(byTestID(header, "locked")) != 1 {
		t.Errorf("got no lock label on a locked profile")
	}

	t.Run("clear", func(t *testing.T) {
		form := url.Values{"display_name": {""}, "bio": {""}, "link_label": {"", "", "", ""}, "link_url": {"", "", "", ""}, "visibility": {"public"}}
		if resp := c.postForm("/settings", form, nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("got status %d, want 303", resp.StatusCode)
		}
		u, _ := srv.db.LocalUser("amal")
		if u.Bio != "" || u.BioHTML != "" || len(u.Links) != 0 || u.Locked {
			t.Errorf("got %+v after clearing, want an empty profile", u)
		}
		header := oneByTestID(t, srv.newClient(t).get("/@amal").Doc(), "profile-header")
		if len(byTestID(header, "bio"))+len(byTestID(header, "profile-links"))+len(byTestID(header, "locked")) != 0 {
			t.Errorf("cleared profile still shows a bio, links or a lock")
		}
	})
}

func TestSettingsPages(t *testing.T) {
	srv := newTestServer(t)
	newUser(t, srv.db, "amal")
	newUser(t, srv.db, "bilal")
	c := peopleClient(t, srv, "amal")
	pages := []struct{ path, current string }{
		{"/settings", "/settings"},
		{"/settings/account", "/settings/account"},
		{"/settings/requests", "/settings/requests"},
		{"/settings/blocks", "/settings/blocks"},
		{"/settings/mutes", "/settings/mutes"},
	}
	for _, p := range pages {
		t.Run("signed in "+p.path, func(t *testing.T) {
			resp := c.get(p.path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("got status %d, want 200", resp.StatusCode)
			}
			nav := oneByTestID(t, resp.Doc(), "settings-nav")
			current := findAll(nav, func(n *htmlNode) bool { return attr(n, "aria-current") == "page" })
			if len(current) != 1 || attr(current[0], "href") != p.current {
				t.Errorf("settings navigation: want %s marked current", p.current)
			}
		})
	}

	v := srv.newClient(t)
	for _, p := range pages {
		t.Run("visitor GET "+p.path, func(t *testing.T) {
			resp := v.get(p.path)
			loc, _ := url.Parse(resp.Header.Get("Location"))
			if resp.StatusCode != http.StatusSeeOther || loc == nil || loc.Path != "/login" || loc.Query().Get("next") != p.path {
				t.Errorf("got status %d to %q, want 303 to /login?next=%s", resp.StatusCode, resp.Header.Get("Location"), p.path)
			}
		})
	}
	posts := []string{
		"/settings", "/settings/logout-everywhere",
		"/settings/requests/bilal/accept", "/settings/requests/bilal/reject",
		"/@bilal/block", "/@bilal/unblock", "/@bilal/mute", "/@bilal/unmute",
	}
	for _, path := range posts {
		t.Run("visitor POST "+path, func(t *testing.T) {
			checkReadablePage(t, v.postForm(path, validProfileForm(), nil), http.StatusForbidden)
			resp := v.postForm(path, validProfileForm(), htmxHeader())
			if resp.StatusCode != http.StatusForbidden || resp.Header.Get("HX-Retarget") != "#flash" || !resp.isFragment() {
				t.Errorf("under HTMX: got status %d, HX-Retarget %q, fragment %v; want 403 into #flash", resp.StatusCode, resp.Header.Get("HX-Retarget"), resp.isFragment())
			}
		})
	}
	t.Run("visitor block page", func(t *testing.T) {
		if resp := v.get("/@bilal/block"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("got status %d, want 303 to the login page", resp.StatusCode)
		}
	})
	u, _ := srv.db.LocalUser("amal")
	if u.DisplayName != "" {
		t.Errorf("a visitor's form changed amal's profile")
	}
}
