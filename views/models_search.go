package views

import "majlis/search"

// Search is the search page: what was asked, and what was found.
type Search struct {
	Query string
	// Asked is set once there is a query to answer.
	Asked bool
	// First is set on the first page of results, which shows people,
	// tags and the remote lookup above the posts; later pages are posts.
	First bool
	// Lookup offers to look the query (an address of someone or of a
	// post on another server) up over federation; "" when it is none.
	Lookup string
	People []UserItem
	Tags   []SearchTag
	Hits   []SearchHit
	// Highlight marks the query's words in the hits' excerpts.
	Highlight *search.Highlighter
	// MoreURL is the next page of posts, "" on the last.
	MoreURL string
}

// SearchTag is a hashtag found by its prefix, with its count of public
// posts (Many: at least that many).
type SearchTag struct {
	Name, URL string
	Posts     int
	Many      bool
}

// SearchHit is a post found: its header as timelines show it, and an
// excerpt of its text (Text: what search reads of the post, its content
// warning and body) with the matched words marked.
type SearchHit struct {
	Post Post
	Text string
}
