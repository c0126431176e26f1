package handlers_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"majlis/storage"
)

// Every new route that can show a post or part of one gets a row here
// (images add /media/HASH).
//
// The authorization matrix: every route that can show a post, or part of
// one, asked by every kind of viewer about a post of every visibility. One
// fixture (newMatrixFixture) holds an author with a top-level post and a
// reply of each visibility, each with a word found nowhere else; a cell
// asks its route as its viewer and checks the status and whether the word
// is in the answer (body or headers).
//
// The rules the rows encode (storage/access.go decides them):
//   - public: everyone but the blocked user, on every route; the local
//     timeline and tag pages list public posts only;
//   - unlisted: like public, but never on the local timeline nor tag pages;
//   - followers-only: the follower, the mentioned user and the author;
//   - direct: the mentioned user and the author;
//   - the blocked user (the author blocked them) sees nothing, whatever
//     the visibility;
//   - a hidden post answers exactly as a missing one (404, same page), so
//     its existence does not leak; 403 is only for a post the viewer may
//     see but not act on (someone else's post to edit, a followers-only
//     post to repost).
//
// Rows with side effects (the POST actions: likes, reposts, bookmarks,
// which notify the author) come last, so that the notification rows above
// them see the fixture as it was built.
var matrixRoutes = []matrixRoute{
	// Timelines: the page, its htmx fragment, and the next page's fragment
	// (?before= a cursor newer than every post).
	{name: "home", path: mxAt("/"), expect: mxHome},
	{name: "home htmx", path: mxAt("/"), htmx: true, expect: mxHome},
	{name: "home htmx before", path: mxBefore("/"), htmx: true, expect: mxHome},
	{name: "local", path: mxAt("/local"), expect: mxLocal},
	{name: "local htmx", path: mxAt("/local"), htmx: true, expect: mxLocal},
	{name: "local htmx before", path: mxBefore("/local"), htmx: true, expect: mxLocal},
	{name: "profile", path: mxAt("/@author"), expect: mxListed},
	{name: "profile htmx", path: mxAt("/@author"), htmx: true, expect: mxListed},
	{name: "profile htmx before", path: mxBefore("/@author"), htmx: true, expect: mxListed},
	{name: "with replies", path: mxAt("/@author/with_replies"), expect: mxListed},
	{name: "with replies htmx", path: mxAt("/@author/with_replies"), htmx: true, expect: mxListed},
	{name: "with replies htmx before", path: mxBefore("/@author/with_replies"), htmx: true, expect: mxListed},
	{name: "with replies, reply", reply: true, path: mxAt("/@author/with_replies"), expect: mxListed},
	{name: "with replies htmx, reply", reply: true, path: mxAt("/@author/with_replies"), htmx: true, expect: mxListed},
	{name: "with replies htmx before, reply", reply: true, path: mxBefore("/@author/with_replies"), htmx: true, expect: mxListed},
	// The stranger reposted the public and unlisted posts: their profile
	// shows the reposts to whoever may see the originals.
	{name: "reposter's profile", path: mxAt("/@stranger"), expect: mxReposted},
	{name: "reposter's profile htmx", path: mxAt("/@stranger"), htmx: true, expect: mxReposted},
	// The member's feed (feeds.go) is anonymous: only public posts, the same to everyone, the blocked user too.
	{name: "member feed", path: mxAt("/@author.rss"), expect: func(vis storage.Visibility, _ matrixViewer) mxOutcome { return mxShow(vis == storage.Public) }},
	{name: "tag", path: mxTag, expect: mxLocal},
	{name: "tag htmx", path: mxTag, htmx: true, expect: mxLocal},
	{name: "tag htmx before", path: mxTagBefore, htmx: true, expect: mxLocal},
	// Public replies are listed under their hashtags too (storage indexes
	// every public post's tags, replies included).
	{name: "tag, reply", reply: true, path: mxTag, expect: mxLocal},
	{name: "tag htmx, reply", reply: true, path: mxTag, htmx: true, expect: mxLocal},
	// A list's timeline (lists.go): the follower's list and the blocked
	// user's each hold the author, added while they followed; the block
	// took the author out of the blocked user's list. Anyone else's list
	// does not exist for a viewer (404).
	{name: "follower's list", path: mxList(mxFollower), expect: mxSignedIn(mxToLogin, mxListOf(mxFollower))},
	{name: "follower's list htmx", path: mxList(mxFollower), htmx: true, expect: mxSignedIn(mxStatus(403), mxListOf(mxFollower))},
	{name: "follower's list htmx before", path: mxListBefore(mxFollower), htmx: true, expect: mxSignedIn(mxStatus(403), mxListOf(mxFollower))},
	{name: "blocked's list", path: mxList(mxBlocked), expect: mxSignedIn(mxToLogin, mxListOf(mxBlocked))},
	{name: "blocked's list htmx", path: mxList(mxBlocked), htmx: true, expect: mxSignedIn(mxStatus(403), mxListOf(mxBlocked))},
	{name: "bookmarks", path: mxAt("/bookmarks"), expect: mxSignedIn(mxToLogin, mxListed)},
	{name: "bookmarks htmx", path: mxAt("/bookmarks"), htmx: true, expect: mxSignedIn(mxStatus(403), mxListed)},
	{name: "bookmarks htmx before", path: mxBefore("/bookmarks"), htmx: true, expect: mxSignedIn(mxStatus(403), mxListed)},
	{name: "notifications", path: mxAt("/notifications"), expect: mxSignedIn(mxToLogin, mxNotifiedOf(false))},
	{name: "notifications htmx", path: mxAt("/notifications"), htmx: true, expect: mxSignedIn(mxStatus(403), mxNotifiedOf(false))},
	{name: "notifications htmx before", path: mxBefore("/notifications"), htmx: true, expect: mxSignedIn(mxStatus(403), mxNotifiedOf(false))},
	{name: "notifications, reply", reply: true, path: mxAt("/notifications"), expect: mxSignedIn(mxToLogin, mxNotifiedOf(true))},
	{name: "notifications htmx, reply", reply: true, path: mxAt("/notifications"), htmx: true, expect: mxSignedIn(mxStatus(403), mxNotifiedOf(true))},
	{name: "notifications htmx before, reply", reply: true, path: mxBefore("/notifications"), htmx: true, expect: mxSignedIn(mxStatus(403), mxNotifiedOf(true))},

	// The post's own pages.
	{name: "permalink", path: mxPostAt(""), expect: mxPage},
	{name: "permalink htmx", path: mxPostAt(""), htmx: true, expect: mxPage},
	{name: "permalink, reply", reply: true, path: mxPostAt(""), expect: mxPage},
	{name: "permalink htmx, reply", reply: true, path: mxPostAt(""), htmx: true, expect: mxPage},
	// The thread of the public parent lists the reply to those who may
	// see it; under htmx it answers with the parent's card alone.
	{name: "parent's thread", reply: true, path: mxParent, expect: mxListed},
	{name: "parent's thread htmx", reply: true, path: mxParent, htmx: true, expect: mxNever},
	// The lists of likers and reposters link to the post but do not show
	// it: 404 for who may not see it.
	{name: "likes", path: mxPostAt("/likes"), expect: mxUsers},
	{name: "likes htmx", path: mxPostAt("/likes"), htmx: true, expect: mxUsers},
	{name: "reposts", path: mxPostAt("/reposts"), expect: mxUsers},
	{name: "reposts htmx", path: mxPostAt("/reposts"), htmx: true, expect: mxUsers},
	// The quotes of the post (quotes.go): the author quoted each public
	// and unlisted top-level post (unlisted quotes, so they stay off the
	// public listings), and a quote's card embeds the post. 404 for who
	// may not see the post.
	{name: "quotes", path: mxPostAt("/quotes"), expect: mxQuotes},
	{name: "quotes htmx", path: mxPostAt("/quotes"), htmx: true, expect: mxQuotes},
	{name: "quotes htmx before", path: mxQuotesBefore, htmx: true, expect: mxQuotes},
	{name: "quotes, reply", reply: true, path: mxPostAt("/quotes"), expect: mxUsers},
	// A post's poll is shown with its card, to who may see the post.
	{name: "permalink, poll", poll: true, path: mxPostAt(""), expect: mxPage},
	{name: "permalink htmx, poll", poll: true, path: mxPostAt(""), htmx: true, expect: mxPage},
	{name: "profile, poll", poll: true, path: mxAt("/@author"), expect: mxListed},
	// Its image, the display version and the thumbnail (media.go): the
	// file (whose bytes hold the post's word) to whoever may see the post,
	// else 404 as for no file at all.
	{name: "media", path: mxMedia(false), expect: mxPage},
	{name: "media thumbnail", path: mxMedia(true), expect: mxPage},
	{name: "media, reply", reply: true, path: mxMedia(false), expect: mxPage},
	{name: "media thumbnail, reply", reply: true, path: mxMedia(true), expect: mxPage},
	{name: "edit", path: mxPostAt("/edit"), expect: mxSignedIn(mxToLogin, mxOwn)},
	{name: "edit htmx", path: mxPostAt("/edit"), htmx: true, expect: mxSignedIn(mxStatus(403), mxOwn)},
	{name: "delete confirmation", path: mxPostAt("/delete"), expect: mxSignedIn(mxToLogin, mxOwn)},
	{name: "delete confirmation htmx", path: mxPostAt("/delete"), htmx: true, expect: mxSignedIn(mxStatus(403), mxOwn)},
	// A reply refused for being empty shows the thread it was meant for
	// (without htmx) or the reply box alone (under htmx).
	{name: "empty reply", method: http.MethodPost, path: mxAt("/posts"), form: mxEmptyReply, expect: mxSignedIn(mxStatus(403), mxReplyBox(true))},
	{name: "empty reply htmx", method: http.MethodPost, path: mxAt("/posts"), form: mxEmptyReply, htmx: true, expect: mxSignedIn(mxStatus(403), mxReplyBox(false))},

	// The badge: never any text, and a visitor is sent to log in, or under
	// htmx told to stop polling. Its count is checked once per viewer
	// (TestAuthorizationMatrix/unread badge).
	{name: "badge", path: mxAt("/notifications/badge"), expect: mxSignedIn(mxToLogin, mxNever)},
	{name: "badge htmx", path: mxAt("/notifications/badge"), htmx: true, expect: mxSignedIn(mxStatus(286), mxNever)},

	// Actions: their answers never carry the post; who may not see it
	// gets 404 as for a missing post. Side effects: keep these last.
	{name: "like", method: http.MethodPost, path: mxPostAt("/like"), expect: mxSignedIn(mxStatus(403), mxAction(http.StatusSeeOther))},
	{name: "like htmx", method: http.MethodPost, path: mxPostAt("/like"), htmx: true, expect: mxSignedIn(mxStatus(403), mxAction(http.StatusOK))},
	{name: "repost", method: http.MethodPost, path: mxPostAt("/repost"), expect: mxSignedIn(mxStatus(403), mxRepost(http.StatusSeeOther))},
	{name: "repost htmx", method: http.MethodPost, path: mxPostAt("/repost"), htmx: true, expect: mxSignedIn(mxStatus(403), mxRepost(http.StatusOK))},
	{name: "bookmark", method: http.MethodPost, path: mxPostAt("/bookmark"), expect: mxSignedIn(mxStatus(403), mxAction(http.StatusSeeOther))},
	{name: "bookmark htmx", method: http.MethodPost, path: mxPostAt("/bookmark"), htmx: true, expect: mxSignedIn(mxStatus(403), mxAction(http.StatusOK))},
	{name: "pin", method: http.MethodPost, path: mxPostAt("/pin"), expect: mxSignedIn(mxStatus(403), mxPin(http.StatusSeeOther))},
	{name: "pin htmx", method: http.MethodPost, path: mxPostAt("/pin"), htmx: true, expect: mxSignedIn(mxStatus(403), mxPin(http.StatusOK))},
	// Saving an edit (the same text again): under htmx the author gets the
	// card back.
	{name: "edit save", method: http.MethodPost, path: mxPostAt("/edit"), form: mxSameText, expect: mxSignedIn(mxStatus(403), mxEdit(mxStatus(http.StatusSeeOther)))},
	{name: "edit save htmx", method: http.MethodPost, path: mxPostAt("/edit"), form: mxSameText, htmx: true, expect: mxSignedIn(mxStatus(403), mxEdit(mxShow(true)))},
	// Quoting (quotes.go): only public and unlisted posts, and only what
	// the viewer may see (404 as for a missing post, the compose box
	// without it); a refusal shows the post only to who may see it.
	{name: "quote", method: http.MethodPost, path: mxAt("/posts"), form: mxQuoteOf, expect: mxSignedIn(mxStatus(403), mxQuote)},
	// Voting (polls.go), on the posts with a poll, whose first answer
	// holds the post's word. Who may not see the post gets 404 as for a
	// missing one. Under htmx the answer is the poll itself, with its
	// results (403 for the author's own); then, without htmx, the second
	// vote (or the author's) is refused with a flash, back to the page.
	{name: "vote htmx, poll", poll: true, method: http.MethodPost, path: mxPostAt("/vote"), form: mxChoice, htmx: true, expect: mxSignedIn(mxStatus(403), mxVote)},
	{name: "vote, poll", poll: true, method: http.MethodPost, path: mxPostAt("/vote"), form: mxChoice, expect: mxSignedIn(mxStatus(403), mxAction(http.StatusSeeOther))},
}

