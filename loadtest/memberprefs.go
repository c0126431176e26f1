package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"majlis/markup"
	"majlis/storage"
)

// Keyword filters and followed hashtags of the measured member: a member
// moving from Mastodon brings both, and every page of their home timeline
// pays for them (the filters are matched against each post shown, each
// followed tag is one more cursor in the merge).
const (
	prefFilters = 20
	prefTags    = 10
)

// memberPrefs gives account prefFilters keyword filters and prefTags
// followed hashtags, in the seeded data folder before the server starts.
// Two filters match words the seeded posts use (one folds, one hides);
// the others match nothing, as most of anyone's filters do on a given
// page. The tags are the seed's busiest ones, so they bring other
// members' posts into the home timeline.
func memberPrefs(dir, account string) error {
	b, err := os.ReadFile(filepath.Join(dir, "seed.json"))
	if err != nil {
		return fmt.Errorf("member prefs: %w", err)
	}
	var m seedManifest
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("member prefs: %w", err)
	}
	db, err := storage.Open(filepath.Join(dir, "majlis.db"), storage.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.LocalUser(account)
	if err != nil {
		return fmt.Errorf("member prefs: %s: %w", account, err)
	}
	for i := range prefFilters {
		f := storage.Filter{UserID: u.ID, Title: fmt.Sprintf("filter %d", i), Action: storage.FilterWarn,
			Contexts: storage.FilterContexts,
			Keywords: []storage.FilterKeyword{
				{Keyword: fmt.Sprintf("unheard-of word %d", i), WholeWord: true},
				{Keyword: fmt.Sprintf("nothing%dmatches", i)},
			}}
		switch i {
		case 0:
			f.Keywords[0].Keyword = "teapot" // seed/words.go's nouns
		case 1:
			f.Action, f.Keywords[0].Keyword = storage.FilterHide, "kettle"
		}
		if err := db.PutFilter(&f); err != nil {
			return fmt.Errorf("member prefs: filter %d: %w", i, err)
		}
	}
	n := 0
	for _, t := range m.Tags {
		if n == prefTags {
			break
		}
		if key := markup.NormalizeTag(t); key != "" {
			if err := db.FollowTag(u.ID, key); err != nil {
				return fmt.Errorf("member prefs: tag %s: %w", key, err)
			}
			n++
		}
	}
	if n < prefTags {
		return fmt.Errorf("member prefs: the seed has %d tags, want %d", n, prefTags)
	}
	return nil
}
