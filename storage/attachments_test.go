package storage

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testFiles makes the two files of a pretend image: name tells images
// apart (the bytes are not a real picture; storage does not look).
func testFiles(name string) (display, thumb File) {
	return File{Data: []byte("display of " + name), ContentType: "image/jpeg", Width: 800, Height: 600},
		File{Data: []byte("thumb of " + name), ContentType: "image/png", Width: 480, Height: 360}
}

// upload stores a pretend image for owner.
func putUpload(t testing.TB, db *DB, owner User, name string) Attachment {
	t.Helper()
	d, th := testFiles(name)
	a, err := db.PutUpload(owner.ID, d, th, false)
	must(t, err, "PutUpload(%s, %s)", owner.Username, name)
	return a
}

// withImages attaches uploads (by display hash) with alt texts.
func withImages(as ...Attachment) postOpt {
	return func(p *Post) {
		for _, a := range as {
			p.Attachments = append(p.Attachments, Attachment{Display: a.Display, Alt: a.Alt})
		}
	}
}

// refsOf is the reference count of a stored file, -1 when it is gone.
func refsOf(t testing.TB, db *DB, hash string) int {
	t.Helper()
	m, err := db.MediaInfo(hash)
	if errors.Is(err, ErrNotFound) {
		return -1
	}
	must(t, err, "MediaInfo(%s)", hash)
	return m.Refs
}

