package search

// Light stemming of Arabic words: the prefixes and suffixes that most often
// change a word's spelling without changing which word it is are taken off,
// so that الكتاب, والكتاب, بالكتاب, كتابها and كتاب are found together.
// There is no dictionary: the rules ask for enough letters to remain that
// the rest is still a word, and are chosen so that stripping a prefix P from
// P+X always gives the stem of X (the rules run again on what remains).
//
// In order, on a term already normalized (see fold):
//
//  1. the article forms وال بال كال فال لل ال come off when at least two
//     letters remain, and the rules start again on the rest;
//  2. the suffixes ها ان ات ون ين يه ه ي (ية and ة are يه and ه once
//     normalized) come off, longest first and repeatedly, while three
//     letters remain (four for ان, so that لبنان and انسان stay whole);
//  3. the conjunction و comes off when three letters remain after the
//     suffixes, and the bare prepositions ب ل ك ف when five do — they begin
//     too many words (كلب, فيل, لبنان, بيت) to be taken off short ones — and
//     the rules start again on the rest.
//
// The name of God (الله, لله, والله, بالله, تالله ...) stems to الله rather
// than to له ("for him"), and اللهم stays whole rather than لهم ("for them").

// maxStemmed is the longest word, in letters, that is stemmed.
const maxStemmed = 40

type affix struct {
	text string
	min  int // letters that must remain
}

var articles = [...]string{"وال", "بال", "كال", "فال", "لل", "ال"}

var suffixes = [...]affix{
	{"ها", 3}, {"ان", 4}, {"ات", 3}, {"ون", 3}, {"ين", 3}, {"يه", 3},
	{"ه", 3}, {"ي", 3},
}

// arabicStem returns the stem of a normalized term as t[lo:hi], or as fixed
// when it is no part of t. Terms that are not wholly Arabic letters are
// their own stem.
func arabicStem[S ~string | ~[]byte](t S) (fixed string, lo, hi int) {
	// No Arabic word is that long: a longer run of letters is stemmed as it
	// is, which also keeps the work on hostile text linear.
	if len(t) > 2*maxStemmed || !arabicLetters(t) {
		return "", 0, len(t)
	}
	switch string(t) {
	case "الله", "لله", "والله", "بالله", "فالله", "تالله", "وبالله", "فلله", "ولله":
		return "الله", 0, 0
	case "اللهم":
		return "", 0, len(t)
	}
	// Every letter takes two bytes (arabicLetters checked it).
	for {
		w := t[lo:]
		n := len(w) / 2
		if p := articleLen(w); p > 0 && n-p >= 2 {
			lo += 2 * p
			continue
		}
		s := suffixLen(w)
		if n > 1 {
			switch string(w[:2]) {
			case "و":
				if s-1 >= 3 {
					lo += 2
					continue
				}
			case "ب", "ل", "ك", "ف":
				if s-1 >= 5 {
					lo += 2
					continue
				}
			}
		}
		return "", lo, lo + 2*s
	}
}

// articleLen is the length in letters of the article form w begins with, or 0.
func articleLen[S ~string | ~[]byte](w S) int {
	for _, p := range articles {
		if len(w) >= len(p) && string(w[:len(p)]) == p {
			return len(p) / 2
		}
	}
	return 0
}

// suffixLen is the length in letters of w once its suffixes are off.
func suffixLen[S ~string | ~[]byte](w S) int {
	n := len(w) / 2
	for {
		cut := false
		for _, s := range suffixes {
			k := len(s.text) / 2
			if n-k >= s.min && string(w[2*(n-k):2*n]) == s.text {
				n -= k
				cut = true
				break
			}
		}
		if !cut {
			return n
		}
	}
}

// arabicLetters reports whether t is one or more letters of the Arabic
// block (which take two bytes each), and nothing else.
func arabicLetters[S ~string | ~[]byte](t S) bool {
	if len(t) == 0 || len(t)%2 != 0 {
		return false
	}
	for i := 0; i < len(t); i += 2 {
		c0, c1 := t[i], t[i+1]
		if c0 < 0xD8 || c0 > 0xDB || c1 < 0x80 || c1 > 0xBF {
			return false
		}
		r := rune(c0&0x1F)<<6 | rune(c1&0x3F)
		if !(r >= 0x0621 && r <= 0x064A || r >= 0x066E && r <= 0x06D3 || r >= 0x06FA && r <= 0x06FF) {
			return false
		}
	}
	return true
}