func mxChoice(*matrixFixture, matrixPost) url.Values { return url.Values{"choice": {"0"}} }

// mxVote is the poll a vote answers with under htmx.
func mxVote(vis storage.Visibility, v matrixViewer) mxOutcome {
	switch {
	case !mxMayView(vis, v):
		return mxStatus(http.StatusNotFound)
	case v == mxAuthor:
		return mxOutcome{status: http.StatusForbidden, shows: true}
	}
	return mxShow(true)
}

// mxQuotes is the page of a post's quotes: only public and unlisted
// posts have any (each quote shows the post); 404 for who may not see
// the post.
func mxQuotes(vis storage.Visibility, v matrixViewer) mxOutcome {
	if !mxMayView(vis, v) {
		return mxStatus(http.StatusNotFound)
	}
	return mxShow(mxRepostable(vis))
}

func mxQuotesBefore(fx *matrixFixture, p matrixPost) string {
	return p.link + "/quotes?before=" + fx.cursor
}

func mxQuoteOf(_ *matrixFixture, p matrixPost) url.Values {
	return url.Values{"body": {"quoting"}, "quote_of": {p.id}}
}

// mxQuote: a post the viewer may see and that may be quoted is quoted
// (303); one they may see but not quote is refused, with the compose box
// showing it (403); one they may not see is missing (404).
func mxQuote(vis storage.Visibility, v matrixViewer) mxOutcome {
	switch {
	case !mxMayView(vis, v):
		return mxStatus(http.StatusNotFound)
	case !mxRepostable(vis):
		return mxOutcome{status: http.StatusForbidden, shows: true}
	}
	return mxStatus(http.StatusSeeOther)
}

