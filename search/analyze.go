package search

import (
	"bytes"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Kind says what a token is; each kind is indexed under its own terms, so a
// word never matches a hashtag or a mention by accident.
type Kind uint8

const (
	Word    Kind = iota // a word of running text
	Tag                 // a #hashtag, Term without the '#'
	Mention             // an @mention, Term "name" or "name@host", without the '@'
	Host                // the host of a link, Term "example.org" (without "www.")
)

// Token is one searchable unit of a text.
type Token struct {
	Kind Kind
	// Term is the normalized form: what is indexed and matched exactly.
	Term string
	// Stem is the light stem of Term; equal to Term when stemming changes
	// nothing or the token is not a Word. Only Arabic words are stemmed.
	Stem string
	// Start and End are byte offsets of the token in the analysed text, so a
	// result can highlight what matched. A tag's and a mention's span starts
	// at its '#' or '@'; a link's is its host as written. Rarely, one span
	// gives several tokens (a ligature such as "ﷺ" stands for words).
	Start, End int
}

// Analyze splits text into tokens. Index and query use it alike.
//
// Words are runs of letters, digits and combining marks of any script; they
// are cut where Arabic letters meet letters of another script ("الـiPhone"
// gives "iphone": the Arabic article alone before a Latin word is dropped).
// Emoji, symbols and punctuation are not words. "#tag" gives a Tag,
// "@name" and "@name@host" a Mention, and a link (http://, https://,
// www.) one Host token; the rest of the link is not searched.
//
// The terms of one call share one backing string, so keeping one term keeps
// the text's terms in memory: copy it (strings.Clone) to keep it long.
func Analyze(text string) []Token {
	a := pool.Get().(*analyzer)
	a.run(text, true)
	var out []Token
	if len(a.toks) > 0 {
		out = make([]Token, len(a.toks))
		terms := string(a.buf)
		for i, t := range a.toks {
			out[i] = Token{Kind: t.kind, Term: terms[t.ts:t.te], Stem: terms[t.ss:t.se], Start: t.start, End: t.end}
			if t.stem != "" {
				out[i].Stem = t.stem
			}
		}
	}
	a.release()
	return out
}

// Normalize folds a word or phrase to the form Analyze gives its terms: the
// terms of its words, separated by single spaces. It sees no hashtags,
// mentions or links, only words ("#Go" gives "go", "https://example.org"
// gives "https example org"), so that a keyword filter compared with
// Normalize on both sides matches whole words wherever they appear.
// Normalize(Normalize(s)) == Normalize(s).
func Normalize(s string) string {
	a := pool.Get().(*analyzer)
	a.run(s, false)
	n := 0
	for _, t := range a.toks {
		n += t.te - t.ts + 1
	}
	out := make([]byte, 0, n)
	for i, t := range a.toks {
		if i > 0 {
			out = append(out, ' ')
		}
		out = append(out, a.buf[t.ts:t.te]...)
	}
	a.release()
	return string(out)
}

// Stem returns the light stem of a term as Analyze gives it (see Token.Stem):
// the stem of an Arabic word, the term itself otherwise.
func Stem(term string) string {
	s, lo, hi := arabicStem(term)
	if s == "" {
		s = term[lo:hi]
	}
	return s
}

// TagTerm returns the term a hashtag is indexed under (with or without its
// '#'), or "" if tag is not a hashtag: TagTerm("#Kitāb") == "kitab".
func TagTerm(tag string) string {
	if len(tag) == 0 || tag[0] != '#' {
		tag = "#" + tag
	}
	toks := Analyze(tag)
	if len(toks) != 1 || toks[0].Kind != Tag || toks[0].Start != 0 {
		return ""
	}
	return toks[0].Term
}

// tok is a token whose terms are still offsets into analyzer.buf.
type tok struct {
	kind           Kind
	start, end     int
	ts, te, ss, se int
	stem           string // a fixed stem that is not part of the term, or ""
}

// analyzer holds the scratch space of one call; they are pooled so that
// Analyze allocates only its result.
type analyzer struct {
	buf  []byte
	toks []tok
	it   norm.Iter
}

var pool = sync.Pool{New: func() any { return new(analyzer) }}

func (a *analyzer) release() {
	if cap(a.buf) > 64<<10 || cap(a.toks) > 4096 {
		return // an outsized text: let its scratch go
	}
	a.buf, a.toks = a.buf[:0], a.toks[:0]
	pool.Put(a)
}

// Character classes of the scanner.
const (
	clsNone   = iota // ends a word
	clsIgnore        // inside a word and dropped: joiners, direction marks, tatweel
	clsMark          // a combining mark: part of the word, never starts one
	clsDigit         // a digit or other number: any script's words may hold it
	clsArabic        // a letter of the Arabic script
	clsLetter        // a letter of any other script
)

// class is the class of r: a table lookup for the scripts written with
// runes below U+0800 (Latin, Greek, Cyrillic, Hebrew, Arabic).
func class(r rune) int {
	if r < smallRunes {
		return int(small[r] & classBits)
	}
	return classOf(r)
}

const (
	smallRunes = 0x800
	classBits  = 0x7
	inertBit   = 0x8 // NFKC leaves the rune as it is, whatever surrounds it
)

// small holds the class of each rune below smallRunes, and whether it is
// inert under NFKC: words of inert runes need no normalization pass.
var small = func() (t [smallRunes]uint8) {
	for r := rune(0); r < smallRunes; r++ {
		c := classOf(r)
		t[r] = uint8(c)
		// Precomposed letters (é, أ) are inert too: only a mark after
		// them could change them, and a mark is not inert.
		s := string(r)
		if c != clsMark && !unicode.IsMark(r) && norm.NFKC.PropertiesString(s).CCC() == 0 && norm.NFKC.IsNormalString(s) {
			t[r] |= inertBit
		}
	}
	return t
}()

func classOf(r rune) int {
	if r < utf8.RuneSelf {
		switch {
		case 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z':
			return clsLetter
		case '0' <= r && r <= '9':
			return clsDigit
		}
		return clsNone
	}
	switch {
	case r == tatweel || unicode.Is(unicode.Cf, r):
		return clsIgnore
	case unicode.IsLetter(r):
		if r >= 0x0600 && r <= 0x06FF || unicode.Is(unicode.Arabic, r) {
			return clsArabic
		}
		return clsLetter
	case unicode.IsMark(r):
		return clsMark
	case unicode.IsNumber(r):
		return clsDigit
	}
	return clsNone
}

const tatweel = '\u0640'

// run tokenizes text into a.toks and a.buf. With special false (Normalize),
// '#', '@' and links are not recognized: everything is words.
func (a *analyzer) run(text string, special bool) {
	afterWord := false // the previous rune was a letter, digit, mark or '_'
	for i := 0; i < len(text); {
		c := text[i]
		if special && !afterWord {
			n := 0
			switch c {
			case '#':
				n = a.tag(text, i)
			case '@':
				n = a.mention(text, i)
			case 'h', 'H', 'w', 'W':
				n = a.link(text, i)
			}
			if n > 0 {
				i, afterWord = n, true
				continue
			}
		}
		r, w := rune(c), 1
		if c >= utf8.RuneSelf {
			r, w = utf8.DecodeRuneInString(text[i:])
		}
		switch class(r) {
		case clsLetter, clsArabic, clsDigit:
			i, afterWord = a.word(text, i), true
			continue
		case clsMark:
			afterWord = true
		default:
			afterWord = r == '_'
		}
		i += w
	}
}

// word scans the word that starts at i and returns where scanning goes on.
func (a *analyzer) word(text string, i int) int {
	start, end, script, ascii, inert := i, i, clsNone, true, true
	switched, prev := false, clsNone
	for i < len(text) {
		r, w := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, w = utf8.DecodeRuneInString(text[i:])
			ascii = false
			inert = inert && r < smallRunes && small[r]&inertBit != 0
		}
		cls := class(r)
		if cls == clsNone {
			break
		}
		if cls == clsArabic || cls == clsLetter {
			if script == clsNone {
				script = cls
			} else if cls != script {
				switched = true
				break
			}
		}
		// Digits and Arabic letters are two words ("2026م" is 2026 and م,
		// the era), while "mp3" or "h264" stay one.
		if cls == clsDigit && prev == clsArabic || cls == clsArabic && prev == clsDigit {
			break
		}
		i += w
		if cls != clsIgnore {
			end = i
			if cls != clsMark {
				prev = cls
			}
		}
	}
	n := len(a.toks)
	a.addWord(text[start:end], start, end, ascii, inert)
	// An Arabic prefix written onto a word of another script ("الـGo",
	// "بـGoogle") is not a word of its own.
	if switched && script == clsArabic && len(a.toks) == n+1 {
		t := a.toks[n]
		if isArabicPrefix(string(a.buf[t.ts:t.te])) {
			a.toks, a.buf = a.toks[:n], a.buf[:t.ts]
		}
	}
	return i
}

