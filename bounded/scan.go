package bounded

import "io"

// scanner stands between the input and the JSON tokenizer. It follows the
// JSON grammar just far enough to know what each byte belongs to (a
// string, a number or literal, the nesting), counts what the tokenizer
// would have to hold, and fails the read the moment a count passes its
// budget. The tokenizer keeps at most one token in its buffer, and every
// token the scanner passes on is at most Limits.String bytes, so the
// tokenizer's memory is bounded whatever the input.
//
// The scanner does not judge the grammar: the tokenizer does, and stops
// at the first wrong byte. On malformed input the scanner's guesses may be
// wrong, but its counts are counts of bytes it let through, so the budgets
// hold all the same.
type scanner struct {
	r io.Reader
	l Limits

	n     int64   // bytes let through
	state uint8   // what the next byte belongs to
	tok   int     // bytes of the current string or scalar so far
	open  []level // the arrays and objects open, outermost first
	entry int64   // bytes of the current entry of an outermost array
	err   error   // sticky: once refused, always refused
}

// level is an open array or object.
type level struct {
	array bool
	items int // elements or members begun so far
}

const (
	between  uint8 = iota // white space, punctuation, or a value to begin
	inString              // after an opening quote
	inEscape              // after a backslash in a string
	inScalar              // in a number or a literal (true, false, null)
)

func (s *scanner) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	// Never take more than one byte past the budget from the input.
	if rest := s.l.Bytes - s.n + 1; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := s.r.Read(p)
	if i, serr := s.scan(p[:n]); serr != nil {
		s.err = serr
		if i > 0 {
			return i, nil // the bytes before the refusal; the next read refuses
		}
		return 0, serr
	}
	return n, err
}

// scan counts the bytes of b; on a refusal it returns how many came
// before the refused byte.
func (s *scanner) scan(b []byte) (int, error) {
	for i := 0; i < len(b); i++ {
		if s.state == inString {
			// Most of JSON is the plain bytes of strings: count them in
			// bulk, as far as the budgets allow; a byte past a budget is
			// left to the byte by byte count below, which refuses it.
			run := 0
			for i+run < len(b) && b[i+run] != '"' && b[i+run] != '\\' {
				run++
			}
			fit := min(int64(run), s.l.Bytes-s.n, int64(s.l.String-s.tok))
			entries := s.l.Entry > 0 && len(s.open) > 0 && s.open[0].array
			if entries {
				fit = min(fit, s.l.Entry-s.entry)
				s.entry += fit
			}
			s.n += fit
			s.tok += int(fit)
			if i += int(fit); i == len(b) {
				break
			}
		}
		c := b[i]
		s.n++
		if s.n > s.l.Bytes {
			return i, s.refuse(TooManyBytes, s.l.Bytes)
		}
		if s.l.Entry > 0 && len(s.open) > 0 && s.open[0].array {
			if s.entry++; s.entry > s.l.Entry {
				return i, s.refuse(EntryTooLarge, s.l.Entry)
			}
		}
		switch s.state {
		case inString:
			switch c {
			case '"':
				s.state = between
				continue
			case '\\':
				s.state = inEscape
			}
			if s.tok++; s.tok > s.l.String {
				return i, s.refuse(StringTooLong, int64(s.l.String))
			}
			continue
		case inEscape:
			s.state = inString
			if s.tok++; s.tok > s.l.String {
				return i, s.refuse(StringTooLong, int64(s.l.String))
			}
			continue
		case inScalar:
			if !delimiter(c) {
				if s.tok++; s.tok > s.l.String {
					return i, s.refuse(StringTooLong, int64(s.l.String))
				}
				continue
			}
			s.state = between // and c is read below
		}
		switch c {
		case ' ', '\t', '\n', '\r', ':':
		case '"':
			if err := s.begin(); err != nil {
				return i, err
			}
			s.state, s.tok = inString, 0
		case '[', '{':
			if err := s.begin(); err != nil {
				return i, err
			}
			if len(s.open) == s.l.Depth {
				return i, s.refuse(TooDeep, int64(s.l.Depth))
			}
			s.open = append(s.open, level{array: c == '['})
			if len(s.open) == 1 {
				s.entry = 0
			}
		case ']', '}':
			if len(s.open) > 0 {
				s.open = s.open[:len(s.open)-1]
			}
		case ',':
			if len(s.open) == 0 {
				break
			}
			top := &s.open[len(s.open)-1]
			top.items++
			if max := s.maxItems(); top.items > max {
				return i, s.refuse(s.itemsKind(), int64(max))
			}
			if len(s.open) == 1 {
				s.entry = 0
			}
		default:
			if err := s.begin(); err != nil {
				return i, err
			}
			s.state, s.tok = inScalar, 1
			if s.tok > s.l.String {
				return i, s.refuse(StringTooLong, int64(s.l.String))
			}
		}
	}
	return len(b), nil
}

// begin notes that a value or member name begins: the first item of the
// innermost open array or object (later ones are counted at their
// commas).
func (s *scanner) begin() error {
	if len(s.open) == 0 {
		return nil
	}
	top := &s.open[len(s.open)-1]
	if top.items == 0 {
		top.items = 1
		if max := s.maxItems(); top.items > max {
			return s.refuse(s.itemsKind(), int64(max))
		}
	}
	return nil
}

// maxItems is the item budget of the innermost open array or object.
func (s *scanner) maxItems() int {
	if len(s.open) == 1 && s.open[0].array {
		return s.l.Entries
	}
	return s.l.Items
}

func (s *scanner) itemsKind() Kind {
	if len(s.open) == 1 && s.open[0].array && s.l.Entries != s.l.Items {
		return TooManyEntries
	}
	return TooManyItems
}

func (s *scanner) refuse(k Kind, limit int64) error {
	return &Error{Kind: k, Limit: limit, Offset: s.n - 1}
}

// delimiter tells whether c ends a number or literal.
func delimiter(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', ',', ':', '[', ']', '{', '}', '"':
		return true
	}
	return false
}