// matrixRoute is one row of the matrix: a request and, for each visibility
// and viewer, the outcome.
type matrixRoute struct {
	name string
	// reply makes the row about the author's reply to the stranger's
	// public post, instead of the author's top-level post; poll about
	// the author's post with a poll.
	reply, poll bool
	// path is the address to ask, for the post of the cell.
	path func(fx *matrixFixture, p matrixPost) string
	// form is the body of a POST; nil sends none.
	form func(fx *matrixFixture, p matrixPost) url.Values
	// htmx sends HX-Request: true.
	htmx bool
	// method is GET when empty.
	method string
	expect func(vis storage.Visibility, v matrixViewer) mxOutcome
}

// mxOutcome is what a viewer gets: a status, and the post's word in the
// answer or not.
type mxOutcome struct {
	status int
	shows  bool
}

func (o mxOutcome) String() string {
	if o.shows {
		return fmt.Sprintf("%d with the post", o.status)
	}
	return fmt.Sprintf("%d without the post", o.status)
}

type matrixViewer string

// The viewers, by their usernames.
const (
	mxAnonymous matrixViewer = "anonymous" // not logged in
	mxStranger  matrixViewer = "stranger"  // wrote the public post the replies answer
	mxFollower  matrixViewer = "follower"  // follows the author
	mxMentioned matrixViewer = "mentioned" // mentioned in every post, does not follow
	mxBlocked   matrixViewer = "blocked"   // followed and bookmarked, then the author blocked them
	mxAuthor    matrixViewer = "author"
)