func isArabicPrefix(t string) bool {
	switch t {
	case "ال", "وال", "بال", "كال", "فال", "لل", "و", "ب", "ل", "ك", "ف":
		return true
	}
	return false
}

// addWord appends the Word tokens of one span of the text: one, or several
// when normalization turns the span into several words.
func (a *analyzer) addWord(span string, start, end int, ascii, inert bool) {
	ts := len(a.buf)
	if ascii {
		for i := 0; i < len(span); i++ {
			c := span[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			a.buf = append(a.buf, c)
		}
		a.addTerm(Word, start, end, ts)
		return
	}
	if inert {
		for _, r := range span {
			if a.fold(r, keepNone) {
				ts = a.addTerm(Word, start, end, ts)
			}
		}
		a.addTerm(Word, start, end, ts)
		return
	}
	a.it.InitString(norm.NFKC, span)
	for !a.it.Done() {
		seg := a.it.Next()
		for k := 0; k < len(seg); {
			r, w := utf8.DecodeRune(seg[k:])
			k += w
			if a.fold(r, keepNone) {
				ts = a.addTerm(Word, start, end, ts)
			}
		}
	}
	a.addTerm(Word, start, end, ts)
}

// addTerm makes a token of a.buf[ts:], if it is not empty, and returns where
// the next term starts.
func (a *analyzer) addTerm(kind Kind, start, end, ts int) int {
	te := len(a.buf)
	from := ts
	if kind == Word {
		// Folding may drop a word's first letter (ٴ) and leave the
		// combining mark that sat on it at the head of the term. A mark
		// never begins a word of the text, so it does not begin a term
		// either: what the index holds must analyse to itself.
		for from < te && a.buf[from] >= utf8.RuneSelf {
			r, w := utf8.DecodeRune(a.buf[from:te])
			if !unicode.IsMark(r) {
				break
			}
			from += w
		}
	}
	if te == from {
		a.buf = a.buf[:ts]
		return ts
	}
	t := tok{kind: kind, start: start, end: end, ts: from, te: te, ss: from, se: te}
	if kind == Word {
		var lo, hi int
		t.stem, lo, hi = arabicStem(a.buf[from:te])
		t.ss, t.se = from+lo, from+hi
	}
	a.toks = append(a.toks, t)
	return te
}

// What fold keeps of the ASCII punctuation, besides letters and digits.
const (
	keepNone       = 0
	keepUnderscore = 1 << iota // tags and user names
	keepDotDash                // user names and hosts
	keepColon                  // hosts with a port
)

// fold appends the folded form of r to a.buf, or reports that r separates
// words. r is already in NFKC.
func (a *analyzer) fold(r rune, keep int) (sep bool) {
	if r < utf8.RuneSelf {
		switch {
		case 'a' <= r && r <= 'z' || '0' <= r && r <= '9':
		case 'A' <= r && r <= 'Z':
			r += 'a' - 'A'
		case r == '_' && keep&keepUnderscore != 0,
			(r == '.' || r == '-') && keep&keepDotDash != 0,
			r == ':' && keep&keepColon != 0:
		default:
			return true
		}
		a.buf = append(a.buf, byte(r))
		return false
	}
	if r >= 0x0600 && r <= 0x06FF {
		return a.foldArabic(r)
	}
	if unicode.Is(unicode.Cf, r) || droppedMark(r) {
		return false
	}
	if unicode.IsDigit(r) {
		a.buf = append(a.buf, byte('0'+digitValue(r)))
		return false
	}
	if r < 0x0250 || r >= 0x0370 && r < 0x0400 || r >= 0x1E00 && r < 0x2000 {
		// Latin and Greek: accents go (é is e, ά is α), and letters that
		// are ligatures or variants of others are spelt out.
		r = unicode.ToLower(r)
		var b [utf8.UTFMax]byte
		n := utf8.EncodeRune(b[:], r)
		if d := norm.NFD.Properties(b[:n]).Decomposition(); d != nil {
			for len(d) > 0 {
				c, w := utf8.DecodeRune(d)
				d = d[w:]
				if !unicode.IsMark(c) {
					a.appendLatin(unicode.ToLower(c))
				}
			}
			return false
		}
		if unicode.IsLetter(r) {
			a.appendLatin(r)
			return false
		}
		return !unicode.IsMark(r) && !unicode.IsNumber(r)
	}
	if unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsNumber(r) {
		a.buf = utf8.AppendRune(a.buf, unicode.ToLower(r))
		return false
	}
	return true
}

// appendLatin appends a lowercase Latin or Greek letter without accents,
// spelling out the letters that are ligatures or variants of others.
func (a *analyzer) appendLatin(r rune) {
	switch r {
	case 'ß':
		a.buf = append(a.buf, "ss"...)
		return
	case 'æ':
		a.buf = append(a.buf, "ae"...)
		return
	case 'œ':
		a.buf = append(a.buf, "oe"...)
		return
	case 'þ':
		a.buf = append(a.buf, "th"...)
		return
	case 'ø':
		r = 'o'
	case 'đ', 'ð':
		r = 'd'
	case 'ł':
		r = 'l'
	case 'ı':
		r = 'i'
	case 'ς':
		r = 'σ'
	}
	a.buf = utf8.AppendRune(a.buf, r)
}

// foldArabic folds a rune of the Arabic block (U+0600 to U+06FF): the
// spellings that readers take for the same word become one.
func (a *analyzer) foldArabic(r rune) (sep bool) {
	switch r {
	case 'آ', 'أ', 'إ', 'ٱ', 'ٲ', 'ٳ':
		r = 'ا'
	case 'ى', 'ی': // alef maksura, Persian yeh
		r = 'ي'
	case 'ة', 'ھ', 'ہ': // teh marbuta; the Persian and Urdu heh
		r = 'ه'
	case 'ک': // Persian keheh
		r = 'ك'
	case tatweel, 'ٴ', 'ۥ', 'ۦ': // tatweel; high hamza, small waw and yeh (marks in all but name)
		return false
	default:
		switch {
		case r >= 'ء' && r <= 'ي': // the letters, by far the most frequent
		case r >= '٠' && r <= '٩':
			r = '0' + r - '٠'
		case r >= '۰' && r <= '۹':
			r = '0' + r - '۰'
		default:
			switch small[r] & classBits {
			case clsArabic, clsLetter:
			case clsMark, clsIgnore: // harakat, Quranic marks, format characters
				return false
			default:
				return true
			}
		}
	}
	a.buf = utf8.AppendRune(a.buf, r)
	return false
}

// droppedMark reports whether r is a diacritic that search ignores: Latin,
// Greek and Cyrillic combining accents, Hebrew points, Arabic harakat,
// superscript alef and Quranic annotation marks, and variation selectors.
// The vowel signs of Indic and other scripts are letters' parts and stay.
func droppedMark(r rune) bool {
	switch {
	case r >= 0x0300 && r <= 0x036F, r >= 0x0483 && r <= 0x0489, r >= 0x0591 && r <= 0x05C7:
		return r < 0x0591 || unicode.IsMark(r)
	case r >= 0x0610 && r <= 0x061A, r >= 0x064B && r <= 0x065F, r == 0x0670:
		return true
	case r >= 0x06D6 && r <= 0x06ED:
		return true
	case r >= 0x08CA && r <= 0x08FF: // Arabic Extended-A marks
		return unicode.IsMark(r)
	case r >= 0x1AB0 && r <= 0x1AFF, r >= 0x1DC0 && r <= 0x1DFF, r >= 0x20D0 && r <= 0x20FF:
		return true
	case r >= 0xFE00 && r <= 0xFE0F, r >= 0xFE20 && r <= 0xFE2F, r >= 0xE0100 && r <= 0xE01EF:
		return true
	}
	return false
}

// digitValue is the value of a decimal digit of any script: Unicode gives
// each script's digits as a run of ten, zero first.
func digitValue(r rune) int {
	v := 0
	for v < 9 && unicode.IsDigit(r-1) {
		r--
		v++
	}
	return v % 10
}

// tag scans "#tag" at i; it returns where scanning goes on, or 0 if there is
// no hashtag. A tag is letters, marks, digits and underscores with at least
// one letter, as the post renderer links them; trailing underscores are not
// part of it.
func (a *analyzer) tag(text string, i int) int {
	j, end, letter := i+1, i+1, false
	for j < len(text) {
		r, w := rune(text[j]), 1
		if r >= utf8.RuneSelf {
			r, w = utf8.DecodeRuneInString(text[j:])
		}
		if r == '_' {
			j += w
			continue
		}
		cls := class(r)
		if cls == clsNone {
			break
		}
		letter = letter || cls == clsArabic || cls == clsLetter
		j += w
		if cls != clsIgnore {
			end = j
		}
	}
	if !letter {
		return 0
	}
	ts := len(a.buf)
	a.foldSpan(text[i+1:end], keepUnderscore)
	a.trimEnd(ts, "_")
	// Folding can drop the only letter ("#ٴ00": the high hamza goes),
	// and "#00" is not a tag, nor a mark alone: the term would not
	// analyse to itself.
	if !hasLetter(a.buf[ts:]) {
		a.buf = a.buf[:ts]
		return 0
	}
	if a.addTerm(Tag, i, end, ts) == ts {
		return 0
	}
	return end
}

// hasLetter tells whether b holds a letter, which a tag needs.
func hasLetter(b []byte) bool {
	for len(b) > 0 {
		r, w := utf8.DecodeRune(b)
		if c := class(r); c == clsArabic || c == clsLetter {
			return true
		}
		b = b[w:]
	}
	return false
}

// foldSpan appends the folded form of s to a.buf, dropping what separates
// words (a tag or a name is one term however it is normalized).
func (a *analyzer) foldSpan(s string, keep int) {
	a.it.InitString(norm.NFKC, s)
	for !a.it.Done() {
		seg := a.it.Next()
		for k := 0; k < len(seg); {
			r, w := utf8.DecodeRune(seg[k:])
			k += w
			a.fold(r, keep)
		}
	}
}

// mention scans "@name" or "@name@host" at i; it returns where scanning
// goes on, or 0 if there is no mention.
func (a *analyzer) mention(text string, i int) int {
	nameEnd := scanName(text, i+1, false)
	if nameEnd == i+1 {
		return 0
	}
	end := nameEnd
	if nameEnd+1 < len(text) && text[nameEnd] == '@' {
		if e := scanName(text, nameEnd+1, true); e > nameEnd+1 {
			end = e
		}
	}
	ts := len(a.buf)
	a.foldSpan(text[i+1:nameEnd], keepUnderscore|keepDotDash)
	a.trimEnd(ts, ".-")
	if end > nameEnd && len(a.buf) > ts {
		at := len(a.buf)
		a.buf = append(a.buf, '@')
		a.foldSpan(text[nameEnd+1:end], keepDotDash|keepColon)
		if a.trimEnd(at+1, ".-"); len(a.buf) == at+1 {
			a.buf = a.buf[:at]
		}
	}
	if a.addTerm(Mention, i, end, ts) == ts {
		return 0
	}
	return end
}

// trimEnd drops the bytes of cut that end the term folded into
// a.buf[from:]. A name never ends with a dot or a dash as written
// (scanName), nor a tag with '_' (tag), but folding can drop what
// followed them (a Hebrew point after "0.", a combining mark after "A_"),
// and the term must analyse to itself.
func (a *analyzer) trimEnd(from int, cut string) {
	for len(a.buf) > from && strings.IndexByte(cut, a.buf[len(a.buf)-1]) >= 0 {
		a.buf = a.buf[:len(a.buf)-1]
	}
}

// scanName returns the end of the user name (or, with host, the host name
// and port) that starts at i: letters, digits, marks and '_' (hosts: '-'),
// with '.' and '-' inside but not at the end.
func scanName(text string, i int, host bool) int {
	end := i
	for i < len(text) {
		r, w := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, w = utf8.DecodeRuneInString(text[i:])
		}
		switch {
		case r == '.' || r == '-':
		case r == ':' && host:
			if i+1 >= len(text) || text[i+1] < '0' || text[i+1] > '9' {
				return end
			}
		case r == '_' && !host:
			end = i + w
		default:
			cls := class(r)
			if cls == clsNone || cls == clsIgnore {
				return end
			}
			end = i + w
		}
		i += w
	}
	return end
}

