package handlers

import (
	"archive/zip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"majlis/i18n"
	"majlis/storage"
	"majlis/views"
)

// The member's data: the "Your data" settings page, the export archive
// (this file) and account deletion (delete_account.go).

// dataSettings shows the "Your data" page: download, delete.
func (h *Handler) dataSettings(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, views.DataSettingsPage(h.page(r, i18n.T(r.Context(), "title.your_data"), "settings"), views.DataSettings{}))
}

// exportedPost is one entry of posts.json.
type exportedPost struct {
	ID          string               `json:"id"`
	URI         string               `json:"uri"`
	Created     time.Time            `json:"created"`
	Edited      *time.Time           `json:"edited,omitempty"`
	Visibility  string               `json:"visibility"`
	CW          string               `json:"cw,omitempty"`
	Source      string               `json:"source"`
	HTML        string               `json:"html"`
	InReplyTo   string               `json:"in_reply_to,omitempty"`
	RepostOf    string               `json:"repost_of,omitempty"`
	Tags        []string             `json:"tags"`
	Mentions    []string             `json:"mentions"`
	Attachments []exportedAttachment `json:"attachments"`
}

type exportedAttachment struct {
	File string `json:"file"` // "media/HASH.ext"
	Alt  string `json:"alt,omitempty"`
}

type exportedProfile struct {
	Username          string                `json:"username"`
	URI               string                `json:"uri"`
	DisplayName       string                `json:"display_name"`
	Bio               string                `json:"bio"`
	Links             []storage.ProfileLink `json:"links"`
	DefaultVisibility string                `json:"default_visibility"`
	Locked            bool                  `json:"locked"`
	Avatar            string                `json:"avatar,omitempty"`
	Header            string                `json:"header,omitempty"`
	Created           time.Time             `json:"created"`
	// Settings are every other choice the member made in Settings.
	Settings exportedSettings `json:"settings"`
}

// exportedSettings are a member's choices beyond the profile itself.
type exportedSettings struct {
	// Language is the interface language, "" for automatic.
	Language string `json:"language"`
	// AITraining is "" (the instance's choice), "no" or "yes".
	AITraining string `json:"ai_training"`
	// Indexable: search engines may index the member's pages.
	Indexable bool `json:"indexable"`
	// Bot: the account is automated.
	Bot bool `json:"bot"`
	// HideBots: bots' posts are left out of the member's timelines.
	HideBots bool `json:"hide_bots"`
	// NoBotContact: bots' mentions and replies are refused.
	NoBotContact bool `json:"no_bot_contact"`
}

type exportedAccount struct {
	Account string `json:"account"` // "name@domain"
	URI     string `json:"uri"`
}

// exportHost is the domain in account addresses of this instance's
// members: the host of Config.BaseURL.
func (h *Handler) exportHost() string {
	if u, err := url.Parse(h.cfg.BaseURL); err == nil && u.Host != "" {
		return u.Host
	}
	return "localhost"
}

// exportData streams the signed-in member's archive straight into the
// response: posts are read page by page (storage.ExportPosts), images one
// at a time, and nothing is built in memory but the small lists. Once
// the first byte is sent an error can only cut the download short, which
// the zip reader on the other end notices (the central directory is
// missing).
func (h *Handler) exportData(w http.ResponseWriter, r *http.Request) {
	me := viewer(r).user
	rel, err := h.db.ExportRelations(me.ID)
	if err != nil {
		h.error(w, r, err)
		return
	}
	name := fmt.Sprintf("majlis-%s-%s.zip", me.Username, h.cfg.Now().UTC().Format("2006-01-02"))
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	if err := h.writeArchive(w, me, rel); err != nil {
		// Abort the connection, so the browser does not keep a truncated
		// archive as complete.
		h.cfg.Logger.Error("export", "user", me.Username, "err", err)
		panic(http.ErrAbortHandler)
	}
}