var (
	matrixViewers      = []matrixViewer{mxAnonymous, mxStranger, mxFollower, mxMentioned, mxBlocked, mxAuthor}
	matrixVisibilities = []storage.Visibility{storage.Public, storage.Unlisted, storage.FollowersOnly, storage.Direct}
)

// --- the rules, written out for the fixture ---

// mxMayView is storage/access.go's rule for the fixture's viewers.
func mxMayView(vis storage.Visibility, v matrixViewer) bool {
	switch v {
	case mxAuthor:
		return true
	case mxBlocked:
		return false
	}
	switch vis {
	case storage.Public, storage.Unlisted:
		return true
	case storage.FollowersOnly:
		return v == mxFollower || v == mxMentioned
	}
	return v == mxMentioned
}

func mxRepostable(vis storage.Visibility) bool {
	return vis == storage.Public || vis == storage.Unlisted
}

// mxNotified tells whether v has a notification about the post: every post
// mentions the mentioned user; every reply answers the stranger's post;
// the author hears of the stranger's reposts (of the public and unlisted
// top-level posts).
func mxNotified(reply bool, vis storage.Visibility, v matrixViewer) bool {
	switch v {
	case mxMentioned:
		return true
	case mxStranger:
		return reply
	case mxAuthor:
		return !reply && mxRepostable(vis)
	}
	return false
}

func mxShow(ok bool) mxOutcome      { return mxOutcome{status: http.StatusOK, shows: ok} }
func mxStatus(status int) mxOutcome { return mxOutcome{status: status} }
func mxHome(vis storage.Visibility, v matrixViewer) mxOutcome {
	switch v {
	case mxAnonymous:
		return mxLocal(vis, v) // a visitor's home is the local timeline
	case mxAuthor, mxFollower:
		return mxShow(mxMayView(vis, v))
	case mxStranger:
		return mxReposted(vis, v) // their own reposts
	}
	return mxShow(false) // they do not follow the author
}

// mxToLogin is a visitor's answer on a page for members.
var mxToLogin = mxStatus(http.StatusSeeOther)

func mxLocal(vis storage.Visibility, v matrixViewer) mxOutcome {
	return mxShow(vis == storage.Public && mxMayView(vis, v))
}

func mxListed(vis storage.Visibility, v matrixViewer) mxOutcome { return mxShow(mxMayView(vis, v)) }

func mxReposted(vis storage.Visibility, v matrixViewer) mxOutcome {
	return mxShow(mxRepostable(vis) && mxMayView(vis, v))
}

func mxNever(storage.Visibility, matrixViewer) mxOutcome { return mxShow(false) }

// mxListOf is the timeline of owner's list of the author: to its owner,
// the top-level posts the owner may see (the list shows replies to its
// members only, and the replies answer the stranger); to other members,
// 404.
func mxListOf(owner matrixViewer) func(storage.Visibility, matrixViewer) mxOutcome {
	return func(vis storage.Visibility, v matrixViewer) mxOutcome {
		if v == owner {
			return mxShow(mxMayView(vis, v))
		}
		return mxStatus(http.StatusNotFound)
	}
}

