package api

import (
	"errors"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"majlis/bounded"
)

// Apps send an endpoint's parameters in the query, as a urlencoded or
// multipart form, or as JSON, and Mastodon reads them all alike. params
// reads any of them into one set of values named as a Rails form names
// them: a JSON object {"source": {"privacy": "x"}} becomes
// source[privacy]=x, a list of objects fields_attributes[0][name], a list
// of strings id[]. Query parameters come first, the body's after them.

// params is a request's parameters and, for a multipart body, its files.
type params struct {
	url.Values
	files map[string][]*multipart.FileHeader
}

// errBody is a body that cannot be read (400); a body over its budget is
// an *http.MaxBytesError or a bounded budget error (413).
var errBody = errors.New("the request body cannot be read")

// multipartMemory is how much of a multipart body is kept in memory; the
// rest of its files wait in temporary files until the request ends.
const multipartMemory = 1 << 20

// jsonLimits bound a JSON body of parameters: small, shallow.
var jsonLimits = bounded.Limits{Bytes: 256 << 10, String: 64 << 10, Items: 200, Depth: 6}

// readParams reads the parameters of r, its body at most maxBytes. The
// cleanup it returns removes a multipart body's temporary files.
func readParams(w http.ResponseWriter, r *http.Request, maxBytes int64) (*params, func(), error) {
	p := &params{Values: url.Values{}}
	noop := func() {}
	for k, v := range r.URL.Query() {
		if k != "access_token" {
			p.Values[k] = append(p.Values[k], v...)
		}
	}
	if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return p, noop, nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		var v any
		if err := bounded.Decode(r.Body, &v, jsonLimits); err != nil {
			var mbe *http.MaxBytesError
			var be *bounded.Error
			if errors.As(err, &mbe) || (errors.As(err, &be) && be.Kind.TooLarge()) {
				return p, noop, err
			}
			return p, noop, errBody
		}
		if _, ok := v.(map[string]any); !ok && v != nil {
			return p, noop, errBody
		}
		flatten(p.Values, "", v)
	case "multipart/form-data":
		if err := r.ParseMultipartForm(multipartMemory); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) || errors.Is(err, multipart.ErrMessageTooLarge) {
				return p, noop, err
			}
			return p, noop, errBody
		}
		cleanup := func() { r.MultipartForm.RemoveAll() }
		for k, v := range r.MultipartForm.Value {
			p.Values[k] = append(p.Values[k], v...)
		}
		p.files = r.MultipartForm.File
		return p, cleanup, nil
	case "application/x-www-form-urlencoded", "":
		if err := r.ParseForm(); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return p, noop, err
			}
			return p, noop, errBody
		}
		for k, v := range r.PostForm {
			p.Values[k] = append(p.Values[k], v...)
		}
	default:
		return p, noop, errBody
	}
	return p, noop, nil
}

// flatten writes a decoded JSON value into vs under name, Rails-style.
func flatten(vs url.Values, name string, v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if name != "" {
				k = name + "[" + k + "]"
			}
			flatten(vs, k, e)
		}
	case []any:
		for i, e := range x {
			switch e.(type) {
			case map[string]any, []any:
				flatten(vs, name+"["+strconv.Itoa(i)+"]", e)
			default:
				flatten(vs, name+"[]", e)
			}
		}
	case string:
		vs.Add(name, x)
	case bool:
		vs.Add(name, strconv.FormatBool(x))
	case float64:
		vs.Add(name, strconv.FormatFloat(x, 'f', -1, 64))
	case nil:
		vs.Add(name, "")
	}
}

// has tells whether the parameter was sent at all.
func (p *params) has(name string) bool {
	_, ok := p.Values[name]
	return ok
}

// list is a list parameter: name[] as apps send it, or name repeated.
func (p *params) list(name string) []string {
	return append(append([]string(nil), p.Values[name+"[]"]...), p.Values[name]...)
}

// flag reads a boolean parameter as Rails does ("true", "1", "on" ...
// are true); present is false when it was not sent.
func (p *params) flag(name string) (value, present bool) {
	v, ok := p.Values[name]
	if !ok || len(v) == 0 {
		return false, false
	}
	switch strings.ToLower(strings.TrimSpace(v[0])) {
	case "1", "t", "true", "on", "yes":
		return true, true
	}
	return false, true
}

// file is the first non-empty file sent under name, nil when none.
func (p *params) file(name string) *multipart.FileHeader {
	for _, fh := range p.files[name] {
		if fh.Filename != "" || fh.Size > 0 {
			return fh
		}
	}
	return nil
}

// rows reads a list of objects sent as name[i][key] (a JSON list, or a
// form numbering its rows) or name[][key] (a form that does not): the
// rows in order, each a map of its keys. A numbered form is read in the
// order of its numbers.
func (p *params) rows(name string, keys ...string) []map[string]string {
	type row struct {
		n    int
		vals map[string]string
	}
	var numbered []row
	index := map[int]int{}
	for k, v := range p.Values {
		rest, ok := strings.CutPrefix(k, name+"[")
		if !ok || len(v) == 0 {
			continue
		}
		num, key, ok := strings.Cut(rest, "][")
		if !ok || !strings.HasSuffix(key, "]") || num == "" {
			continue
		}
		n, err := strconv.Atoi(num)
		if err != nil || n < 0 || n > 1000 {
			continue
		}
		i, seen := index[n]
		if !seen {
			i = len(numbered)
			index[n] = i
			numbered = append(numbered, row{n: n, vals: map[string]string{}})
		}
		numbered[i].vals[strings.TrimSuffix(key, "]")] = v[0]
	}
	// The map's order is random: sort by number.
	slices.SortFunc(numbered, func(a, b row) int { return a.n - b.n })
	var out []map[string]string
	for _, r := range numbered {
		out = append(out, r.vals)
	}
	// name[][key]: the n-th value of each key makes the n-th row.
	most := 0
	for _, k := range keys {
		most = max(most, len(p.Values[name+"[]["+k+"]"]))
	}
	for i := range most {
		r := map[string]string{}
		for _, k := range keys {
			if v := p.Values[name+"[]["+k+"]"]; i < len(v) {
				r[k] = v[i]
			}
		}
		out = append(out, r)
	}
	return out
}