func (h *Handler) writeArchive(out io.Writer, me storage.User, rel storage.Relations) error {
	z := zip.NewWriter(out)
	host := h.exportHost()
	written := map[string]bool{} // media files in the archive already
	addMedia := func(hash, contentType string) (string, error) {
		file := "media/" + hash + "." + storage.MediaExt(contentType)
		if hash == "" || written[file] {
			return file, nil
		}
		written[file] = true
		err := h.db.ServeMedia(hash, func(m storage.Media, data []byte) error {
			f, err := z.CreateHeader(&zip.FileHeader{Name: file, Method: zip.Store, Modified: m.Created})
			if err != nil {
				return err
			}
			_, err = f.Write(data)
			return err
		})
		if isNotFoundErr(err) {
			return "", nil // the file is gone: leave it out
		}
		return file, err
	}
	writeJSON := func(name string, v any) error {
		f, err := z.Create(name)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(f)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}

	if err := writeText(z, "README.md", exportReadme); err != nil {
		return err
	}

	// Profile, avatar and header.
	prof := exportedProfile{
		Username: me.Username, URI: me.URI, DisplayName: me.DisplayName, Bio: me.Bio,
		Links: me.Links, DefaultVisibility: string(me.PostVisibility()), Locked: me.Locked,
		Created: me.CreatedAt,
		Settings: exportedSettings{
			Language: me.Language, AITraining: me.AITraining, Indexable: me.Indexable,
			Bot: me.Bot, HideBots: me.HideBots, NoBotContact: me.NoBotContact,
		},
	}
	if prof.Links == nil {
		prof.Links = []storage.ProfileLink{}
	}
	var err error
	if !me.Avatar.IsZero() {
		if prof.Avatar, err = addMedia(me.Avatar.Display, me.Avatar.ContentType); err != nil {
			return err
		}
	}
	if !me.Header.IsZero() {
		if prof.Header, err = addMedia(me.Header.Display, me.Header.ContentType); err != nil {
			return err
		}
	}
	if err := writeJSON("profile.json", prof); err != nil {
		return err
	}

	// Posts. A zip writer has one file open at a time: the first pass
	// writes each post's Markdown file and its images, the second streams
	// posts.json, so neither pass holds more than a page of posts.
	err = h.db.ExportPosts(me.ID, func(p storage.ExportedPost) error {
		e := h.exportEntry(p)
		for i, a := range p.Attachments {
			file, err := addMedia(a.Display, a.ContentType)
			if err != nil {
				return err
			}
			e.Attachments[i].File = file
		}
		return writeText(z, "posts/"+p.ID.String()+".md", postMarkdown(e))
	})
	if err != nil {
		return err
	}
	f, err := z.Create("posts.json")
	if err != nil {
		return err
	}
	if _, err := io.WriteString(f, "[\n"); err != nil {
		return err
	}
	first := true
	err = h.db.ExportPosts(me.ID, func(p storage.ExportedPost) error {
		e := h.exportEntry(p)
		for i, a := range p.Attachments {
			e.Attachments[i].File = "media/" + a.Display + "." + storage.MediaExt(a.ContentType)
		}
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if !first {
			if _, err := io.WriteString(f, ",\n"); err != nil {
				return err
			}
		}
		first = false
		_, err = f.Write(b)
		return err
	})
	if err != nil {
		return err
	}
	if _, err := io.WriteString(f, "\n]\n"); err != nil {
		return err
	}

	// Relations.
	accounts := func(list []storage.ExportedAccount) []exportedAccount {
		out := make([]exportedAccount, 0, len(list))
		for _, a := range list {
			out = append(out, exportedAccount{Account: h.address(a, host), URI: a.URI})
		}
		return out
	}
	for _, j := range []struct {
		name string
		v    any
	}{
		{"following.json", accounts(rel.Following)},
		{"followers.json", accounts(rel.Followers)},
		{"blocks.json", accounts(rel.Blocks)},
		{"mutes.json", accounts(rel.Mutes)},
		{"bookmarks.json", rel.Bookmarks},
		{"likes.json", rel.Likes},
	} {
		if err := writeJSON(j.name, j.v); err != nil {
			return err
		}
	}

	// Mastodon's CSV files.
	csvFile := func(name string, header []string, rows [][]string) error {
		f, err := z.Create(name)
		if err != nil {
			return err
		}
		cw := csv.NewWriter(f)
		if header != nil {
			if err := cw.Write(header); err != nil {
				return err
			}
		}
		if err := cw.WriteAll(rows); err != nil {
			return err
		}
		return cw.Error()
	}
	var following, blocked, muted [][]string
	for _, a := range rel.Following {
		following = append(following, []string{h.address(a, host), "true", "false", ""})
	}
	for _, a := range rel.Blocks {
		blocked = append(blocked, []string{h.address(a, host)})
	}
	for _, a := range rel.Mutes {
		muted = append(muted, []string{h.address(a, host), "true"})
	}
	if err := csvFile("following_accounts.csv", []string{"Account address", "Show boosts", "Notify on new posts", "Languages"}, following); err != nil {
		return err
	}
	if err := csvFile("blocked_accounts.csv", []string{"Account address"}, blocked); err != nil {
		return err
	}
	if err := csvFile("muted_accounts.csv", []string{"Account address", "Hide notifications"}, muted); err != nil {
		return err
	}
	return z.Close()
}