// mxPage is a page of the post's own: it, or 404.
func mxPage(vis storage.Visibility, v matrixViewer) mxOutcome {
	if mxMayView(vis, v) {
		return mxShow(true)
	}
	return mxStatus(http.StatusNotFound)
}

// mxUsers is a list of likers or reposters: no post, or 404.
func mxUsers(vis storage.Visibility, v matrixViewer) mxOutcome {
	if mxMayView(vis, v) {
		return mxShow(false)
	}
	return mxStatus(http.StatusNotFound)
}

// mxOwn is a page for the author only: 403 for others who may see the
// post, 404 for those who may not.
func mxOwn(vis storage.Visibility, v matrixViewer) mxOutcome {
	switch {
	case v == mxAuthor:
		return mxShow(true)
	case mxMayView(vis, v):
		return mxStatus(http.StatusForbidden)
	}
	return mxStatus(http.StatusNotFound)
}

func mxNotifiedOf(reply bool) func(storage.Visibility, matrixViewer) mxOutcome {
	return func(vis storage.Visibility, v matrixViewer) mxOutcome {
		return mxShow(mxNotified(reply, vis, v) && mxMayView(vis, v))
	}
}

func mxReplyBox(withThread bool) func(storage.Visibility, matrixViewer) mxOutcome {
	return func(vis storage.Visibility, v matrixViewer) mxOutcome {
		if !mxMayView(vis, v) {
			return mxStatus(http.StatusNotFound)
		}
		return mxOutcome{status: http.StatusBadRequest, shows: withThread}
	}
}

func mxAction(ok int) func(storage.Visibility, matrixViewer) mxOutcome {
	return func(vis storage.Visibility, v matrixViewer) mxOutcome {
		if !mxMayView(vis, v) {
			return mxStatus(http.StatusNotFound)
		}
		return mxStatus(ok)
	}
}

// mxRepost: followers-only and direct posts cannot be reposted, not
// even by their author.
func mxRepost(ok int) func(storage.Visibility, matrixViewer) mxOutcome {
	return func(vis storage.Visibility, v matrixViewer) mxOutcome {
		switch {
		case !mxMayView(vis, v):
			return mxStatus(http.StatusNotFound)
		case !mxRepostable(vis):
			return mxStatus(http.StatusForbidden)
		}
		return mxStatus(ok)
	}
}

// mxPin: only the author pins, and not a direct post.
func mxPin(ok int) func(storage.Visibility, matrixViewer) mxOutcome {
	return func(vis storage.Visibility, v matrixViewer) mxOutcome {
		switch {
		case !mxMayView(vis, v):
			return mxStatus(http.StatusNotFound)
		case v != mxAuthor:
			return mxStatus(http.StatusForbidden)
		case vis == storage.Direct:
			return mxStatus(http.StatusBadRequest)
		}
		return mxStatus(ok)
	}
}

// mxEdit: the author's edit is saved (answered with own); others get 403
// if they may see the post, else 404.
func mxEdit(own mxOutcome) func(storage.Visibility, matrixViewer) mxOutcome {
	return func(vis storage.Visibility, v matrixViewer) mxOutcome {
		switch {
		case v == mxAuthor:
			return own
		case mxMayView(vis, v):
			return mxStatus(http.StatusForbidden)
		}
		return mxStatus(http.StatusNotFound)
	}
}

// mxSignedIn answers visitors with anon, and members by f.
func mxSignedIn(anon mxOutcome, f func(storage.Visibility, matrixViewer) mxOutcome) func(storage.Visibility, matrixViewer) mxOutcome {
	return func(vis storage.Visibility, v matrixViewer) mxOutcome {
		if v == mxAnonymous {
			return anon
		}
		return f(vis, v)
	}
}

// --- addresses ---

func mxAt(path string) func(*matrixFixture, matrixPost) string {
	return func(*matrixFixture, matrixPost) string { return path }
}

func mxBefore(path string) func(*matrixFixture, matrixPost) string {
	return func(fx *matrixFixture, _ matrixPost) string { return path + "?before=" + fx.cursor }
}

func mxPostAt(suffix string) func(*matrixFixture, matrixPost) string {
	return func(_ *matrixFixture, p matrixPost) string { return p.link + suffix }
}

func mxTag(_ *matrixFixture, p matrixPost) string { return "/tags/" + p.tag }

func mxTagBefore(fx *matrixFixture, p matrixPost) string {
	return "/tags/" + p.tag + "?before=" + fx.cursor
}

func mxParent(fx *matrixFixture, _ matrixPost) string { return fx.parent }

func mxList(owner matrixViewer) func(*matrixFixture, matrixPost) string {
	return func(fx *matrixFixture, _ matrixPost) string { return "/lists/" + fx.lists[owner] }
}

func mxListBefore(owner matrixViewer) func(*matrixFixture, matrixPost) string {
	return func(fx *matrixFixture, _ matrixPost) string {
		return "/lists/" + fx.lists[owner] + "?before=" + fx.cursor
	}
}

