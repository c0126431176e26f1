package bounded

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// FuzzUnmarshal: the bounded decoder never panics and never reads more
// than its byte budget (plus one byte); what it accepts, encoding/json
// accepts too, with the same value, and is within every budget; what
// encoding/json accepts and is within every budget, it accepts too
// (unless it is not strict JSON: duplicate member names or invalid
// UTF-8, which it refuses as malformed); and what it refuses for a
// budget is over that budget.
//
//	go test ./bounded -run '^$' -fuzz '^FuzzUnmarshal$' -fuzztime 30s
func FuzzUnmarshal(f *testing.F) {
	for _, s := range []string{
		`{"a":[1,2,{"b":"c"}]}`, `[[[["deep"]]]]`, `"0123456789abcdef"`, `[1,2,3,4,5,6,7,8,9]`,
		`{"a":1,"a":2}`, "\"\xff\"", `1e400`, `-0`, `"\ud800"`, `[1,]`, `{"a":1} 2`, ``, `  true  `,
		`{"":null,"x":[{},[]]}`, `"\u00e9\n\"\\"`, `123456789012345678901234567890123`,
	} {
		f.Add([]byte(s))
	}
	l := Limits{Bytes: 256, String: 16, Items: 8, Depth: 5}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &countingReader{r: bytes.NewReader(data)}
		var got any
		err := Decode(in, &got, l)
		if in.n > l.Bytes+1 {
			t.Errorf("read %d bytes of %d, budget %d", in.n, len(data), l.Bytes)
		}
		var want any
		stdErr := json.Unmarshal(data, &want)
		m, strict := measure(data)
		within := strict && m.within(l)
		if err == nil {
			switch {
			case stdErr != nil:
				t.Errorf("accepted %q, which encoding/json refuses: %v", data, stdErr)
			case !reflect.DeepEqual(got, want):
				t.Errorf("%q: got %#v, encoding/json %#v", data, got, want)
			case !within:
				t.Errorf("accepted %q, over budget: %+v", data, m)
			}
			return
		}
		var be *Error
		if !errors.As(err, &be) {
			t.Fatalf("%q: refusal %v is not an *Error", data, err)
		}
		if stdErr != nil || !strict {
			return // refused by both, or not strict JSON
		}
		switch {
		case within:
			t.Errorf("refused %q, within budget: %v", data, err)
		case !be.Kind.TooLarge():
			t.Errorf("refused %q as malformed, want over budget: %v", data, err)
		}
	})
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// measures are what the budgets count in a valid JSON input.
type measures struct {
	bytes             int64
	str, items, depth int
}

func (m measures) within(l Limits) bool {
	return m.bytes <= l.Bytes && m.str <= l.String && m.items <= l.Items && m.depth <= l.Depth
}

// measure walks data, which must be one strict JSON value (jsontext's
// defaults), and takes its measures; false when it is not.
func measure(data []byte) (measures, bool) {
	m := measures{bytes: int64(len(data))}
	d := jsontext.NewDecoder(bytes.NewReader(data))
	scalar := func(quoted bool) bool {
		v, err := d.ReadValue()
		if err != nil {
			return false
		}
		n := len(v)
		if quoted {
			n -= 2
		}
		m.str = max(m.str, n)
		return true
	}
	var walk func(depth int) bool
	walk = func(depth int) bool {
		switch k := d.PeekKind(); k {
		case '[', '{':
			if _, err := d.ReadToken(); err != nil {
				return false
			}
			m.depth = max(m.depth, depth)
			n := 0
			for {
				switch d.PeekKind() {
				case ']', '}':
					if _, err := d.ReadToken(); err != nil {
						return false
					}
					m.items = max(m.items, n)
					return true
				case 0:
					return false
				}
				if k == '{' && !scalar(true) {
					return false
				}
				n++
				if !walk(depth + 1) {
					return false
				}
			}
		case 0:
			return false
		case '"':
			return scalar(true)
		default:
			return scalar(false)
		}
	}
	if !walk(1) {
		return m, false
	}
	_, err := d.ReadToken()
	return m, err == io.EOF
}

// FuzzCSV: the bounded CSV reader never panics nor reads past its byte
// budget (plus one byte), and what it reads in full, encoding/csv reads
// the same.
//
//	go test ./bounded -run '^$' -fuzz '^FuzzCSV$' -fuzztime 30s
func FuzzCSV(f *testing.F) {
	for _, s := range []string{
		"a,b\nc,d\n", "\"a\nb\",c\n", "\"a\"\"b\"\n", "a\r\nb\r\n", "\n\n\n", "\"open\n", `a"b`, "x,\"y\"z\n",
	} {
		f.Add(s)
	}
	l := CSVLimits{Bytes: 256, Record: 16, Records: 6}
	f.Fuzz(func(t *testing.T, data string) {
		in := &countingReader{r: strings.NewReader(data)}
		cr := NewCSVReader(in, l)
		cr.FieldsPerRecord = -1
		got, err := cr.ReadAll()
		if in.n > l.Bytes+1 {
			t.Errorf("read %d bytes of %d, budget %d", in.n, len(data), l.Bytes)
		}
		if err != nil {
			return
		}
		std := csv.NewReader(strings.NewReader(data))
		std.FieldsPerRecord = -1
		want, stdErr := std.ReadAll()
		if stdErr != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %q, encoding/csv %q, %v", data, got, want, stdErr)
		}
		if len(got) > l.Records {
			t.Errorf("%q: got %d records, budget %d", data, len(got), l.Records)
		}
	})
}

// FuzzOpenZip: a zip archive, whatever its bytes, is refused or listed
// within its budgets, every name safe, and its files unpack to no more
// than their budgets (plus one byte).
//
//	go test ./bounded -run '^$' -fuzz '^FuzzOpenZip$' -fuzztime 30s
func FuzzOpenZip(f *testing.F) {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for _, name := range []string{"posts.json", "media/", "media/a.png"} {
		w, _ := z.Create(name)
		io.WriteString(w, strings.Repeat("x", len(name)*10))
	}
	z.Close()
	f.Add(b.Bytes())
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	l := ZipLimits{Files: 8, Name: 32, Total: 4096}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := OpenZip(bytes.NewReader(data), int64(len(data)), l)
		if err != nil {
			var be *Error
			if !errors.As(err, &be) {
				t.Fatalf("refusal %v is not an *Error", err)
			}
			return
		}
		if len(a.Names()) > l.Files {
			t.Errorf("%d files listed, budget %d", len(a.Names()), l.Files)
		}
		for _, name := range a.Names() {
			if clean, ok := entryName(name, l.Name); !ok || clean != name {
				t.Errorf("unsafe name %q listed", name)
			}
			rc, err := a.Open(name, 1024)
			if err != nil {
				continue
			}
			n, _ := io.Copy(io.Discard, rc)
			rc.Close()
			if n > 1024 {
				t.Errorf("%q unpacked to %d bytes, budget 1024", name, n)
			}
		}
		if a.Unpacked() > l.Total+1 {
			t.Errorf("unpacked %d bytes, budget %d", a.Unpacked(), l.Total)
		}
	})
}
