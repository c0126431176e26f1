package storage

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Export reads what a member takes with them when they download their data
// (handlers/export.go writes the archive). Posts are read page by page in
// short read transactions, so exporting a large account neither holds one
// long transaction open nor builds the archive in memory.

// exportPageSize is how many posts one read transaction of ExportPosts reads.
const exportPageSize = 200

// ExportedPost is a post of the member with its relations resolved to
// what outlives this instance: URIs instead of IDs, usernames for mentions.
type ExportedPost struct {
	Post
	// InReplyToURI and RepostOfURI are the URIs of the replied-to and
	// reposted posts; empty when there is none or it is gone.
	InReplyToURI string
	RepostOfURI  string
	// MentionNames are the usernames of the mentioned accounts
	// ("name" for local accounts, "name@domain" for remote ones).
	MentionNames []string
}

// ExportPosts calls fn for every post and repost of userID, oldest first.
// fn runs outside any transaction: it may take its time (write to a slow
// client) and call other DB methods.
func (db *DB) ExportPosts(userID ID, fn func(ExportedPost) error) error {
	prefix := idKey(userID)
	var after []byte // the last author_posts key handed out
	for {
		var page []ExportedPost
		err := db.bolt.View(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketAuthorPosts).Cursor()
			var k []byte
			if after == nil {
				k, _ = c.Seek(prefix)
			} else {
				k, _ = c.Seek(after)
				if k != nil && bytes.Equal(k, after) {
					k, _ = c.Next()
				}
			}
			for ; k != nil && bytes.HasPrefix(k, prefix) && len(page) < exportPageSize; k, _ = c.Next() {
				after = bytes.Clone(k)
				p, err := getPost(tx, keyID(k, 8))
				if err != nil {
					if isNotFound(err) {
						continue
					}
					return err
				}
				page = append(page, exportPost(tx, p))
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("export posts: %w", err)
		}
		if len(page) == 0 {
			return nil
		}
		for _, p := range page {
			if err := fn(p); err != nil {
				return err
			}
		}
	}
}

func exportPost(tx *bolt.Tx, p Post) ExportedPost {
	e := ExportedPost{Post: p}
	if p.InReplyTo != 0 {
		if parent, err := getPost(tx, p.InReplyTo); err == nil {
			e.InReplyToURI = parent.URI
		}
	}
	if p.RepostOf != 0 {
		if orig, err := getPost(tx, p.RepostOf); err == nil {
			e.RepostOfURI = orig.URI
		}
	}
	for _, m := range p.Mentions {
		if u, err := getUser(tx, m); err == nil {
			e.MentionNames = append(e.MentionNames, accountName(u))
		}
	}
	return e
}

// accountName is "name" for a local account, "name@domain" for a remote one.
func accountName(u User) string {
	if u.Domain == "" {
		return u.Username
	}
	return u.Username + "@" + u.Domain
}

// ExportedAccount is an account the member follows, is followed by,
// blocks or mutes.
type ExportedAccount struct {
	Username string // "name@domain" for a remote account
	URI      string
	Local    bool
}

// Relations are the member's relations to other accounts and posts.
type Relations struct {
	Following, Followers, Blocks, Mutes []ExportedAccount
	// Bookmarks and Likes are the URIs of the posts, newest first.
	Bookmarks, Likes []string
}

// ExportRelations reads userID's follows both ways, blocks, mutes,
// bookmarks and likes. Accounts and posts that are gone are skipped.
func (db *DB) ExportRelations(userID ID) (Relations, error) {
	var rel Relations
	err := db.bolt.View(func(tx *bolt.Tx) error {
		prefix := idKey(userID)
		accounts := func(bucket []byte) []ExportedAccount {
			list := []ExportedAccount{}
			forPrefix(tx.Bucket(bucket), prefix, func(k, _ []byte) {
				if len(k) != 16 {
					return
				}
				if u, err := getUser(tx, keyID(k, 8)); err == nil {
					list = append(list, ExportedAccount{Username: accountName(u), URI: u.URI, Local: u.Domain == ""})
				}
			})
			return list
		}
		posts := func(bucket []byte) []string {
			list := []string{}
			forPrefix(tx.Bucket(bucket), prefix, func(k, _ []byte) {
				if len(k) != 16 {
					return
				}
				if p, err := getPost(tx, keyID(k, 8)); err == nil {
					list = append(list, p.URI)
				}
			})
			return list
		}
		rel.Following = accounts(bucketFollows)
		rel.Followers = accounts(bucketFollowers)
		rel.Blocks = accounts(bucketBlocks)
		rel.Mutes = accounts(bucketMutes)
		rel.Bookmarks = posts(bucketBookmarks)
		rel.Likes = posts(bucketUserLikes)
		return nil
	})
	if err != nil {
		return Relations{}, fmt.Errorf("export relations: %w", err)
	}
	return rel, nil
}