// mxMedia is the address of the post's image: its display version or its
// thumbnail.
func mxMedia(thumb bool) func(*matrixFixture, matrixPost) string {
	return func(_ *matrixFixture, p matrixPost) string {
		if thumb {
			return p.thumb
		}
		return p.media
	}
}

func mxSameText(_ *matrixFixture, p matrixPost) url.Values {
	return url.Values{"body": {p.source}}
}

func mxEmptyReply(_ *matrixFixture, p matrixPost) url.Values {
	return url.Values{"body": {""}, "in_reply_to": {p.id}}
}

// --- the fixture ---

// matrixPost is one of the author's posts.
type matrixPost struct {
	link string // "/@author/ID"
	id   string
	word string // in its body, and in no other post or page
	// source is its Markdown.
	source string
	tag    string // its hashtag, its own
	// media and thumb are the addresses of its image ("/media/HASH.EXT").
	media, thumb string
}

type matrixFixture struct {
	srv *testServer
	// as holds a client per viewer, signed in as them (but the visitor).
	as         map[matrixViewer]*client
	top, reply map[storage.Visibility]matrixPost
	// poll holds a post with a poll of each visibility (mentioning
	// @mentioned, without an image).
	poll map[storage.Visibility]matrixPost
	// parent is the permalink of the stranger's public post that every
	// reply answers.
	parent string
	// lists are the IDs of the follower's and the blocked user's lists
	// of the author.
	lists map[matrixViewer]string
	// cursor is an ID newer than every post and notification of the
	// fixture; missing is a well-formed ID that no post has.
	cursor, missing string
}

func (fx *matrixFixture) post(row matrixRoute, vis storage.Visibility) matrixPost {
	if row.poll {
		return fx.poll[vis]
	}
	if row.reply {
		return fx.reply[vis]
	}
	return fx.top[vis]
}

// newMatrixFixture builds the world of the matrix. The author publishes
// through the compose form, as a member would: for each visibility a
// top-level post and a reply to the stranger's public post, each
// mentioning @mentioned. Then: the stranger reposts what can be reposted;
// the author pins what can be pinned; every member bookmarks every post
// they may see; last, the author blocks "blocked", who followed them until
// then.
func newMatrixFixture(t *testing.T) *matrixFixture {
	t.Helper()
	srv := newTestServer(t)
	fx := &matrixFixture{
		srv:   srv,
		as:    map[matrixViewer]*client{},
		top:   map[storage.Visibility]matrixPost{},
		reply: map[storage.Visibility]matrixPost{},
		poll:  map[storage.Visibility]matrixPost{},
		lists: map[matrixViewer]string{},
	}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	users := map[matrixViewer]storage.User{}
	for _, v := range matrixViewers {
		c := srv.newClient(t)
		if v != mxAnonymous {
			users[v] = newUser(t, srv.db, string(v))
			c.login(string(v), "password-"+string(v))
		}
		fx.as[v] = c
	}
	author := users[mxAuthor]
	for _, v := range []matrixViewer{mxFollower, mxBlocked} {
		state, err := srv.db.Follow(users[v].ID, author.ID)
		must("follow", err)
		if state != storage.Followed {
			t.Fatalf("%s follows the author: got state %v, want Followed", v, state)
		}
	}
	parent := newPost(t, srv.db, users[mxStranger], "Where shall we meet? mxparentword")
	fx.parent = "/@stranger/" + parent.ID.String()
	for _, vis := range matrixVisibilities {
		fx.top[vis] = fx.publish(t, users, vis, "mxtop", "")
		fx.reply[vis] = fx.publish(t, users, vis, "mxreply", parent.ID.String())
		fx.poll[vis] = fx.publish(t, users, vis, "mxpoll", "")
	}
	for _, vis := range matrixVisibilities {
		id := mxID(t, fx.top[vis].id)
		if mxRepostable(vis) {
			_, err := srv.db.Repost(users[mxStranger].ID, id, func(id storage.ID) string { return testBaseURL + "/r/" + id.String() })
			must("repost", err)
		}
		if vis != storage.Direct {
			must("pin", srv.db.Pin(author.ID, id))
		}
		if mxRepostable(vis) {
			resp := fx.as[mxAuthor].postForm("/posts", url.Values{"body": {"quoting myself"}, "visibility": {"unlisted"}, "quote_of": {id.String()}}, nil)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("quote %s: got status %d, want 303", fx.top[vis].word, resp.StatusCode)
			}
		}
	}
	// Bookmarks, made while the posts were visible: the blocked user still
	// followed, so saw the followers-only posts.
	for _, v := range matrixViewers[1:] {
		for _, vis := range matrixVisibilities {
			for _, p := range []matrixPost{fx.top[vis], fx.reply[vis]} {
				err := srv.db.Bookmark(users[v].ID, mxID(t, p.id))
				could := mxMayView(vis, v) || (v == mxBlocked && mxMayView(vis, mxFollower))
				switch {
				case could && err != nil:
					t.Fatalf("%s bookmarks %s: %v", v, p.word, err)
				case !could && !errors.Is(err, storage.ErrNotFound):
					t.Fatalf("%s bookmarks %s, which they may not see: got %v, want ErrNotFound", v, p.word, err)
				}
			}
		}
	}
	for _, v := range []matrixViewer{mxFollower, mxBlocked} {
		l := storage.List{OwnerID: users[v].ID, Title: "the author"}
		must("create list", srv.db.CreateList(&l))
		must("add to list", srv.db.AddListMembers(users[v].ID, l.ID, []storage.ID{author.ID}))
		fx.lists[v] = l.ID.String()
	}
	must("block", srv.db.Block(author.ID, users[mxBlocked].ID))
	fx.cursor = srv.db.NewID().String()
	fx.missing = srv.db.NewID().String()
	return fx
}

