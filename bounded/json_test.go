package bounded

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
)

// small are budgets small enough to pass in a table.
var small = Limits{Bytes: 200, String: 10, Items: 3, Depth: 3}

func TestUnmarshalAgreesWithEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`{"a":[1,2,{"b":"c"}]}`,
		` [ true , false , null ] `,
		`"0123456789"`,        // a string of exactly String bytes
		`"\u00e9\n\""`,        // escapes count as written: 10 bytes
		`[[["x"]]]`,           // exactly Depth
		`{"a":1,"b":2,"c":3}`, // exactly Items members
		`-12.5e3`,             // a number
		`{"أ":"ب"}`,           // names and strings in UTF-8
		`[]`, `{}`, `""`, `0`,
	} {
		t.Run(in, func(t *testing.T) {
			var got, want any
			if err := json.Unmarshal([]byte(in), &want); err != nil {
				t.Fatalf("encoding/json: %v", err)
			}
			if err := Unmarshal([]byte(in), &got, small); err != nil {
				t.Fatalf("got %v, want %#v", err, want)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %#v, want %#v", got, want)
			}
		})
	}
}

func TestUnmarshalRefuses(t *testing.T) {
	tests := []struct {
		name, in string
		want     Kind
	}{
		{"long string", `"01234567890"`, StringTooLong},
		{"long escaped string", `"\n\n\n\n\n\n"`, StringTooLong},
		{"long member name", `{"01234567890":1}`, StringTooLong},
		{"long number", `123456789012`, StringTooLong},
		{"long array", `[1,2,3,4]`, TooManyItems},
		{"long array of arrays", `[[],[],[],[]]`, TooManyItems},
		{"object of many members", `{"a":1,"b":2,"c":3,"d":4}`, TooManyItems},
		{"deep", `[[[[1]]]]`, TooDeep},
		{"deep objects", `{"a":{"b":{"c":{}}}}`, TooDeep},
		{"too many bytes", `[` + strings.Repeat(" ", 200) + `]`, TooManyBytes},
		{"not JSON", `{a:1}`, Malformed},
		{"trailing comma", `[1,]`, Malformed},
		{"unterminated", `[1`, Malformed},
		{"empty", ``, Malformed},
		{"two values", `1 2`, Malformed},
		{"invalid UTF-8", "\"\xff\"", Malformed},
		{"duplicate names", `{"a":1,"a":2}`, Malformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v any
			err := Unmarshal([]byte(tt.in), &v, small)
			var be *Error
			if !errors.As(err, &be) {
				t.Fatalf("got %v, want a refusal of kind %d", err, tt.want)
			}
			if be.Kind != tt.want {
				t.Errorf("got %v (kind %d), want kind %d", err, be.Kind, tt.want)
			}
			if errors.Is(err, ErrTooLarge) != tt.want.TooLarge() || errors.Is(err, ErrMalformed) == tt.want.TooLarge() {
				t.Errorf("got %v: ErrTooLarge %v, ErrMalformed %v; want one of them", err, errors.Is(err, ErrTooLarge), errors.Is(err, ErrMalformed))
			}
		})
	}
}

func TestDecodeWrongType(t *testing.T) {
	var v struct {
		N int `json:"n"`
	}
	err := Unmarshal([]byte(`{"n":"five"}`), &v, small)
	if !errors.Is(err, ErrMalformed) {
		t.Errorf("got %v, want a malformed input", err)
	}
}

// endless is an input that never ends: head, then tail forever. read
// counts what was taken from it.
type endless struct {
	head, tail string
	read       int64
}

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		if e.read < int64(len(e.head)) {
			p[i] = e.head[e.read]
		} else {
			p[i] = e.tail[(e.read-int64(len(e.head)))%int64(len(e.tail))]
		}
		e.read++
	}
	return len(p), nil
}

// TestEndlessInput: whatever never ends is refused having read little
// more than the budget that stops it, so the memory a decode takes is set
// by the budget, not by the input.
func TestEndlessInput(t *testing.T) {
	l := Limits{Bytes: 64 << 20, String: 1 << 20, Items: 1000, Depth: 100}
	tests := []struct {
		name, head, tail string
		want             Kind
		most             int64 // bytes read at most
	}{
		{"string", `"`, "a", StringTooLong, 3 << 20},
		{"escapes", `"`, `\n`, StringTooLong, 3 << 20},
		{"member name", `{"`, "a", StringTooLong, 3 << 20},
		{"number", `1`, "0", StringTooLong, 3 << 20},
		{"array", `[`, "0,", TooManyItems, 1 << 20},
		{"nesting", `[`, "[", TooDeep, 1 << 20},
		{"white space", ``, " ", TooManyBytes, 65 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &endless{head: tt.head, tail: tt.tail}
			var v any
			err := Decode(in, &v, l)
			var be *Error
			if !errors.As(err, &be) || be.Kind != tt.want {
				t.Fatalf("got %v, want kind %d", err, tt.want)
			}
			if in.read > tt.most {
				t.Errorf("read %d bytes, want at most %d", in.read, tt.most)
			}
		})
	}
}

