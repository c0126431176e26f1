package api

import (
	"testing"
)

// TestAccountMoved: an account that moved carries the account it moved
// to as "moved" (without that one's own move); one that did not has no
// "moved" at all.
func TestAccountMoved(t *testing.T) {
	g := newAccRig(t)
	viewer := g.member("amal")
	tok := g.token(viewer, "read")
	newer := g.remote("olivia", "b.example")
	older := g.member("olive")
	if _, err := g.db.SetMovedTo(older.ID, newer.URI); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		id        string
		wantMoved string
	}{
		{"moved local account", older.ID.String(), "olivia@b.example"},
		{"an account that did not move", viewer.ID.String(), ""},
		{"the new account", newer.ID.String(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var acc struct {
				Moved *struct {
					Acct  string          `json:"acct"`
					Moved *map[string]any `json:"moved"`
				} `json:"moved"`
			}
			g.get("/api/v1/accounts/"+tt.id, tok).wantCode(t, 200).decode(t, &acc)
			got := ""
			if acc.Moved != nil {
				got = acc.Moved.Acct
				if acc.Moved.Moved != nil {
					t.Error("the new account carries a move of its own")
				}
			}
			if got != tt.wantMoved {
				t.Errorf("moved %q, want %q", got, tt.wantMoved)
			}
		})
	}
}