// publish sends the author's compose form and returns the new post, after
// checking storage kept what the matrix relies on.
func (fx *matrixFixture) publish(t *testing.T, users map[matrixViewer]storage.User, vis storage.Visibility, kind, inReplyTo string) matrixPost {
	t.Helper()
	word, tag := kind+string(vis), kind+"tag"+string(vis)
	form := url.Values{"body": {fmt.Sprintf("%s #%s for @mentioned", word, tag)}, "visibility": {string(vis)}}
	if kind == "mxpoll" {
		return fx.publishPoll(t, users, form, word, tag)
	}
	// Each post carries an image of its own, uploaded beforehand as the
	// compose box does. Its bytes hold the post's word (storage does not
	// need them to be a picture), so serving the file shows the post.
	up, err := fx.srv.db.PutUpload(users[mxAuthor].ID,
		storage.File{Data: []byte("image of " + word), ContentType: "image/jpeg", Width: 8, Height: 6},
		storage.File{Data: []byte("thumbnail of " + word), ContentType: "image/png", Width: 4, Height: 3}, false)
	if err != nil {
		t.Fatalf("upload the image of %s: %v", word, err)
	}
	form.Set("media", up.Display)
	form.Set("media_alt", "")
	if inReplyTo != "" {
		form.Set("in_reply_to", inReplyTo)
	}
	resp := fx.as[mxAuthor].postForm("/posts", form, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish %s: got status %d, want 303: %s", word, resp.StatusCode, resp.body)
	}
	author := users[mxAuthor]
	tl, err := fx.srv.db.AuthorTimeline(author.ID, author.ID, true, storage.Page{Limit: 1})
	if err != nil || len(tl.Entries) != 1 {
		t.Fatalf("newest post of the author: %d entries, %v", len(tl.Entries), err)
	}
	p := tl.Entries[0].Post
	replyOK := (inReplyTo == "" && p.InReplyTo == 0) || (inReplyTo != "" && p.InReplyTo.String() == inReplyTo)
	if !strings.Contains(p.Source, word) || p.Visibility != vis || !replyOK ||
		!slices.Contains(p.Mentions, users[mxMentioned].ID) || !slices.Contains(p.Tags, tag) ||
		len(p.Attachments) != 1 || p.Attachments[0].Display != up.Display {
		t.Fatalf("stored %s: source %q visibility %q reply to %v mentions %v tags %v attachments %v",
			word, p.Source, p.Visibility, p.InReplyTo, p.Mentions, p.Tags, p.Attachments)
	}
	return matrixPost{link: "/@author/" + p.ID.String(), id: p.ID.String(), word: word, tag: tag, source: p.Source,
		media: "/media/" + up.Display + ".jpg", thumb: "/media/" + up.Thumb + ".png"}
}

// publishPoll publishes the post of form with a poll (a post cannot have
// both a poll and images) whose first answer holds the post's word.
func (fx *matrixFixture) publishPoll(t *testing.T, users map[matrixViewer]storage.User, form url.Values, word, tag string) matrixPost {
	t.Helper()
	form["poll_option"] = []string{"yes " + word, "no"}
	form.Set("poll_duration", "86400")
	if resp := fx.as[mxAuthor].postForm("/posts", form, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish %s: got status %d, want 303: %s", word, resp.StatusCode, resp.body)
	}
	author := users[mxAuthor]
	tl, err := fx.srv.db.AuthorTimeline(author.ID, author.ID, true, storage.Page{Limit: 1})
	if err != nil || len(tl.Entries) != 1 {
		t.Fatalf("newest post of the author: %d entries, %v", len(tl.Entries), err)
	}
	p := tl.Entries[0].Post
	if !strings.Contains(p.Source, word) || p.Poll == nil || len(p.Poll.Options) != 2 || !slices.Contains(p.Mentions, users[mxMentioned].ID) {
		t.Fatalf("stored %s: source %q poll %+v mentions %v", word, p.Source, p.Poll, p.Mentions)
	}
	return matrixPost{link: "/@author/" + p.ID.String(), id: p.ID.String(), word: word, tag: tag, source: p.Source}
}

