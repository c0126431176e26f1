package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"majlis/social"
	"majlis/storage"
)

// staffScene is an instance with an admin, a moderator and a member; the
// member reported an account (about a post) and another of a remote
// server, someone applied to join, and the member follows the admin.
type staffScene struct {
	g                      *accRig
	admin, mod, plain      storage.User
	target, far, applicant storage.User
	post                   storage.Post
	local, remote          storage.Report
}

func newStaffScene(t *testing.T) *staffScene {
	g := newListsRig(t)
	s := &staffScene{g: g}
	s.admin = g.member("admin") // the first account is the admin
	s.mod = g.member("mod")
	if err := g.db.SetRole(s.mod.ID, storage.RoleModerator); err != nil {
		t.Fatal(err)
	}
	s.mod = g.reload(s.mod)
	s.plain, s.target = g.member("plain"), g.member("target")
	s.far = g.remote("far", "elsewhere.example")
	s.post = g.post(s.target, "something unlawful", storage.Public)
	ctx := context.Background()
	if _, err := g.soc.Follow(ctx, s.plain, s.admin); err != nil {
		t.Fatal(err)
	}
	var err error
	s.local, err = g.soc.Report(ctx, s.plain, social.ReportDraft{TargetID: s.target.ID, PostID: s.post.ID,
		Category: storage.ReportIllegal, Comment: "this breaks the law"})
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	s.remote, err = g.soc.Report(ctx, s.plain, social.ReportDraft{TargetID: s.far.ID, Category: storage.ReportHarassment})
	if err != nil {
		t.Fatalf("report of a remote account: %v", err)
	}
	s.applicant = storage.User{Username: "newcomer", URI: g.soc.UserURI("newcomer")}
	if err := g.db.Register(&s.applicant, storage.Registration{Approval: true, Reason: "let me in"}); err != nil {
		t.Fatalf("register: %v", err)
	}
	return s
}

// notes reads a member's notifications with the query q.
func (s *staffScene) notes(t *testing.T, tok, q string) []Notification {
	t.Helper()
	r := s.g.get("/api/v1/notifications"+q, tok)
	if r.code != http.StatusOK {
		t.Fatalf("notifications%s: %d %s", q, r.code, r.body)
	}
	var out []Notification
	r.decode(t, &out)
	return out
}

func noteTypes(ns []Notification) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.Type)
	}
	return out
}

func TestStaffNotificationsAPI(t *testing.T) {
	s := newStaffScene(t)
	g := s.g
	adminTok, modTok, plainTok := g.token(s.admin), g.token(s.mod), g.token(s.plain)

	// Newest first: the application, the remote report, the local one,
	// and (for the admin) plain's follow.
	all := []string{"admin.sign_up", "admin.report", "admin.report"}
	for _, c := range []struct {
		name, tok, query string
		want             []string
	}{
		{"admin", adminTok, "", append(slices.Clone(all), "follow")},
		{"moderator", modTok, "", all},
		{"member", plainTok, "", nil},
		{"only reports", adminTok, "?types[]=admin.report", []string{"admin.report", "admin.report"}},
		{"only sign-ups", adminTok, "?types[]=admin.sign_up", []string{"admin.sign_up"}},
		{"staff excluded", adminTok, "?exclude_types[]=admin.report&exclude_types[]=admin.sign_up", []string{"follow"}},
		{"types and exclude_types", adminTok, "?types[]=admin.report&types[]=follow&exclude_types[]=follow", []string{"admin.report", "admin.report"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := noteTypes(s.notes(t, c.tok, c.query)); !slices.Equal(got, c.want) {
				t.Errorf("types %v, want %v", got, c.want)
			}
		})
	}

	ns := s.notes(t, adminTok, "")
	signUp, far, local := ns[0], ns[1], ns[2]
	if signUp.Account.ID != s.applicant.ID.String() || signUp.Report != nil || signUp.Status != nil {
		t.Errorf("admin.sign_up: %+v", signUp)
	}
	if local.Account.ID != s.plain.ID.String() || local.Report == nil {
		t.Fatalf("admin.report: %+v", local)
	}
	r := local.Report
	if r.ID != s.local.ID.String() || r.ActionTaken || r.ActionTakenAt != nil || r.Category != "legal" ||
		r.Comment != "this breaks the law" || r.Forwarded || r.TargetAccount.ID != s.target.ID.String() ||
		!slices.Equal(r.StatusIDs, []string{s.post.ID.String()}) || r.RuleIDs == nil {
		t.Errorf("the local report: %+v", r)
	}
	if r := far.Report; r == nil || r.Category != "other" || !r.Forwarded || r.TargetAccount.Acct != "far@elsewhere.example" || len(r.StatusIDs) != 0 {
		t.Errorf("the remote report: %+v", r)
	}
	// Mastodon's exact field names, null where it writes null.
	var raw []map[string]any
	g.get("/api/v1/notifications?types[]=admin.report&limit=1", adminTok).decode(t, &raw)
	rep, _ := raw[0]["report"].(map[string]any)
	for _, k := range []string{"id", "action_taken", "action_taken_at", "category", "comment", "forwarded", "created_at", "status_ids", "rule_ids", "target_account"} {
		if _, ok := rep[k]; !ok {
			t.Errorf("the report has no %q: %v", k, rep)
		}
	}

	// One notification: the staff reads it, the rest do not have it.
	var one Notification
	g.get("/api/v1/notifications/"+local.ID, modTok).wantCode(t, http.StatusOK).decode(t, &one)
	if one.Type != "admin.report" || one.Report == nil || one.Report.ID != s.local.ID.String() {
		t.Errorf("GET one: %+v", one)
	}
	g.get("/api/v1/notifications/"+local.ID, plainTok).wantCode(t, http.StatusNotFound)

	// Resolved, the report's notification goes, as on the web.
	if _, err := g.db.Moderate(storage.Action{Kind: storage.ActDismiss, ActorID: s.admin.ID, ReportID: s.local.ID}); err != nil {
		t.Fatal(err)
	}
	if got := noteTypes(s.notes(t, modTok, "")); !slices.Equal(got, []string{"admin.sign_up", "admin.report"}) {
		t.Errorf("after the dismissal: %v", got)
	}

	// A moderator who lost the role is told nothing more of the staff's.
	if err := g.db.SetRole(s.mod.ID, storage.RoleUser); err != nil {
		t.Fatal(err)
	}
	if got := s.notes(t, modTok, ""); len(got) != 0 {
		t.Errorf("a former moderator reads %v", noteTypes(got))
	}
	g.get("/api/v1/notifications/"+far.ID, modTok).wantCode(t, http.StatusNotFound)
}