// address is an account's "name@domain" address, local members with the
// instance's host.
func (h *Handler) address(a storage.ExportedAccount, host string) string {
	if strings.Contains(a.Username, "@") {
		return a.Username
	}
	return a.Username + "@" + host
}

func (h *Handler) exportEntry(p storage.ExportedPost) exportedPost {
	host := h.exportHost()
	e := exportedPost{
		ID: p.ID.String(), URI: p.URI, Created: p.CreatedAt.UTC(), Visibility: string(p.Visibility),
		CW: p.ContentWarning, Source: p.Source, HTML: p.HTML,
		InReplyTo: p.InReplyToURI, RepostOf: p.RepostOfURI,
		Tags: append([]string{}, p.Tags...), Mentions: []string{},
		Attachments: make([]exportedAttachment, len(p.Attachments)),
	}
	if !p.EditedAt.IsZero() {
		t := p.EditedAt.UTC()
		e.Edited = &t
	}
	for _, m := range p.MentionNames {
		if !strings.Contains(m, "@") {
			m += "@" + host
		}
		e.Mentions = append(e.Mentions, m)
	}
	for i, a := range p.Attachments {
		e.Attachments[i].Alt = a.Alt
	}
	return e
}

// postMarkdown is a post's Markdown file: a small front matter, then the
// source as the author wrote it.
func postMarkdown(e exportedPost) string {
	var b strings.Builder
	b.WriteString("---\n")
	fmt.Fprintf(&b, "date: %s\n", e.Created.Format(time.RFC3339))
	fmt.Fprintf(&b, "uri: %s\n", e.URI)
	fmt.Fprintf(&b, "visibility: %s\n", e.Visibility)
	if e.CW != "" {
		fmt.Fprintf(&b, "cw: %s\n", quoteYAML(e.CW))
	}
	if e.InReplyTo != "" {
		fmt.Fprintf(&b, "in_reply_to: %s\n", e.InReplyTo)
	}
	if e.RepostOf != "" {
		fmt.Fprintf(&b, "repost_of: %s\n", e.RepostOf)
	}
	for _, a := range e.Attachments {
		if a.File != "" {
			fmt.Fprintf(&b, "image: %s\n", a.File)
		}
	}
	b.WriteString("---\n\n")
	b.WriteString(e.Source)
	if !strings.HasSuffix(e.Source, "\n") {
		b.WriteString("\n")
	}
	return b.String()
}

// quoteYAML is s as a double-quoted YAML (and JSON) string.
func quoteYAML(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func writeText(z *zip.Writer, name, text string) error {
	f, err := z.Create(name)
	if err != nil {
		return err
	}
	_, err = io.WriteString(f, text)
	return err
}

const exportReadme = `# Your majlis data

This archive holds everything you made on a majlis instance. Every text file
is UTF-8; JSON files are indented; times are RFC 3339 in UTC.

- profile.json: username, uri, display name, bio (Markdown source), links,
  default visibility, locked, the file names of your avatar and header
  (in media/), and "settings": every other choice you made in Settings
  (interface language, AI training, search engine indexing, bot account,
  hiding bots, refusing bots' mentions).
- posts.json: every post and repost of yours, oldest first, each with id, uri,
  created, edited, visibility, cw (content warning), source (the Markdown you
  wrote), html (how it was rendered), in_reply_to and repost_of (URIs of the
  other post), tags, mentions ("name@domain") and attachments (a file in
  media/ and its alt text).
- posts/ID.md: one Markdown file per post, with a small front matter (date,
  uri, visibility, cw, in_reply_to, repost_of, image) before the text.
- media/HASH.ext: your images, each once, named by the SHA-256 of their bytes.
- following.json, followers.json, blocks.json, mutes.json: accounts as
  {"account": "name@domain", "uri": ...}.
- bookmarks.json, likes.json: the URIs of the posts you bookmarked or liked.
- following_accounts.csv, blocked_accounts.csv, muted_accounts.csv (each
  with its header row, also when it is empty): the
  same lists in Mastodon's import format.

You can import this archive on any majlis instance under Settings › Your
data, and the CSV files on Mastodon and other software that reads them.
`

// isNotFoundErr tells whether err is storage.ErrNotFound.
func isNotFoundErr(err error) bool { return err != nil && errors.Is(err, storage.ErrNotFound) }
