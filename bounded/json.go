package bounded

import (
	"bytes"
	"errors"
	"io"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Limits are the budgets of one JSON input. A zero field takes the
// default, sized for one request body (an activity, a form), not for an
// archive: 1 MB, strings of 64 KB, 1,000 items, depth 32.
//
// Decoding into Go values takes memory in proportion to the input read,
// so Bytes (and Entry, for a list read entry by entry) bound it; String
// bounds the largest buffer the tokenizer ever holds.
type Limits struct {
	// Bytes is the most input read, white space included.
	Bytes int64
	// String is the longest string, member name or number, in bytes as
	// written between its quotes (an escape counts as written).
	String int
	// Items is the most elements of one array or members of one object.
	Items int
	// Depth is the deepest nesting of arrays and objects: 1 for "[]",
	// 2 for "[{}]".
	Depth int
	// Entries, when set, replaces Items for the outermost array: a list
	// read entry by entry (Each) may hold many more entries than any
	// array inside them.
	Entries int
	// Entry, when set, is the most bytes of one entry of the outermost
	// array, so that each entry decoded by Each is small even when the
	// list is large.
	Entry int64
}

const (
	defaultBytes  = 1 << 20
	defaultString = 64 << 10
	defaultItems  = 1000
	defaultDepth  = 32
)

func (l Limits) withDefaults() Limits {
	if l.Bytes <= 0 {
		l.Bytes = defaultBytes
	}
	if l.String <= 0 {
		l.String = defaultString
	}
	if l.Items <= 0 {
		l.Items = defaultItems
	}
	if l.Depth <= 0 {
		l.Depth = defaultDepth
	}
	if l.Entries <= 0 {
		l.Entries = l.Items
	}
	return l
}

// Decoder reads JSON values from an input within its Limits. Values are
// decoded as the project's JSON v2 package does by default: member names
// match exactly, unknown members are ignored, and invalid UTF-8 and
// duplicate member names are refused (Malformed).
type Decoder struct {
	scan *scanner
	dec  *jsontext.Decoder
}

// NewDecoder returns a decoder reading r within l. The budgets count the
// whole input, across every value read from it.
func NewDecoder(r io.Reader, l Limits) *Decoder {
	s := &scanner{r: r, l: l.withDefaults()}
	return &Decoder{scan: s, dec: jsontext.NewDecoder(s)}
}

// Decode reads the next JSON value into v, a non-nil pointer. It returns
// io.EOF when the input ends before another value begins; any refusal is
// an *Error.
func (d *Decoder) Decode(v any) error {
	err := json.UnmarshalDecode(d.dec, v)
	if err == io.EOF {
		return io.EOF
	}
	return d.refusal(err)
}

// InputOffset is how many bytes of the input the decoder has used.
func (d *Decoder) InputOffset() int64 { return d.dec.InputOffset() }

// Each reads the next JSON value, which must be an array, one entry at a
// time: it decodes each entry into a new T and calls fn with it, so only
// one entry is in memory at once. It stops at fn's first error and
// returns it.
func Each[T any](d *Decoder, fn func(T) error) error {
	tok, err := d.dec.ReadToken()
	if err != nil {
		return d.refusal(err)
	}
	if tok.Kind() != '[' {
		return &Error{Kind: Malformed, Offset: d.dec.InputOffset(), Err: ErrNotList}
	}
	for {
		switch d.dec.PeekKind() {
		case ']':
			_, err := d.dec.ReadToken()
			return d.refusal(err)
		case 0: // an error, which reading says
			_, err := d.dec.ReadToken()
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return d.refusal(err)
		}
		var v T
		if err := d.Decode(&v); err != nil {
			return d.refusal(err)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
}

// End checks that nothing but white space follows the values read.
func (d *Decoder) End() error {
	switch _, err := d.dec.ReadToken(); err {
	case io.EOF:
		return nil
	case nil:
		return &Error{Kind: Malformed, Offset: d.dec.InputOffset(), Err: errors.New("more after the value")}
	default:
		return d.refusal(err)
	}
}

// Decode reads exactly one JSON value from r into v within l: nothing but
// white space may follow it.
func Decode(r io.Reader, v any, l Limits) error {
	d := NewDecoder(r, l)
	if err := d.Decode(v); err != nil {
		return d.refusal(err)
	}
	return d.End()
}

// Unmarshal is Decode from bytes already read.
func Unmarshal(data []byte, v any, l Limits) error {
	return Decode(bytes.NewReader(data), v, l)
}

// refusal makes err an *Error: the budget's own when a budget stopped
// the read, else Malformed with the decoder's error as the cause.
func (d *Decoder) refusal(err error) error {
	if err == nil {
		return nil
	}
	var be *Error
	if errors.As(err, &be) {
		return be
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return &Error{Kind: Malformed, Offset: d.dec.InputOffset(), Err: err}
}
