package views

// PollView is a post's poll as the card shows it to one viewer: a form of
// radio buttons or checkboxes while they may vote, else the results
// (hidden until they voted or the poll ended; its author always sees
// them).
type PollView struct {
	// URL is the vote form's action; Card the element id of the card.
	URL, Card string
	Options   []PollOptionView
	Multiple  bool
	// CanVote: signed in, not the author, not voted yet, still open.
	CanVote bool
	// ShowResults: voted, the author, or ended.
	ShowResults bool
	Closed      bool
	Voted       bool
	EndsAt      Time
	Voters      int
	// LoginURL is set for a visitor: voting asks to sign in.
	LoginURL string
	// Error says why a vote was refused (shown in the poll).
	Error string
}

// PollOptionView is one answer of a poll.
type PollOptionView struct {
	Index   int
	Title   string
	Votes   int
	Percent int
	// Chosen: the viewer voted for it.
	Chosen bool
}

// ComposePoll is the poll part of the compose box: as many option fields
// as the instance allows, the choice of one or several answers, and how
// long it stays open.
type ComposePoll struct {
	// Open keeps the section open (a draft shown again with its poll).
	Open      bool
	Options   []string
	Multiple  bool
	Duration  string
	Durations []Option
}