// The user stream carries the staff's notifications, in the same shape,
// to the staff only.
func TestStaffNotificationsStream(t *testing.T) {
	e := newStreamEnv(t)
	admin, plain, target := e.user("admin"), e.user("plain"), e.user("target")
	adminEvents := e.sse("/api/v1/streaming/user/notification", e.token(admin))
	plainEvents := e.sse("/api/v1/streaming/user/notification", e.token(plain))
	rep, err := e.soc.Report(context.Background(), plain, social.ReportDraft{TargetID: target.ID, Category: storage.ReportSpam})
	if err != nil {
		t.Fatal(err)
	}
	ev := next(t, adminEvents)
	var n Notification
	if err := json.Unmarshal([]byte(ev.data), &n); err != nil || ev.name != "notification" || n.Type != "admin.report" ||
		n.Report == nil || n.Report.ID != rep.ID.String() || n.Report.Category != "spam" {
		t.Fatalf("admin heard %q %s", ev.name, ev.data)
	}
	// plain hears only what concerns plain: target's mention, not the
	// report.
	e.post(target, "hello @plain", "public")
	if ev := next(t, plainEvents); ev.name != "notification" {
		t.Errorf("plain heard %q %s", ev.name, ev.data)
	} else if err := json.Unmarshal([]byte(ev.data), &n); err != nil || n.Type != "mention" {
		t.Errorf("plain heard %s", ev.data)
	}
}

func TestReportsAPI(t *testing.T) {
	g := newListsRig(t)
	mux := http.NewServeMux()
	g.api.accountsRoutes(mux)
	g.api.statusesRoutes(mux)
	g.api.reportRoutes(mux)
	g.srv.Close()
	g.srv = httptest.NewServer(mux)
	t.Cleanup(g.srv.Close)

	admin, plain, target := g.member("admin"), g.member("plain"), g.member("target")
	post := g.post(target, "buy now", storage.Public)
	other := g.post(admin, "not target's", storage.Public)
	hidden := g.post(target, "for followers", storage.FollowersOnly)
	tok := g.token(plain)
	acct := "account_id=" + target.ID.String()
	for _, c := range []struct {
		name, tok, form string
		code            int
	}{
		{"read-only token", g.token(plain, "read"), acct, http.StatusForbidden},
		{"no account", tok, "comment=x", http.StatusUnprocessableEntity},
		{"unknown account", tok, "account_id=12345", http.StatusNotFound},
		{"oneself", tok, "account_id=" + plain.ID.String(), http.StatusUnprocessableEntity},
		{"two statuses", tok, acct + "&status_ids[]=" + post.ID.String() + "&status_ids[]=" + hidden.ID.String(), http.StatusUnprocessableEntity},
		{"another's status", tok, acct + "&status_ids[]=" + other.ID.String(), http.StatusNotFound},
		{"a status the reporter may not see", tok, acct + "&status_ids[]=" + hidden.ID.String(), http.StatusNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			g.form("POST", "/api/v1/reports", c.tok, c.form).wantCode(t, c.code)
		})
	}
	if n, err := g.db.CountOpenReports(10); err != nil || n != 0 {
		t.Fatalf("refused reports left %d open (%v)", n, err)
	}

	var rep Report
	g.json("POST", "/api/v1/reports", tok, `{"account_id":"`+target.ID.String()+`","status_ids":["`+post.ID.String()+`"],
		"comment":"a scam","category":"legal","forward":false}`).wantCode(t, http.StatusOK).decode(t, &rep)
	if rep.ID == "" || rep.Category != "legal" || rep.Comment != "a scam" || rep.ActionTaken || rep.Forwarded ||
		rep.TargetAccount.ID != target.ID.String() || !slices.Equal(rep.StatusIDs, []string{post.ID.String()}) {
		t.Errorf("the report: %+v", rep)
	}
	// The same again is refused; the admin was told once.
	g.form("POST", "/api/v1/reports", tok, acct+"&status_ids[]="+post.ID.String()).wantCode(t, http.StatusUnprocessableEntity)
	var ns []Notification
	g.get("/api/v1/notifications?types[]=admin.report", g.token(admin)).wantCode(t, http.StatusOK).decode(t, &ns)
	if len(ns) != 1 || ns[0].Report == nil || ns[0].Report.ID != rep.ID || ns[0].Report.Category != "legal" {
		t.Errorf("the admin's notifications: %+v", ns)
	}
}
