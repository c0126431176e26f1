package views

// QuoteView is what a card shows of the post it quotes: the post itself
// (Embed), a link to it (consent not given or not verified yet), or that
// its author removed it; nothing at all when it is gone or hidden from
// the viewer (Post.Quote nil).
type QuoteView struct {
	// Embed is the quoted post, when its author consented and the
	// viewer may see it.
	Embed *QuotedPost
	// LinkURL is the quoted post's address, shown as a link instead.
	LinkURL string
	// Removed: the quoted author detached their post.
	Removed bool
	// DetachURL is set for the quoted post's author: the form that
	// removes their post from this quote. Card is the quoting card.
	DetachURL, Card string
}

// QuotedPost is a quoted post in small: its author and text.
type QuotedPost struct {
	URL, AuthorName, Handle, AuthorURL string
	// AuthorNameHTML is AuthorName with its custom emoji as pictures
	// ("" when it has none).
	AuthorNameHTML       string
	HTML, ContentWarning string
	Time                 Time
}

// ComposeQuote is the quote part of the compose box: the post quoted
// (with its ID in a hidden field) and who may quote the new post.
type ComposeQuote struct {
	QuoteOf  string
	Quoted   *QuotedPost
	Policy   string
	Policies []Option
}

// Quotes is the page of the quotes of a post: a link back to it, and the
// posts that quote it.
type Quotes struct {
	Heading  string
	Post     Post
	Timeline Timeline
}