// canServe tells whether ServeMediaTo lets viewer see the file, and
// whether it calls it public.
func canServe(t testing.TB, db *DB, viewer ID, hash string) (ok, public bool) {
	t.Helper()
	err := db.ServeMediaTo(viewer, hash, func(_ Media, access MediaAccess, data []byte) error {
		if len(data) == 0 {
			t.Errorf("ServeMediaTo(%d, %s) gave no bytes", viewer, hash)
		}
		ok, public = true, access != MediaRestricted
		return nil
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		t.Fatalf("ServeMediaTo(%d, %s): %v", viewer, hash, err)
	}
	return ok, public
}

func TestAttachUpload(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	up := putUpload(t, db, amal, "cat")
	if up.Width != 800 || up.Height != 600 || up.ThumbWidth != 480 || up.ThumbHeight != 360 ||
		up.ContentType != "image/jpeg" || up.ThumbType != "image/png" {
		t.Errorf("PutUpload = %+v, want the sizes and types of both files", up)
	}
	for _, h := range []string{up.Display, up.Thumb} {
		if got := refsOf(t, db, h); got != 0 {
			t.Errorf("refs of %s before posting = %d, want 0", h, got)
		}
	}
	if got, err := db.Upload(amal.ID, up.Display); err != nil || got != up {
		t.Errorf("Upload = %+v, %v; want %+v", got, err, up)
	}
	if _, err := db.Upload(amal.ID, up.Thumb); !errors.Is(err, ErrUploadGone) {
		t.Errorf("Upload by the thumbnail's hash: %v, want ErrUploadGone", err)
	}

	up.Alt = "A cat asleep on a keyboard"
	p := write(t, db, amal, withImages(up))
	if len(p.Attachments) != 1 {
		t.Fatalf("post has %d attachments, want 1", len(p.Attachments))
	}
	if got := p.Attachments[0]; got != up {
		t.Errorf("attachment = %+v, want the upload with its alt %+v", got, up)
	}
	if got := postOf(t, db, p).Attachments; len(got) != 1 || got[0] != up {
		t.Errorf("stored attachments = %+v, want [%+v]", got, up)
	}
	for _, h := range []string{up.Display, up.Thumb} {
		if got := refsOf(t, db, h); got != 1 {
			t.Errorf("refs of %s after posting = %d, want 1", h, got)
		}
		if !hasKey(t, db, bucketMediaPosts, mediaIDKey(h, p.ID)) {
			t.Errorf("media_posts has no entry for %s under the post", h)
		}
		if hasKey(t, db, bucketMediaUploads, mediaIDKey(h, amal.ID)) {
			t.Errorf("media_uploads still holds %s after posting", h)
		}
	}
	// The upload is spent: it cannot be attached a second time.
	if _, err := tryWrite(db, amal, withImages(up)); !errors.Is(err, ErrUploadGone) || !errors.Is(err, ErrNotFound) {
		t.Errorf("attaching a spent upload: %v, want ErrUploadGone (an ErrNotFound)", err)
	}

	// Editing keeps the attachments.
	edited, err := db.EditPost(amal.ID, p.ID, PostChange{Source: "new text", HTML: "<p>new text</p>"})
	must(t, err, "EditPost")
	if len(edited.Attachments) != 1 || edited.Attachments[0] != up {
		t.Errorf("after an edit, attachments = %+v, want them unchanged", edited.Attachments)
	}

	must(t, db.DeletePost(p.ID), "DeletePost")
	for _, h := range []string{up.Display, up.Thumb} {
		if got := refsOf(t, db, h); got != -1 {
			t.Errorf("refs of %s after deleting the only post = %d, want the file gone", h, got)
		}
		if got := keysUnder(t, db, bucketMediaPosts, []byte(h)); len(got) != 0 {
			t.Errorf("media_posts keeps %d entries for %s", len(got), h)
		}
	}
	if blobs, metas := mediaKeys(t, db); blobs != 0 || metas != 0 {
		t.Errorf("after deleting the post, media holds %d files and %d records, want none", blobs, metas)
	}
}

// The same bytes uploaded twice are stored once; each post takes its own
// reference, and only the last deletion frees the file.
func TestSharedAttachment(t *testing.T) {
	db := openTestDB(t)
	amal, bilal := createUser(t, db, "amal"), createUser(t, db, "bilal")
	first := putUpload(t, db, amal, "sunset")
	second := putUpload(t, db, bilal, "sunset")
	if first.Display != second.Display || first.Thumb != second.Thumb {
		t.Fatalf("the same bytes got two names: %s and %s", first.Display, second.Display)
	}
	p1 := write(t, db, amal, withImages(first))
	p2 := write(t, db, bilal, withImages(second))
	if got := refsOf(t, db, first.Display); got != 2 {
		t.Errorf("refs with two posts = %d, want 2", got)
	}
	must(t, db.DeletePost(p1.ID), "DeletePost(first)")
	if got := refsOf(t, db, first.Display); got != 1 {
		t.Errorf("refs after deleting one post = %d, want 1", got)
	}
	if ok, _ := canServe(t, db, 0, first.Display); !ok {
		t.Error("after deleting one post, the other's image is not served")
	}
	must(t, db.DeletePost(p2.ID), "DeletePost(second)")
	for _, h := range []string{first.Display, first.Thumb} {
		if _, err := db.MediaInfo(h); !errors.Is(err, ErrNotFound) {
			t.Errorf("MediaInfo(%s) after deleting both posts: %v, want ErrNotFound", h, err)
		}
	}
}

func TestAttachRefusals(t *testing.T) {
	db := openTestDB(t)
	amal, bilal := createUser(t, db, "amal"), createUser(t, db, "bilal")
	var five []Attachment
	for i := range 5 {
		five = append(five, putUpload(t, db, amal, fmt.Sprint("picture ", i)))
	}
	theirs := putUpload(t, db, bilal, "bilal's own")
	long := five[0]
	long.Alt = strings.Repeat("é", MaxAltChars+1)
	justRight := five[1]
	justRight.Alt = strings.Repeat("é", MaxAltChars)

	tests := []struct {
		name string
		opts []postOpt
		want error
	}{
		{"five images", []postOpt{withImages(five...)}, ErrInvalid},
		{"alt text too long", []postOpt{withImages(long)}, ErrInvalid},
		{"someone else's upload", []postOpt{withImages(theirs)}, ErrUploadGone},
		{"the same image twice", []postOpt{withImages(five[0], five[0])}, ErrInvalid},
		{"a made-up hash", []postOpt{withImages(Attachment{Display: strings.Repeat("ab", 32)})}, ErrUploadGone},
		{"not a hash", []postOpt{withImages(Attachment{Display: "../../etc/passwd"})}, ErrUploadGone},
		// A failing image must not take the mention's notification or
		// the count with it: the whole post is refused.
		{"a good image after a bad one", []postOpt{withImages(five[2], theirs)}, ErrUploadGone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tryWrite(db, amal, tt.opts...)
			wantErr(t, err, tt.want, "CreatePost")
		})
	}
	// Nothing was taken by the refused posts.
	for i, a := range five {
		if got := refsOf(t, db, a.Display); got != 0 {
			t.Errorf("image %d: refs after refused posts = %d, want 0", i, got)
		}
		if _, err := db.Upload(amal.ID, a.Display); err != nil {
			t.Errorf("image %d: upload gone after refused posts: %v", i, err)
		}
	}
	if n := mustUser(t, db, amal.ID).PostsCount; n != 0 {
		t.Errorf("amal's post count = %d after refused posts, want 0", n)
	}
	// Four images, one with the longest alt, are fine.
	p := write(t, db, amal, withImages(justRight, five[2], five[3], five[4]))
	if len(p.Attachments) != 4 || p.Attachments[0].Alt != justRight.Alt {
		t.Errorf("post with four images has %d attachments", len(p.Attachments))
	}
}

