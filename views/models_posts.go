package views

// View models of conversations: threads, the action bar of a post, edits,
// who liked or reposted, tags and bookmarks.

// UserRef is a short link to an account, as a line of a card shows it
// ("reposted by NAME", "Replying to @handle").
type UserRef struct {
	Name   string
	Handle string
	URL    string
	// NameHTML is Name with its custom emoji as pictures (sanitized), ""
	// when it has none (emoji.templ's displayName).
	NameHTML string
}

// Actions is the action bar under a post: reply, like, repost, bookmark,
// and for the author pin, edit and delete. Under HTMX each action answers
// with this bar alone, swapped in place of the old one.
type Actions struct {
	// URL is the post's permalink; every action URL is built from it.
	URL string
	// Card is the element id of the card the bar belongs to, sent back with
	// each action so that the answer (and the redirect without JavaScript)
	// finds the same card.
	Card string
	// SignedIn is false for visitors, who get links to log in instead of
	// buttons (LoginURL).
	SignedIn bool
	LoginURL string

	Replies, Likes, Reposts     int
	Liked, Reposted, Bookmarked bool
	// CanRepost: the post is public or unlisted.
	CanRepost bool
	// Own: the viewer wrote the post (edit, delete, pin).
	Own bool
	// CanPin: own, and not for mentioned people only; Pinned: it is on the
	// viewer's profile now.
	CanPin bool
	Pinned bool
	// QuoteURL opens the compose box quoting the post, "" when it cannot
	// be quoted (quotes.templ).
	QuoteURL string
	// QuotesURL is the page of the post's quotes, which counts Quotes;
	// set on its permalink only (quotes.templ).
	QuotesURL string
	Quotes    int
}

// Tab is one of a profile's timelines.
type Tab struct {
	Label   string
	URL     string
	Current bool
	TestID  string
}

// Edit is an earlier version of a post, in its edit history.
type Edit struct {
	HTML           string
	ContentWarning string
	// Time is when that version was written.
	Time Time
}

// Thread is a permalink page: the post with its conversation.
type Thread struct {
	// Ancestors are the posts above, oldest first.
	Ancestors []ThreadItem
	// Post is the focused post.
	Post Post
	// Replies are its direct replies, oldest first, each with its first
	// few replies.
	Replies []ReplyBranch
	// MoreReplies is set when there are more direct replies than shown.
	MoreReplies bool
	// Reply is the reply box, nil for visitors (who get LoginURL).
	Reply    *Compose
	LoginURL string
}

// ThreadItem is a post above the focused one; Missing stands for a post
// that was deleted or that the viewer may not see.
type ThreadItem struct {
	Post    Post
	Missing bool
}

// ReplyBranch is a direct reply with its first replies nested one level.
// More counts its further replies, on its own permalink.
type ReplyBranch struct {
	Post     Post
	Children []Post
	More     int
}

// EditForm edits a post's text and content warning.
type EditForm struct {
	// Post is the card being edited (its header and element id).
	Post           Post
	Action         string
	Body           string
	ContentWarning string
	Error          string
	Count          Counter
	// Inline is set when the form took a card's place under HTMX: Cancel
	// then swaps the card back.
	Inline bool
	// Images are the post's images, shown while editing with a field for
	// each description (Alt is the description as typed); MaxAlt is the
	// longest description.
	Images []Image
	MaxAlt int
}

// Interactions is a page of the accounts that liked or reposted a post.
type Interactions struct {
	Heading string
	// Post is the post they liked or reposted.
	Post  Post
	Users UserList
}

// composeID is the element id of a compose form.
func composeID(c Compose) string {
	if c.FormID != "" {
		return c.FormID
	}
	return "compose"
}
