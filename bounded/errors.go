// Package bounded decodes outside input within budgets known in advance:
// JSON (from archives today, from other servers' inboxes next), zip
// archives and CSV files. Each decoder counts what it produces while it
// reads and stops the moment a count passes its budget, so the memory a
// decode can take is set by the budget, not by the input; a header that
// declares a size is a fast path at most, never the check that decides.
//
// Every refusal is an *Error. Front doors answer 413 when it matches
// ErrTooLarge and 400 when it matches ErrMalformed:
//
//	switch {
//	case errors.Is(err, bounded.ErrTooLarge): // 413
//	case errors.Is(err, bounded.ErrMalformed): // 400
//	}
package bounded

import (
	"errors"
	"fmt"
)

var (
	// ErrTooLarge matches every refusal for passing a budget.
	ErrTooLarge = errors.New("input larger than its budget")
	// ErrMalformed matches every refusal of input that is not what it
	// claims to be (not JSON, not a zip archive, an unsafe entry name, a
	// value of the wrong type).
	ErrMalformed = errors.New("malformed input")
	// ErrNotList is the cause of the Malformed refusal of Each when the
	// value is not an array.
	ErrNotList = errors.New("not a list")
)

// Kind is the reason of a refusal.
type Kind int

// The reasons of a refusal. Malformed and BadName are ErrMalformed; the
// others are ErrTooLarge.
const (
	// Malformed: not JSON, CSV or zip, or not of the shape asked for.
	Malformed Kind = iota
	// BadName: an archive entry whose name is not a safe relative path.
	BadName

	// TooManyBytes: more input than Limits.Bytes or CSVLimits.Bytes.
	TooManyBytes
	// StringTooLong: a JSON string, member name or number longer than
	// Limits.String.
	StringTooLong
	// TooManyItems: an array with more elements, or an object with more
	// members, than Limits.Items.
	TooManyItems
	// TooDeep: arrays and objects nested deeper than Limits.Depth.
	TooDeep
	// TooManyEntries: an outermost array longer than Limits.Entries.
	TooManyEntries
	// EntryTooLarge: an entry of the outermost array larger than
	// Limits.Entry.
	EntryTooLarge

	// TooManyFiles: an archive of more entries than ZipLimits.Files.
	TooManyFiles
	// FileTooLarge: an archive entry that unpacks to more than its
	// budget.
	FileTooLarge
	// ArchiveTooLarge: entries that unpack to more than ZipLimits.Total
	// together.
	ArchiveTooLarge

	// RecordTooLong: a CSV record longer than CSVLimits.Record.
	RecordTooLong
	// TooManyRecords: more CSV records than CSVLimits.Records.
	TooManyRecords
)

// TooLarge tells whether k is the refusal of input over a budget (413)
// rather than of malformed input (400).
func (k Kind) TooLarge() bool { return k >= TooManyBytes }

// kindText says what passed the budget; %d is the budget.
var kindText = map[Kind]string{
	Malformed:       "malformed",
	BadName:         "entry name is not a safe relative path",
	TooManyBytes:    "more than %d bytes",
	StringTooLong:   "a string, name or number longer than %d bytes",
	TooManyItems:    "an array or object of more than %d items",
	TooDeep:         "nested more than %d deep",
	TooManyEntries:  "more than %d entries",
	EntryTooLarge:   "an entry larger than %d bytes",
	TooManyFiles:    "more than %d archive entries",
	FileTooLarge:    "unpacks to more than %d bytes",
	ArchiveTooLarge: "entries unpack to more than %d bytes together",
	RecordTooLong:   "a record longer than %d bytes",
	TooManyRecords:  "more than %d records",
}

// Error is a refusal of the input.
type Error struct {
	Kind Kind
	// Limit is the budget that was passed (0 when Kind is not TooLarge).
	Limit int64
	// Offset is how many bytes of the input came before the problem,
	// when known.
	Offset int64
	// Name is the archive entry the problem is in, when there is one.
	Name string
	// Err is the cause, when there is one: the decoder's syntax or type
	// error, the zip reader's error.
	Err error
}

func (e *Error) Error() string {
	where := ""
	if e.Name != "" {
		where = fmt.Sprintf("%q: ", e.Name)
	}
	switch {
	case e.Kind.TooLarge():
		return where + fmt.Sprintf(kindText[e.Kind], e.Limit)
	case e.Err != nil:
		return where + e.Err.Error()
	}
	return where + kindText[e.Kind]
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrTooLarge) and errors.Is(err, ErrMalformed)
// tell the two classes of refusal apart.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrTooLarge:
		return e.Kind.TooLarge()
	case ErrMalformed:
		return !e.Kind.TooLarge()
	}
	return false
}