// Who may see an attached image is who may see its post.
func TestMediaVisibility(t *testing.T) {
	db := openTestDB(t)
	author := createUser(t, db, "author")
	stranger := createUser(t, db, "stranger")
	follower := createUser(t, db, "follower")
	mentioned := createUser(t, db, "mentioned")
	blocked := createUser(t, db, "blocked")
	follow(t, db, follower, author)
	block(t, db, author, blocked)

	viewers := []struct {
		name string
		id   ID
	}{
		{"anonymous", 0}, {"stranger", stranger.ID}, {"follower", follower.ID},
		{"mentioned", mentioned.ID}, {"blocked", blocked.ID}, {"author", author.ID},
	}
	// want lists, per visibility, the viewers who may see it in the order
	// above.
	tests := []struct {
		vis    Visibility
		public bool
		want   []bool
	}{
		{Public, true, []bool{true, true, true, true, false, true}},
		{Unlisted, true, []bool{true, true, true, true, false, true}},
		{FollowersOnly, false, []bool{false, false, true, true, false, true}},
		{Direct, false, []bool{false, false, false, true, false, true}},
	}
	for _, tt := range tests {
		up := putUpload(t, db, author, string(tt.vis))
		write(t, db, author, withVis(tt.vis), mentioning(mentioned), withImages(up))
		for i, v := range viewers {
			for _, h := range []string{up.Display, up.Thumb} {
				ok, public := canServe(t, db, v.id, h)
				if ok != tt.want[i] {
					t.Errorf("%s post, %s viewer: served %v, want %v", tt.vis, v.name, ok, tt.want[i])
				}
				if ok && public != tt.public {
					t.Errorf("%s post, %s viewer: public %v, want %v", tt.vis, v.name, public, tt.public)
				}
			}
		}
	}

	// The same image in a followers-only post and a public one is public.
	up := putUpload(t, db, author, "both")
	write(t, db, author, withVis(FollowersOnly), withImages(up))
	if ok, _ := canServe(t, db, 0, up.Display); ok {
		t.Error("image of a followers-only post served to a visitor")
	}
	again := putUpload(t, db, stranger, "both")
	write(t, db, stranger, withImages(again))
	if ok, public := canServe(t, db, 0, up.Display); !ok || !public {
		t.Errorf("image also in a public post: served %v, public %v; want both", ok, public)
	}
}

// A pending upload is its owner's alone; then it follows its post.
func TestPendingUploadOwner(t *testing.T) {
	db := openTestDB(t)
	amal, bilal := createUser(t, db, "amal"), createUser(t, db, "bilal")
	up := putUpload(t, db, amal, "draft")
	for _, tt := range []struct {
		name string
		id   ID
		want bool
	}{{"owner", amal.ID, true}, {"someone else", bilal.ID, false}, {"visitor", 0, false}} {
		for _, h := range []string{up.Display, up.Thumb} {
			if ok, public := canServe(t, db, tt.id, h); ok != tt.want || public {
				t.Errorf("pending upload, %s: served %v public %v, want served %v, not public", tt.name, ok, public, tt.want)
			}
		}
	}
	write(t, db, amal, withVis(Direct), mentioning(bilal), withImages(up))
	if ok, _ := canServe(t, db, bilal.ID, up.Display); !ok {
		t.Error("the mentioned account cannot see the image of a direct post")
	}
}