func TestEach(t *testing.T) {
	type entry struct {
		N int    `json:"n"`
		S string `json:"s"`
	}
	list := `[{"n":1,"s":"a","skip":[1,2,3,4,5]},{"n":2},{"n":3,"s":"c"}]`
	t.Run("entries", func(t *testing.T) {
		var got []entry
		d := NewDecoder(strings.NewReader(list), Limits{Items: 5, Entries: 3})
		if err := Each(d, func(e entry) error { got = append(got, e); return nil }); err != nil {
			t.Fatal(err)
		}
		if err := d.End(); err != nil {
			t.Fatal(err)
		}
		want := []entry{{1, "a"}, {2, ""}, {3, "c"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	tests := []struct {
		name string
		in   string
		l    Limits
		want Kind
		seen int // entries handed over before the refusal
	}{
		{"too many entries", list, Limits{Items: 5, Entries: 2}, TooManyEntries, 2},
		{"entry too large", list, Limits{Items: 5, Entry: 20}, EntryTooLarge, 0},
		{"items inside an entry", list, Limits{Items: 4, Entries: 10}, TooManyItems, 0},
		{"not a list", `{"n":1}`, Limits{}, Malformed, 0},
		{"wrong type", `[{"n":1},{"n":"two"}]`, Limits{}, Malformed, 1},
		{"cut short", `[{"n":1},`, Limits{}, Malformed, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := 0
			err := Each(NewDecoder(strings.NewReader(tt.in), tt.l), func(entry) error { seen++; return nil })
			var be *Error
			if !errors.As(err, &be) || be.Kind != tt.want {
				t.Fatalf("got %v, want kind %d", err, tt.want)
			}
			if seen != tt.seen {
				t.Errorf("%d entries handed over, want %d", seen, tt.seen)
			}
		})
	}
	t.Run("stops at fn's error", func(t *testing.T) {
		stop := errors.New("stop")
		seen := 0
		err := Each(NewDecoder(strings.NewReader(list), Limits{Items: 5}), func(entry) error { seen++; return stop })
		if err != stop || seen != 1 {
			t.Errorf("got %v after %d entries, want stop after 1", err, seen)
		}
	})
}

func TestErrorText(t *testing.T) {
	err := &Error{Kind: StringTooLong, Limit: 10, Name: "posts.json"}
	if got, want := err.Error(), `"posts.json": a string, name or number longer than 10 bytes`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	wrapped := fmt.Errorf("import: %w", &Error{Kind: Malformed, Err: io.ErrUnexpectedEOF})
	if !errors.Is(wrapped, ErrMalformed) || !errors.Is(wrapped, io.ErrUnexpectedEOF) || errors.Is(wrapped, ErrTooLarge) {
		t.Errorf("a wrapped malformed refusal does not match ErrMalformed and its cause alone")
	}
}

// TestRefusalOffsets: a refusal points at the first byte past the budget,
// whether the bytes before it came one by one or in a run.
func TestRefusalOffsets(t *testing.T) {
	tests := []struct {
		name string
		in   string
		l    Limits
		want Kind
		at   int64
	}{
		{"string", `"` + strings.Repeat("a", 20) + `"`, Limits{String: 10}, StringTooLong, 11},
		{"string after escapes", `"\n\n` + strings.Repeat("a", 20) + `"`, Limits{String: 10}, StringTooLong, 11},
		{"bytes in a string", `"` + strings.Repeat("a", 20) + `"`, Limits{Bytes: 8}, TooManyBytes, 8},
		{"entry in a string", `["` + strings.Repeat("a", 20) + `"]`, Limits{Entry: 5}, EntryTooLarge, 6},
		{"second entry", `["ab","` + strings.Repeat("a", 20) + `"]`, Limits{Entry: 5}, EntryTooLarge, 11},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v any
			err := Unmarshal([]byte(tt.in), &v, tt.l)
			var be *Error
			if !errors.As(err, &be) || be.Kind != tt.want || be.Offset != tt.at {
				t.Errorf("got %#v, want kind %d at byte %d", err, tt.want, tt.at)
			}
		})
	}
}
