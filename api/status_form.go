package api

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"majlis/bounded"
	"majlis/storage"
)

// statusForm is a status as a client sends it to create or edit one, in
// JSON, a urlencoded form or a multipart form (apps use all three).
type statusForm struct {
	Status      string
	SpoilerText string
	Visibility  string // Mastodon's name, "" for the author's default
	InReplyToID string
	MediaIDs    []string
	// MediaGiven tells whether media_ids was sent at all (an edit without
	// it keeps the images; with an empty list it would remove them).
	MediaGiven bool
	Sensitive  bool
	Language   string
	// Unsupported names a feature asked for that majlis does not have
	// (scheduled posts), "" when none was.
	Unsupported string
	// Poll is the poll sent with a new status, nil for none (polls.go).
	Poll *pollForm
	// QuotedStatusID and QuotePolicy are quoted_status_id and
	// quote_approval_policy (quotes.go).
	QuotedStatusID, QuotePolicy string
}

// Budgets of a status request: far above what a post may hold, so the
// rules (the post limit) decide, not the decoder.
const (
	statusFormBytes = 1 << 20
	maxMediaIDs     = 16
)

var errStatusForm = errors.New("the request body cannot be read")

// decodeStatusForm reads a status from a request. Unknown fields are
// ignored, as Mastodon does; a field of the wrong type, a body that is
// not what its Content-Type says, and text that is not UTF-8 are refused.
func decodeStatusForm(r *http.Request) (statusForm, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/json" {
		return decodeStatusJSON(r)
	}
	var err error
	if mt == "multipart/form-data" {
		err = r.ParseMultipartForm(statusFormBytes)
		if r.MultipartForm != nil {
			defer r.MultipartForm.RemoveAll()
		}
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		return statusForm{}, fmt.Errorf("%w: %v", errStatusForm, err)
	}
	v := r.Form
	f := statusForm{
		Status: v.Get("status"), SpoilerText: v.Get("spoiler_text"), Visibility: v.Get("visibility"),
		InReplyToID: v.Get("in_reply_to_id"), Language: v.Get("language"),
		QuotedStatusID: v.Get("quoted_status_id"), QuotePolicy: v.Get("quote_approval_policy"),
	}
	if ids, ok := v["media_ids[]"]; ok {
		f.MediaIDs, f.MediaGiven = ids, true
	} else if ids, ok := v["media_ids"]; ok {
		f.MediaIDs, f.MediaGiven = ids, true
	}
	f.Sensitive = formBool(v.Get("sensitive"))
	if f.Poll, err = readPollValues(v); err != nil {
		return f, err
	}
	if v.Get("scheduled_at") != "" {
		f.Unsupported = "scheduled_at"
	}
	return f, f.check()
}

// formBool reads a form's boolean as Rails does: "true", "1", "on".
func formBool(s string) bool {
	switch strings.ToLower(s) {
	case "true", "1", "on", "t", "yes":
		return true
	}
	return false
}

// decodeStatusJSON reads a status sent as JSON. Values are taken as apps
// send them: IDs as strings or numbers, booleans as booleans or strings.
func decodeStatusJSON(r *http.Request) (statusForm, error) {
	var m map[string]any
	if err := bounded.Decode(r.Body, &m, bounded.Limits{Bytes: statusFormBytes, Items: 64, Depth: 4}); err != nil {
		return statusForm{}, fmt.Errorf("%w: %v", errStatusForm, err)
	}
	var f statusForm
	var err error
	str := func(name string, dst *string) {
		if err != nil {
			return
		}
		*dst, err = jsonString(m[name], name)
	}
	str("status", &f.Status)
	str("spoiler_text", &f.SpoilerText)
	str("visibility", &f.Visibility)
	str("in_reply_to_id", &f.InReplyToID)
	str("language", &f.Language)
	str("quoted_status_id", &f.QuotedStatusID)
	str("quote_approval_policy", &f.QuotePolicy)
	if err != nil {
		return f, err
	}
	if raw, ok := m["media_ids"]; ok && raw != nil {
		list, isList := raw.([]any)
		if !isList {
			return f, fmt.Errorf("%w: media_ids is not a list", errStatusForm)
		}
		f.MediaGiven = true
		for _, it := range list {
			s, err := jsonString(it, "media_ids")
			if err != nil {
				return f, err
			}
			f.MediaIDs = append(f.MediaIDs, s)
		}
	}
	switch v := m["sensitive"].(type) {
	case bool:
		f.Sensitive = v
	case string:
		f.Sensitive = formBool(v)
	}
	if p, ok := m["poll"]; ok && p != nil {
		if f.Poll, err = readPollJSON(p); err != nil {
			return f, err
		}
	}
	if s, ok := m["scheduled_at"].(string); ok && s != "" {
		f.Unsupported = "scheduled_at"
	}
	return f, f.check()
}

// jsonString reads a JSON value that should be a string; a number is
// written as its decimal (apps send IDs both ways), null and a missing
// value are "".
func jsonString(v any, name string) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case float64:
		if v >= 0 && v == float64(uint64(v)) {
			return strconv.FormatUint(uint64(v), 10), nil
		}
	}
	return "", fmt.Errorf("%w: %s is not a string", errStatusForm, name)
}

// check refuses what no rule further on would read safely: text that is
// not UTF-8 and too many media IDs.
func (f statusForm) check() error {
	texts := append([]string{f.Status, f.SpoilerText, f.Visibility, f.InReplyToID, f.Language}, f.MediaIDs...)
	if f.Poll != nil {
		if len(f.Poll.Options) > storage.MaxRemotePollOptions {
			return fmt.Errorf("%w: too many poll options", errStatusForm)
		}
		texts = append(texts, f.Poll.Options...)
	}
	for _, s := range texts {
		if !utf8.ValidString(s) {
			return fmt.Errorf("%w: text is not UTF-8", errStatusForm)
		}
	}
	if len(f.MediaIDs) > maxMediaIDs {
		return fmt.Errorf("%w: too many media_ids", errStatusForm)
	}
	return nil
}