func TestProfileImages(t *testing.T) {
	db := openTestDB(t)
	amal := createUser(t, db, "amal")
	blocked := createUser(t, db, "blocked")
	block(t, db, amal, blocked)

	d1, t1 := testFiles("first avatar")
	u, err := db.SetProfileImage(amal.ID, AvatarSlot, d1, t1)
	must(t, err, "SetProfileImage")
	first := u.Avatar
	if first.IsZero() || first.Width != 800 || first.ThumbWidth != 480 || first.ThumbType != "image/png" {
		t.Fatalf("avatar = %+v, want both files", first)
	}
	if got := mustUser(t, db, amal.ID).Avatar; got != first {
		t.Errorf("stored avatar = %+v, want %+v", got, first)
	}
	for _, viewer := range []ID{0, blocked.ID} {
		if ok, public := canServe(t, db, viewer, first.Thumb); !ok || !public {
			t.Errorf("avatar for viewer %d: served %v public %v, want a public file", viewer, ok, public)
		}
	}
	if refs := refsOf(t, db, first.Display); refs != 1 {
		t.Errorf("avatar refs = %d, want 1", refs)
	}

	// The same picture again: nothing changes.
	u, err = db.SetProfileImage(amal.ID, AvatarSlot, d1, t1)
	must(t, err, "SetProfileImage again")
	if u.Avatar != first || refsOf(t, db, first.Display) != 1 || refsOf(t, db, first.Thumb) != 1 {
		t.Errorf("setting the same avatar again: %+v, refs %d; want it unchanged with 1 ref", u.Avatar, refsOf(t, db, first.Display))
	}
	if ok, _ := canServe(t, db, 0, first.Display); !ok {
		t.Error("setting the same avatar again made it private")
	}

	// A header is a separate slot.
	hd, ht := testFiles("header")
	u, err = db.SetProfileImage(amal.ID, HeaderSlot, hd, ht)
	must(t, err, "SetProfileImage(header)")
	if u.Header.IsZero() || u.Avatar != first {
		t.Errorf("after setting a header: avatar %+v, header %+v", u.Avatar, u.Header)
	}

	// Replacing the avatar frees the old files.
	d2, t2 := testFiles("second avatar")
	u, err = db.SetProfileImage(amal.ID, AvatarSlot, d2, t2)
	must(t, err, "SetProfileImage(replace)")
	for _, h := range []string{first.Display, first.Thumb} {
		if refs := refsOf(t, db, h); refs != -1 {
			t.Errorf("old avatar file %s: refs %d, want it deleted", h, refs)
		}
		if got := keysUnder(t, db, bucketMediaProfiles, []byte(h)); len(got) != 0 {
			t.Errorf("media_profiles keeps %d entries for the old avatar", len(got))
		}
	}
	if ok, _ := canServe(t, db, 0, u.Avatar.Display); !ok {
		t.Error("the new avatar is not served")
	}

	// An avatar that is also a post's image stays while either uses it.
	up := putUpload(t, db, amal, "second avatar")
	if up.Display != u.Avatar.Display {
		t.Fatal("the same bytes got another name")
	}
	p := write(t, db, amal, withVis(Direct), withImages(up))
	u, err = db.RemoveProfileImage(amal.ID, AvatarSlot)
	must(t, err, "RemoveProfileImage")
	if !u.Avatar.IsZero() || u.Header.IsZero() {
		t.Errorf("after removing the avatar: avatar %+v, header %+v; want no avatar, the header kept", u.Avatar, u.Header)
	}
	if refs := refsOf(t, db, up.Display); refs != 1 {
		t.Errorf("refs of a removed avatar still in a post = %d, want 1", refs)
	}
	if ok, _ := canServe(t, db, 0, up.Display); ok {
		t.Error("no longer an avatar, the image of a direct post is still public")
	}
	must(t, db.DeletePost(p.ID), "DeletePost")
	if refs := refsOf(t, db, up.Display); refs != -1 {
		t.Errorf("refs after the last use went = %d, want the file gone", refs)
	}

	if _, err := db.SetProfileImage(amal.ID, ProfileSlot('x'), d1, t1); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown slot: %v, want ErrInvalid", err)
	}
	if _, err := db.SetProfileImage(ID(12345), AvatarSlot, d1, t1); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown user: %v, want ErrNotFound", err)
	}
}

