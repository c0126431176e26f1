package bounded

import (
	"encoding/csv"
	"io"
)

// CSVLimits are the budgets of one CSV file. A zero field takes the
// default: 1 MB, records of 4 KB, 10,000 records.
type CSVLimits struct {
	// Bytes is the most input read.
	Bytes int64
	// Record is the longest record, in bytes: one line, or several when a
	// quoted field holds line breaks.
	Record int
	// Records is the most records, empty lines included.
	Records int
}

func (l CSVLimits) withDefaults() CSVLimits {
	if l.Bytes <= 0 {
		l.Bytes = 1 << 20
	}
	if l.Record <= 0 {
		l.Record = 4 << 10
	}
	if l.Records <= 0 {
		l.Records = 10_000
	}
	return l
}

// NewCSVReader returns a csv.Reader of r within l. Read it record by
// record (Read, not ReadAll, which would hold them all): the read that
// passes a budget fails with an *Error, and csv.Reader buffers at most
// one record, so its memory is bounded by Record.
func NewCSVReader(r io.Reader, l CSVLimits) *csv.Reader {
	return csv.NewReader(&csvScanner{r: r, l: l.withDefaults()})
}

// csvScanner counts bytes, records and the bytes of the current record
// as they go to csv.Reader. A line break ends a record unless it is in a
// quoted field; every quote opens or closes one (a doubled quote closes
// and opens again), which is right for every file csv.Reader accepts.
type csvScanner struct {
	r       io.Reader
	l       CSVLimits
	n       int64
	record  int  // bytes of the current record
	records int  // records ended so far
	quoted  bool // in a quoted field
	err     error
}

func (s *csvScanner) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if rest := s.l.Bytes - s.n + 1; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := s.r.Read(p)
	for i, c := range p[:n] {
		s.n++
		switch {
		case s.n > s.l.Bytes:
			s.err = &Error{Kind: TooManyBytes, Limit: s.l.Bytes, Offset: s.n - 1}
		case c == '"':
			s.quoted = !s.quoted
		case c == '\n' && !s.quoted:
			s.record = 0
			if s.records++; s.records > s.l.Records {
				s.err = &Error{Kind: TooManyRecords, Limit: int64(s.l.Records), Offset: s.n - 1}
			}
			continue
		}
		if s.err == nil {
			if s.record++; s.record > s.l.Record {
				s.err = &Error{Kind: RecordTooLong, Limit: int64(s.l.Record), Offset: s.n - 1}
			}
		}
		if s.err != nil {
			if i > 0 {
				return i, nil
			}
			return 0, s.err
		}
	}
	if err == io.EOF && s.record > 0 {
		// The last record, without a line break.
		if s.records++; s.records > s.l.Records {
			s.err = &Error{Kind: TooManyRecords, Limit: int64(s.l.Records), Offset: s.n}
			return 0, s.err
		}
		s.record = 0
	}
	return n, err
}
