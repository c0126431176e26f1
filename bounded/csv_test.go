package bounded

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func readCSV(in string, l CSVLimits) ([][]string, error) {
	cr := NewCSVReader(strings.NewReader(in), l)
	cr.FieldsPerRecord = -1
	var rows [][]string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		rows = append(rows, rec)
	}
}

func TestCSV(t *testing.T) {
	l := CSVLimits{Bytes: 100, Record: 20, Records: 3}
	ok := []struct {
		name, in string
		want     [][]string
	}{
		{"three records", "a,b\nc,d\ne\n", [][]string{{"a", "b"}, {"c", "d"}, {"e"}}},
		{"no final line break", "a\nb\nc", [][]string{{"a"}, {"b"}, {"c"}}},
		{"quoted line break", "\"a\nb\",c\nd\n", [][]string{{"a\nb", "c"}, {"d"}}},
		{"doubled quote", "\"a\"\"b\"\n", [][]string{{`a"b`}}},
		{"record of exactly the budget", strings.Repeat("x", 20) + "\n", [][]string{{strings.Repeat("x", 20)}}},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readCSV(tt.in, l)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	refused := []struct {
		name, in string
		l        CSVLimits
		want     Kind
	}{
		{"too many records", "a\nb\nc\nd\n", l, TooManyRecords},
		{"too many without a final line break", "a\nb\nc\nd", l, TooManyRecords},
		{"long line", strings.Repeat("x", 21) + "\n", l, RecordTooLong},
		{"long quoted record", "\"" + strings.Repeat("x\n", 11) + "\"\n", l, RecordTooLong},
		{"too many bytes", strings.Repeat("x\n", 51), CSVLimits{Bytes: 100, Record: 20, Records: 100}, TooManyBytes},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readCSV(tt.in, tt.l)
			var be *Error
			if !errors.As(err, &be) || be.Kind != tt.want {
				t.Errorf("got %v, want kind %d", err, tt.want)
			}
		})
	}
}

// TestCSVEndlessLine: a line that never ends is refused after little more
// than the record budget.
func TestCSVEndlessLine(t *testing.T) {
	in := &endless{tail: "x"}
	cr := NewCSVReader(in, CSVLimits{Bytes: 1 << 30, Record: 4 << 10})
	_, err := cr.Read()
	var be *Error
	if !errors.As(err, &be) || be.Kind != RecordTooLong {
		t.Fatalf("got %v, want a record too long", err)
	}
	if in.read > 64<<10 {
		t.Errorf("read %d bytes, want little more than 4 KB", in.read)
	}
}
