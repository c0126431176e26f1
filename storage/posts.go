package storage

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Visibility says who may see a post.
type Visibility string

// Visibilities, from the widest audience to the narrowest.
const (
	// Public posts show everywhere: timelines, profiles, tag pages.
	Public Visibility = "public"
	// Unlisted posts show on the profile and in followers' home timelines,
	// not on the local timeline nor tag pages.
	Unlisted Visibility = "unlisted"
	// FollowersOnly posts show to the author's followers and mentioned users.
	FollowersOnly Visibility = "followers"
	// Direct posts show to the mentioned users only.
	Direct Visibility = "direct"
)

// Valid tells whether v is one of the four visibilities.
func (v Visibility) Valid() bool {
	switch v {
	case Public, Unlisted, FollowersOnly, Direct:
		return true
	}
	return false
}

// Visibilities lists the visibilities from the widest audience to the
// narrowest.
var Visibilities = []Visibility{Public, Unlisted, FollowersOnly, Direct}

// Narrowness ranks a visibility by its audience: 0 for public, 3 for
// direct, -1 for an unknown one.
func (v Visibility) Narrowness() int { return slices.Index(Visibilities, v) }

// Repostable tells whether posts of this visibility may be reposted.
func (v Visibility) Repostable() bool { return v == Public || v == Unlisted }

// Post is one message. Source is the Markdown the author wrote; HTML is the
// sanitized rendering made once when the post was saved. A repost is a
// Post too: it has RepostOf set and no text of its own.
type Post struct {
	V          int        `json:"v"`
	ID         ID         `json:"id"`
	AuthorID   ID         `json:"author_id"`
	URI        string     `json:"uri"`
	Source     string     `json:"source,omitempty"`
	HTML       string     `json:"html,omitempty"`
	Visibility Visibility `json:"visibility"`
	Local      bool       `json:"local"`
	CreatedAt  time.Time  `json:"created_at"`
	// ContentWarning, when set, is shown instead of the body until the
	// reader opens it.
	ContentWarning string `json:"cw,omitempty"`
	// InReplyTo is the post this one answers; InReplyToAuthor its author,
	// kept so the reply still says whom it answers after a deletion.
	InReplyTo       ID `json:"in_reply_to,omitempty"`
	InReplyToAuthor ID `json:"in_reply_to_author,omitempty"`
	// RepostOf is the original of a repost.
	RepostOf ID `json:"repost_of,omitempty"`
	// Mentions are the accounts named with @, which direct and
	// followers-only posts also reach.
	Mentions []ID `json:"mentions,omitempty"`
	// Tags are the normalised hashtags of the post.
	Tags     []string  `json:"tags,omitempty"`
	EditedAt time.Time `json:"edited_at,omitzero"`
	Replies  int       `json:"replies,omitempty"`
	Likes    int       `json:"likes,omitempty"`
	Reposts  int       `json:"reposts,omitempty"`
	// Attachments are the post's images, in order (at most
	// MaxAttachments). CreatePost takes a reference to both files of
	// each, DeletePost drops them; EditPost changes the text and may
	// change the images' descriptions (PostChange.Alts), never the
	// pictures (to change a picture, delete the post and write it again).
	Attachments []Attachment `json:"attachments,omitempty"`
	// ImportedFrom is the post's original URI when it was brought in
	// from an export archive (importer.go); empty for posts written here.
	ImportedFrom string `json:"imported_from,omitempty"`

	// A remote post (Local false) keeps where it came from: URL is its
	// page on its server (the link to the original), ObjectType the
	// ActivityStreams type when it is not a Note (a Question or an
	// Article is shown as a post with a link to the original), and the
	// object's own consent signals, honoured where it is shown.
	URL          string `json:"url,omitempty"`
	ObjectType   string `json:"object_type,omitempty"`
	Language     string `json:"language,omitempty"`
	XRobotsTag   string `json:"x_robots_tag,omitempty"`
	ContentUsage string `json:"content_usage,omitempty"`

	// Poll is the post's poll, nil for none (polls.go).
	Poll *Poll `json:"poll,omitempty"`

	// Quotes (quotes.go). QuotePolicy is who may quote this post.
	// QuoteOf is the post this one quotes (0: none, or not stored
	// here), QuoteURI its URI, QuoteState where the quoted author's
	// consent stands, QuoteAuth the URI of their authorization.
	QuotePolicy QuotePolicy `json:"quote_policy,omitempty"`
	QuoteOf     ID          `json:"quote_of,omitempty"`
	QuoteURI    string      `json:"quote_uri,omitempty"`
	QuoteState  QuoteState  `json:"quote_state,omitempty"`
	QuoteAuth   string      `json:"quote_auth,omitempty"`
}