func mxID(t *testing.T, s string) storage.ID {
	t.Helper()
	id, err := storage.ParseID(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// ask sends the row's request as viewer v.
func (fx *matrixFixture) ask(v matrixViewer, row matrixRoute, path string, form url.Values) *response {
	var hdr http.Header
	if row.htmx {
		hdr = htmxHeader()
	}
	c := fx.as[v]
	if row.method == http.MethodPost {
		return c.postForm(path, form, hdr)
	}
	return c.do(http.MethodGet, path, nil, hdr)
}

// mxAnswer is everything a response tells: headers and body.
func mxAnswer(r *response) string {
	var b strings.Builder
	for k, vs := range r.Header {
		fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(vs, ", "))
	}
	b.WriteString(r.body)
	return b.String()
}

func (fx *matrixFixture) check(t *testing.T, row matrixRoute, vis storage.Visibility, v matrixViewer) {
	t.Helper()
	p := fx.post(row, vis)
	path := row.path(fx, p)
	var form url.Values
	if row.form != nil {
		form = row.form(fx, p)
	}
	want := row.expect(vis, v)
	resp := fx.ask(v, row, path, form)
	got := mxOutcome{status: resp.StatusCode, shows: strings.Contains(mxAnswer(resp), p.word)}
	if got != want {
		t.Errorf("%s %s as %s, %s post: got %v, want %v", mxMethod(row), path, v, vis, got, want)
	}
	if want.status != http.StatusNotFound || got.status != http.StatusNotFound {
		return
	}
	// A hidden post answers as a missing one: same status, same page.
	mpath := strings.ReplaceAll(path, p.id, fx.missing)
	var mform url.Values
	for k, vs := range form {
		if mform == nil {
			mform = url.Values{}
		}
		for _, s := range vs {
			mform.Add(k, strings.ReplaceAll(s, p.id, fx.missing))
		}
	}
	if mpath == path && mform.Encode() == form.Encode() {
		return
	}
	missing := fx.ask(v, row, mpath, mform)
	if missing.StatusCode != resp.StatusCode {
		t.Errorf("%s %s as %s: got status %d for the hidden post but %d for a missing one", mxMethod(row), path, v, resp.StatusCode, missing.StatusCode)
	}
	hidden, gone := strings.ReplaceAll(resp.body, p.id, "ID"), strings.ReplaceAll(missing.body, fx.missing, "ID")
	if hidden != gone {
		t.Errorf("%s %s as %s: the hidden post's page differs from a missing post's:\n%s\n--- missing:\n%s", mxMethod(row), path, v, hidden, gone)
	}
}

func mxMethod(row matrixRoute) string {
	m := row.method
	if m == "" {
		m = http.MethodGet
	}
	if row.htmx {
		m += " (htmx)"
	}
	return m
}

// mxUnread reads the count of the badge fragment, 0 when empty.
func mxUnread(t *testing.T, c *client) int {
	t.Helper()
	resp := c.getHX("/notifications/badge")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("badge: got status %d", resp.StatusCode)
	}
	badge := oneByTestID(t, resp.Doc(), "notif-badge")
	count := findAll(badge, func(n *htmlNode) bool { return hasClass(n, "count") })
	if len(count) == 0 {
		return 0
	}
	var n int
	if _, err := fmt.Sscan(text(count[0]), &n); err != nil {
		t.Fatalf("badge count %q: %v", text(count[0]), err)
	}
	return n
}

func TestAuthorizationMatrix(t *testing.T) {
	start := time.Now()
	fx := newMatrixFixture(t)

	// Before anything opens the notifications (which reads them): the
	// badge counts what each member may see, and nothing else.
	t.Run("unread badge", func(t *testing.T) {
		for _, v := range matrixViewers[1:] {
			want := 0
			if v == mxAuthor {
				want = 1 // the follower's follow; the blocked user's is hidden
			}
			for _, vis := range matrixVisibilities {
				for _, reply := range []bool{false, true} {
					if mxNotified(reply, vis, v) && mxMayView(vis, v) {
						want++
					}
				}
				if v == mxMentioned {
					want++ // the post with a poll mentions them too
				}
			}
			if got := mxUnread(t, fx.as[v]); got != want {
				t.Errorf("%s: got %d unread, want %d", v, got, want)
			}
		}
	})

	cells := 0
	for _, row := range matrixRoutes {
		t.Run(row.name, func(t *testing.T) {
			for _, vis := range matrixVisibilities {
				t.Run(string(vis), func(t *testing.T) {
					for _, v := range matrixViewers {
						cells++
						t.Run(string(v), func(t *testing.T) { fx.check(t, row, vis, v) })
					}
				})
			}
		})
	}
	t.Logf("%d routes × %d visibilities × %d viewers = %d cells in %v",
		len(matrixRoutes), len(matrixVisibilities), len(matrixViewers), cells, time.Since(start).Round(time.Millisecond))
}
