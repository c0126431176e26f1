package admin

import (
	"encoding/json"
	"errors"

	"majlis/storage"
)

// The admin socket speaks newline-delimited JSON: a request
//
//	{"op":"user.suspend","args":{"username":"amal"}}
//
// gets one response line,
//
//	{"ok":true,"result":{...}}   or   {"error":"user \"amal\" not found","code":"not_found"}
//
// and a connection may carry several requests, one after the other. The
// code names the storage sentinel the error wraps, so the client's error
// still matches errors.Is(err, storage.ErrNotFound).
//
// "backup" streams instead: the response line {"ok":true,"result":
// {"stream":"chunks"}} is followed by chunks, each a 4-byte big-endian
// length and that many bytes of the database file, then a zero length, then
// a last line {"ok":true,"result":{"bytes":N}} or {"error":...} — so a copy
// cut short is never mistaken for a whole one.
const (
	opCreate    = "user.create"
	opPassword  = "user.password"
	opRole      = "user.role"
	opSuspend   = "user.suspend"
	opUnsuspend = "user.unsuspend"
	opReset2FA  = "user.reset_two_factor"
	opList      = "user.list"
	opCheck     = "check"
	opBackup    = "backup"
)

// MaxRequest is the longest request line the server reads, in bytes.
const MaxRequest = 64 << 10

// maxResponse is the longest response line the client reads.
const maxResponse = 4 << 20

// maxChunk is the largest backup chunk either side accepts.
const maxChunk = 1 << 20

type request struct {
	Op   string `json:"op"`
	Args args   `json:"args"`
}

// args are the arguments of every operation; each uses a few.
type args struct {
	Username    string       `json:"username,omitempty"`
	DisplayName string       `json:"display_name,omitempty"`
	Password    string       `json:"password,omitempty"`
	Admin       bool         `json:"admin,omitempty"`
	MustChange  bool         `json:"must_change,omitempty"`
	Role        storage.Role `json:"role,omitempty"`
	Query       string       `json:"query,omitempty"`
	Before      storage.ID   `json:"before,omitempty"`
	Limit       int          `json:"limit,omitempty"`
}

type response struct {
	OK     bool            `json:"ok,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  string          `json:"error,omitempty"`
	Code   string          `json:"code,omitempty"`
}

type backupResult struct {
	Stream string `json:"stream,omitempty"`
	Bytes  int64  `json:"bytes,omitempty"`
}

// codes name the storage sentinels on the wire.
var codes = []struct {
	code string
	err  error
}{
	{"not_found", storage.ErrNotFound},
	{"exists", storage.ErrExists},
	{"invalid", storage.ErrInvalid},
	{"forbidden", storage.ErrForbidden},
	{"locked", storage.ErrLocked},
	{"newer_schema", storage.ErrNewerSchema},
}

func codeOf(err error) string {
	for _, c := range codes {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return ""
}

// RemoteError is an error the server answered with. It matches the storage
// sentinel its code names with errors.Is.
type RemoteError struct {
	Msg  string
	Code string
}

func (e *RemoteError) Error() string { return e.Msg }

// Is makes errors.Is(err, storage.ErrNotFound) and the like work across the
// socket.
func (e *RemoteError) Is(target error) bool {
	for _, c := range codes {
		if c.code == e.Code && c.err == target {
			return true
		}
	}
	return false
}
