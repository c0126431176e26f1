package storage

import (
	jsonv2 "github.com/go-json-experiment/json"
)

// decodeRecord decodes a stored post or user. Records are written with
// encoding/json; they are read with the JSON v2 decoder, which reads them
// in one pass instead of validating first and decoding after: reading
// records is most of what a timeline page costs (BENCHMARKS.md). Unknown
// fields are ignored and names match case-insensitively, as encoding/json
// does, so every record written by any version decodes the same way.
func decodeRecord(data []byte, v any) error {
	return jsonv2.Unmarshal(data, v, jsonv2.RejectUnknownMembers(false), jsonv2.MatchCaseInsensitiveNames(true))
}