func TestPruneMedia(t *testing.T) {
	clock := newFakeClock()
	db := openTestDBWith(t, filepath.Join(t.TempDir(), "majlis.db"), Options{Now: clock.Now})
	amal := createUser(t, db, "amal")
	old := putUpload(t, db, amal, "abandoned")
	posted := putUpload(t, db, amal, "posted")
	write(t, db, amal, withImages(posted))
	clock.Advance(23 * time.Hour)
	fresh := putUpload(t, db, amal, "fresh")
	clock.Advance(2 * time.Hour)

	n, err := db.PruneMedia(clock.Now().Add(-24 * time.Hour))
	must(t, err, "PruneMedia")
	if n != 2 {
		t.Errorf("PruneMedia removed %d files, want 2 (the abandoned upload's)", n)
	}
	if _, err := db.Upload(amal.ID, old.Display); !errors.Is(err, ErrUploadGone) {
		t.Errorf("abandoned upload after pruning: %v, want ErrUploadGone", err)
	}
	if refsOf(t, db, old.Display) != -1 || refsOf(t, db, old.Thumb) != -1 {
		t.Error("the abandoned upload's files are still stored")
	}
	if got := keysUnder(t, db, bucketMediaUploads, []byte(old.Display)); len(got) != 0 {
		t.Errorf("media_uploads keeps %d entries of the abandoned upload", len(got))
	}
	if _, err := db.Upload(amal.ID, fresh.Display); err != nil {
		t.Errorf("an upload younger than a day was pruned: %v", err)
	}
	if refsOf(t, db, posted.Display) != 1 {
		t.Error("an attached image was pruned")
	}
	// Uploading the abandoned bytes again works as new.
	again := putUpload(t, db, amal, "abandoned")
	if _, err := tryWrite(db, amal, withImages(again)); err != nil {
		t.Errorf("posting an image uploaded again after pruning: %v", err)
	}
}

// Deleting a post deletes its reposts; the image goes with the last post
// that uses it.
func TestDeleteRepostedAttachment(t *testing.T) {
	db := openTestDB(t)
	amal, bilal := createUser(t, db, "amal"), createUser(t, db, "bilal")
	up := putUpload(t, db, amal, "shared")
	p := write(t, db, amal, withImages(up))
	repost(t, db, bilal, p.ID)
	if ok, _ := canServe(t, db, bilal.ID, up.Display); !ok {
		t.Error("reposted image not served to the reposter")
	}
	must(t, db.DeletePost(p.ID), "DeletePost")
	if refsOf(t, db, up.Display) != -1 {
		t.Error("the image outlived its post and the post's reposts")
	}
}

// A suspended account's posts are hidden from everyone, and so are their
// images; a silenced one's stay visible, as its posts do on permalinks.
func TestMediaOfModeratedAuthors(t *testing.T) {
	db := openTestDB(t)
	createUser(t, db, "admin") // the first account is the admin
	amal := createUser(t, db, "amal")
	fan := createUser(t, db, "fan")
	follow(t, db, fan, amal)
	pub := putUpload(t, db, amal, "public picture")
	priv := putUpload(t, db, amal, "followers picture")
	write(t, db, amal, withImages(pub))
	write(t, db, amal, withVis(FollowersOnly), withImages(priv))

	for _, tt := range []struct {
		status   Status
		shown    bool
		wantPost MediaAccess
	}{
		{StatusSuspended, false, 0},
		{StatusSilenced, true, MediaPublicPost},
		{StatusActive, true, MediaPublicPost},
	} {
		t.Run(string(tt.status), func(t *testing.T) {
			must(t, db.SetStatus(amal.ID, tt.status), "SetStatus(%s)", tt.status)
			for _, c := range []struct {
				name   string
				viewer ID
				hash   string
			}{
				{"visitor, public post", 0, pub.Display},
				{"follower, public post", fan.ID, pub.Thumb},
				{"follower, followers-only post", fan.ID, priv.Display},
			} {
				var access MediaAccess = -1
				err := db.ServeMediaTo(c.viewer, c.hash, func(_ Media, a MediaAccess, _ []byte) error { access = a; return nil })
				if shown := err == nil; shown != tt.shown {
					t.Errorf("%s: got served %v (%v), want %v", c.name, shown, err, tt.shown)
				}
				if tt.shown && c.hash != priv.Display && access != tt.wantPost {
					t.Errorf("%s: got access %d, want %d", c.name, access, tt.wantPost)
				}
			}
		})
	}
}