// Attachment is an image of a post: a display variant and a thumbnail,
// each a stored file named by the SHA-256 of its bytes (see PutMedia).
type Attachment struct {
	Display     string `json:"display"`
	Thumb       string `json:"thumb"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	ThumbWidth  int    `json:"thumb_width"`
	ThumbHeight int    `json:"thumb_height"`
	// Alt describes the image for people who cannot see it (at most
	// MaxAltChars characters; empty when the author gave none).
	Alt string `json:"alt,omitempty"`
	// ContentType is the display variant's; ThumbType the thumbnail's,
	// which differs for an animated GIF (its thumbnail is a still).
	ContentType string `json:"content_type"`
	ThumbType   string `json:"thumb_type"`
	Animated    bool   `json:"animated,omitempty"`
}

const postVersion = 2

// IsRepost tells whether the post is a repost of another.
func (p *Post) IsRepost() bool { return p.RepostOf != 0 }

// Mentioned tells whether the post names the user.
func (p *Post) Mentioned(id ID) bool {
	for _, m := range p.Mentions {
		if m == id {
			return true
		}
	}
	return false
}

// Post kinds in the author index value.
const (
	kindPost byte = iota
	kindReply
	kindRepost
)

var visCodes = map[Visibility]byte{Public: 1, Unlisted: 2, FollowersOnly: 3, Direct: 4}
var visByCode = map[byte]Visibility{1: Public, 2: Unlisted, 3: FollowersOnly, 4: Direct}

// indexMeta is the value of an author_posts entry: enough to filter a
// timeline without decoding the post. [0] visibility code, [1] kind,
// [2:10] the replied-to author (reply) or the original post (repost).
type indexMeta struct {
	vis  Visibility
	kind byte
	ref  ID
}

func (m indexMeta) encode() []byte {
	b := make([]byte, 10)
	b[0] = visCodes[m.vis]
	b[1] = m.kind
	copy(b[2:], idKey(m.ref))
	return b
}

func decodeMeta(v []byte) indexMeta {
	if len(v) < 10 {
		return indexMeta{vis: Public, kind: kindPost}
	}
	m := indexMeta{vis: visByCode[v[0]], kind: v[1], ref: keyID(v, 2)}
	if m.vis == "" {
		m.vis = Public
	}
	return m
}

func metaOf(p *Post) indexMeta {
	switch {
	case p.RepostOf != 0:
		return indexMeta{vis: p.Visibility, kind: kindRepost, ref: p.RepostOf}
	case p.InReplyTo != 0:
		return indexMeta{vis: p.Visibility, kind: kindReply, ref: p.InReplyToAuthor}
	}
	return indexMeta{vis: p.Visibility, kind: kindPost}
}

// onPublicTimeline: public, neither a reply nor a repost, written here or
// on another server (the federated timeline).
func onPublicTimeline(p *Post) bool {
	return p.Visibility == Public && p.InReplyTo == 0 && !p.IsRepost()
}

// onLocalTimeline: public, written here, neither a reply nor a repost.
func onLocalTimeline(p *Post) bool {
	return p.Local && p.Visibility == Public && p.InReplyTo == 0 && p.RepostOf == 0
}

func putPost(tx *bolt.Tx, p *Post) error {
	p.V = postVersion
	v, err := json.Marshal(p)
	if err != nil {
		return err
	}
	forgetPost(tx, p.ID)
	return tx.Bucket(bucketPosts).Put(idKey(p.ID), v)
}

// CreatePost stores a post with its index entries, counts and
// notifications in one transaction. Each attachment names, by Display,
// an upload of the author's (PutUpload) and carries its Alt; the rest of
// it is filled in from the upload, which the post then takes a reference
// to (ErrUploadGone when it is not, or no longer, there). The caller sets ID (from NewID), URI,
// and for a reply InReplyTo (the parent must exist, else ErrNotFound, and
// be visible to the author, else ErrForbidden; InReplyToAuthor is filled
// in). Mentions of accounts that block
// the author, or that the author blocks, are refused with ErrForbidden, as
// is a reply across a block. Concurrent calls share transactions (bbolt
// Batch), so many small posts cost few fsyncs. The activities in out are
// queued in the same transaction (see recordOutgoing).
func (db *DB) CreatePost(p *Post, out ...Activity) error {
	if p.ID == 0 || p.AuthorID == 0 || p.URI == "" || p.RepostOf != 0 {
		return fmt.Errorf("create post: id, author and uri are required: %w", ErrInvalid)
	}
	if p.Visibility == "" {
		p.Visibility = Public
	}
	if !p.Visibility.Valid() {
		return fmt.Errorf("create post: visibility %q: %w", p.Visibility, ErrInvalid)
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = p.ID.Time()
	}
	if err := db.stampActivities(out); err != nil {
		return fmt.Errorf("create post: %w", err)
	}
	in := *p
	var stored Post
	err := db.bolt.Batch(func(tx *bolt.Tx) error {
		// Batch may run this function again after a failed batch: it
		// starts from the caller's post each time and reads counts afresh.
		post := in
		post.Mentions = append([]ID(nil), in.Mentions...)
		post.Attachments = append([]Attachment(nil), in.Attachments...)
		post.Poll = in.Poll.clone()
		if err := db.createPost(tx, &post); err != nil {
			return err
		}
		if err := recordOutgoing(tx, out); err != nil {
			return err
		}
		stored = post
		return nil
	})
	if err != nil {
		return fmt.Errorf("create post: %w", err)
	}
	*p = stored
	return nil
}

func (db *DB) createPost(tx *bolt.Tx, p *Post) error {
	if tx.Bucket(bucketPosts).Get(idKey(p.ID)) != nil {
		return fmt.Errorf("post %d: %w", p.ID, ErrExists)
	}
	if err := updateUser(tx, p.AuthorID, func(u *User) { u.countPost(p.Visibility, 1) }); err != nil {
		return err
	}
	for _, m := range p.Mentions {
		if blockedEitherWay(tx, p.AuthorID, m) {
			return fmt.Errorf("mention of user %d: %w", m, ErrForbidden)
		}
		if _, err := getUser(tx, m); err != nil {
			return fmt.Errorf("mention: %w", err)
		}
		if err := botContact(tx, p.AuthorID, m); err != nil {
			return err
		}
	}
	if p.InReplyTo != 0 {
		parent, err := getPost(tx, p.InReplyTo)
		if err != nil {
			return fmt.Errorf("reply: %w", err)
		}
		if parent.IsRepost() {
			return fmt.Errorf("reply to a repost: %w", ErrInvalid)
		}
		v := newViewer(tx, p.AuthorID)
		if !v.canSee(tx, &parent) || blockedEitherWay(tx, p.AuthorID, parent.AuthorID) {
			return fmt.Errorf("reply to post %d: %w", parent.ID, ErrForbidden)
		}
		if err := botContact(tx, p.AuthorID, parent.AuthorID); err != nil {
			return err
		}
		p.InReplyToAuthor = parent.AuthorID
		if countsAsReply(p) {
			parent.Replies++
		}
		if err := putPost(tx, &parent); err != nil {
			return err
		}
		if err := tx.Bucket(bucketReplies).Put(pairKey(parent.ID, p.ID), nil); err != nil {
			return err
		}
	}
	if err := attachMedia(tx, p); err != nil {
		return err
	}
	if err := startPoll(tx, p); err != nil {
		return err
	}
	if err := db.linkQuote(tx, p); err != nil {
		return err
	}
	if err := putPost(tx, p); err != nil {
		return err
	}
	if err := indexPost(tx, p); err != nil {
		return err
	}
	if err := queueIfBehind(tx, p.ID); err != nil {
		return err
	}
	if p.ImportedFrom == "" {
		// Imported posts are old news: no stream hears of them.
		emit(tx, Event{Kind: PostCreated, PostID: p.ID, UserID: p.AuthorID})
	}
	// A fresh ID, made inside the transaction, so the notification sorts
	// after anything committed before it.
	return notifyPost(tx, p, nil, db.ids.Next(db.now()))
}

// countsAsReply tells whether a reply counts in its parent's reply count,
// which everyone who sees the parent sees: only public and unlisted
// replies, so the count never reveals that followers-only or direct
// replies exist.
func countsAsReply(p *Post) bool { return p.Visibility == Public || p.Visibility == Unlisted }

// notifyPost tells the replied-to author and the newly mentioned accounts;
// already lists accounts mentioned before an edit, who heard already.
// noteID orders the notifications: the post's own ID when it is created,
// a fresh one for an edit (so that a mention added later is new and
// unread, not filed at the post's creation time).
func notifyPost(tx *bolt.Tx, p *Post, already []ID, noteID ID) error {
	told := map[ID]bool{p.AuthorID: true}
	for _, id := range already {
		told[id] = true
	}
	if p.InReplyToAuthor != 0 && !told[p.InReplyToAuthor] && already == nil {
		told[p.InReplyToAuthor] = true
		if err := notify(tx, p.InReplyToAuthor, NoteReply, p.AuthorID, p.ID, noteID); err != nil {
			return err
		}
	}
	for _, m := range p.Mentions {
		if told[m] {
			continue
		}
		told[m] = true
		if err := notify(tx, m, NoteMention, p.AuthorID, p.ID, noteID); err != nil {
			return err
		}
	}
	return nil
}

// indexPost writes every index entry of a post (not its reply link or
// repost entries, which their own actions write).
func indexPost(tx *bolt.Tx, p *Post) error {
	indexedPost(tx, p.AuthorID, p.ID)
	if err := tx.Bucket(bucketAuthorPosts).Put(pairKey(p.AuthorID, p.ID), metaOf(p).encode()); err != nil {
		return err
	}
	if onLocalTimeline(p) {
		if err := tx.Bucket(bucketLocalPosts).Put(idKey(p.ID), nil); err != nil {
			return err
		}
	}
	if onPublicTimeline(p) {
		if err := tx.Bucket(bucketPublicPosts).Put(idKey(p.ID), nil); err != nil {
			return err
		}
	}
	if err := indexDirect(tx, p); err != nil { // direct.go
		return err
	}
	return indexTags(tx, p)
}

// indexTags lists a public post under each of its hashtags. The entry's
// value says whether it is a reply and to whom (indexMeta, as in
// author_posts), so a home timeline that merges a followed tag passes over
// replies it does not show without reading them; entries written before
// have none, and are read.
func indexTags(tx *bolt.Tx, p *Post) error {
	if p.Visibility != Public || p.RepostOf != 0 {
		return nil
	}
	tags := tx.Bucket(bucketTags)
	meta := metaOf(p).encode()
	for _, t := range p.Tags {
		if t == "" {
			continue
		}
		if err := tags.Put(tagKey(t, p.ID), meta); err != nil {
			return err
		}
	}
	return nil
}

func unindexTags(tx *bolt.Tx, p *Post) error {
	tags := tx.Bucket(bucketTags)
	for _, t := range p.Tags {
		if err := tags.Delete(tagKey(t, p.ID)); err != nil {
			return err
		}
	}
	return nil
}

func getPost(tx *bolt.Tx, id ID) (Post, error) {
	c := cachesOf(tx)
	if c != nil {
		if p, ok := c.posts.get(id, txID(tx)); ok {
			return p, nil
		}
	}
	var p Post
	v := tx.Bucket(bucketPosts).Get(idKey(id))
	if v == nil {
		return p, fmt.Errorf("post %d: %w", id, ErrNotFound)
	}
	if err := decodeRecord(v, &p); err != nil {
		return p, fmt.Errorf("post %d: decode: %w", id, err)
	}
	if c != nil && !tx.Writable() {
		c.posts.store(id, p, txID(tx))
	}
	return p, nil
}

// DeletePost removes a post and everything that hangs on it in one
// transaction: its index entries, its reposts, likes and bookmarks, and the
// counts they made. Replies to it stay; they show that their parent is gone.
// The activities in out are queued in the same transaction, before the
// post goes (so its author and audience are still known).
func (db *DB) DeletePost(id ID, out ...Activity) error {
	if err := db.stampActivities(out); err != nil {
		return fmt.Errorf("delete post: %w", err)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if err := recordOutgoing(tx, out); err != nil {
			return err
		}
		return deletePost(tx, id)
	})
	if err != nil {
		return fmt.Errorf("delete post: %w", err)
	}
	return nil
}

func deletePost(tx *bolt.Tx, id ID) error {
	p, err := getPost(tx, id)
	if err != nil {
		return err
	}
	forgetPost(tx, id)
	// Its words leave the search index in this transaction, with it.
	if err := unindexSearch(tx, &p); err != nil {
		return err
	}
	if err := tx.Bucket(bucketPosts).Delete(idKey(id)); err != nil {
		return err
	}
	emitDeleted(tx, &p)
	if err := unindexPostURI(tx, &p); err != nil {
		return err
	}
	if err := tx.Bucket(bucketAuthorPosts).Delete(pairKey(p.AuthorID, id)); err != nil {
		return err
	}
	if err := tx.Bucket(bucketLocalPosts).Delete(idKey(id)); err != nil {
		return err
	}
	if err := tx.Bucket(bucketPublicPosts).Delete(idKey(id)); err != nil {
		return err
	}
	if err := unindexTags(tx, &p); err != nil {
		return err
	}
	if err := unindexDirect(tx, &p); err != nil { // direct.go
		return err
	}
	if err := detachMedia(tx, &p); err != nil {
		return err
	}
	if err := dropPoll(tx, &p); err != nil {
		return err
	}
	if err := unlinkQuotes(tx, &p); err != nil {
		return err
	}
	if p.RepostOf != 0 {
		if err := unlinkRepost(tx, &p); err != nil {
			return err
		}
	}
	if p.InReplyTo != 0 {
		if err := tx.Bucket(bucketReplies).Delete(pairKey(p.InReplyTo, id)); err != nil {
			return err
		}
		if parent, err := getPost(tx, p.InReplyTo); err == nil && countsAsReply(&p) {
			parent.Replies = max(parent.Replies-1, 0)
			if err := putPost(tx, &parent); err != nil {
				return err
			}
		}
	}
	// Reposts of it go with it.
	var reposts []ID
	forPrefix(tx.Bucket(bucketReposts), idKey(id), func(k, _ []byte) { reposts = append(reposts, keyID(k, 8)) })
	for _, r := range reposts {
		if err := deletePost(tx, r); err != nil {
			return err
		}
	}
	// Likes and bookmarks of it.
	var likers, markers []ID
	forPrefix(tx.Bucket(bucketLikes), idKey(id), func(k, _ []byte) { likers = append(likers, keyID(k, 8)) })
	for _, u := range likers {
		if err := unlike(tx, id, p.AuthorID, u); err != nil {
			return err
		}
	}
	// The reply index under it (the replies themselves stay, and show
	// that their parent is gone).
	var replies [][]byte
	forPrefix(tx.Bucket(bucketReplies), idKey(id), func(k, _ []byte) { replies = append(replies, append([]byte(nil), k...)) })
	for _, k := range replies {
		if err := tx.Bucket(bucketReplies).Delete(k); err != nil {
			return err
		}
	}
	forPrefix(tx.Bucket(bucketPostMarks), idKey(id), func(k, _ []byte) { markers = append(markers, keyID(k, 8)) })
	for _, u := range markers {
		if err := tx.Bucket(bucketPostMarks).Delete(pairKey(id, u)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketBookmarks).Delete(pairKey(u, id)); err != nil {
			return err
		}
	}
	// Its edit history.
	var edits [][]byte
	forPrefix(tx.Bucket(bucketEdits), idKey(id), func(k, _ []byte) { edits = append(edits, append([]byte(nil), k...)) })
	for _, k := range edits {
		if err := tx.Bucket(bucketEdits).Delete(k); err != nil {
			return err
		}
	}
	if err := unpin(tx, p.AuthorID, id); err != nil {
		return err
	}
	return updateUser(tx, p.AuthorID, func(u *User) { u.countPost(p.Visibility, -1) })
}

// forPrefix calls fn for every key under prefix. fn must not change the
// bucket; collect keys and change afterwards.
func forPrefix(b *bolt.Bucket, prefix []byte, fn func(k, v []byte)) {
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		fn(k, v)
	}
}

// Page asks for up to Limit items older than Before (0: from the newest).
type Page struct {
	Before ID
	Limit  int
}

const maxPageLimit = 100

func (p Page) limit() int {
	switch {
	case p.Limit <= 0:
		return 20
	case p.Limit > maxPageLimit:
		return maxPageLimit
	}
	return p.Limit
}

// seekBefore places c on the last key under prefix that sorts before
// prefix|before (or the last key under prefix when before is 0) and returns
// it; the caller walks on with Prev and checks the prefix.
func seekBefore(c *bolt.Cursor, prefix []byte, before ID) []byte {
	k, _ := seekBeforeKV(c, prefix, before)
	return k
}

// seekBeforeKV is seekBefore with the value.
func seekBeforeKV(c *bolt.Cursor, prefix []byte, before ID) ([]byte, []byte) {
	var buf [32]byte
	target := append(buf[:0], prefix...)
	if before == 0 {
		// Seek past every key under prefix.
		target = append(target, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
	} else {
		target = binary.BigEndian.AppendUint64(target, uint64(before))
	}
	k, _ := c.Seek(target)
	if k == nil {
		k, v := c.Last()
		if k != nil && bytes.Compare(k, target) >= 0 {
			k, v = c.Prev()
		}
		return k, v
	}
	// Seek lands on the first key >= target; step back to the one before.
	return c.Prev()
}