// link scans a link at i (http://, https:// or www.); it returns where
// scanning goes on, after the whole link, or 0 if there is none. Only the
// host is a token: paths are too noisy to search.
func (a *analyzer) link(text string, i int) int {
	hs := i
	switch {
	case hasPrefixFold(text[i:], "https://"):
		hs += len("https://")
	case hasPrefixFold(text[i:], "http://"):
		hs += len("http://")
	case hasPrefixFold(text[i:], "www."):
	default:
		return 0
	}
	// The authority ends at the path, query or fragment; the host is what
	// follows its last '@' (user information) and precedes a port.
	j := hs
	for j < len(text) && !linkEnd(text, j) && text[j] != '/' && text[j] != '?' && text[j] != '#' {
		if j-hs > maxAuthority {
			return 0 // no host is that long; and a text of "www." cannot make this quadratic
		}
		if text[j] == '@' {
			hs = j + 1
		}
		_, w := utf8.DecodeRuneInString(text[j:])
		j += w
	}
	he := scanName(text, hs, false)
	if strings.IndexByte(text[hs:he], '_') >= 0 {
		return 0 // not a host name after all
	}
	ts := len(a.buf)
	a.foldSpan(text[hs:he], keepDotDash)
	a.trimEnd(ts, ".-")
	// Every "www." goes, as folded ("ẁww." is one too): with one left
	// ("www.www.x" gave "www.x"), the indexed term would analyse as a
	// link to "x" and not find itself.
	host := a.buf[ts:]
	for bytes.HasPrefix(host, []byte("www.")) {
		host = host[4:]
	}
	if len(host) == 0 || host[0] == '.' || host[0] == '-' {
		a.buf = a.buf[:ts]
		return 0
	}
	a.buf = a.buf[:ts+copy(a.buf[ts:], host)]
	if a.addTerm(Host, hs, he, ts) == ts {
		return 0
	}
	for j < len(text) && !linkEnd(text, j) {
		_, w := utf8.DecodeRuneInString(text[j:])
		j += w
	}
	return j
}

// maxAuthority bounds the user information, host and port of a link, in
// bytes: host names have at most 253.
const maxAuthority = 512

// linkEnd reports whether the rune at text[i] ends a link: a space or a
// character that cannot be in one written bare.
func linkEnd(text string, i int) bool {
	c := text[i]
	if c < utf8.RuneSelf {
		return c <= ' ' || c == '<' || c == '>' || c == '"' || c == '`' || c == 0x7F
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return unicode.IsSpace(r)
}

// hasPrefixFold reports whether s starts with the lowercase ASCII prefix,
// ignoring case.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}
