package seed

import (
	"math/rand/v2"
	"strconv"
	"strings"

	"majlis/markup"
)

// maxBody is the longest body the generator writes, in characters as
// markup.Length counts them; the server's limit is 500.
const maxBody = 480

// writer makes post bodies: Markdown with emphasis, links, lists, code,
// quotes, @mentions of existing users, #hashtags, some Arabic and emoji.
type writer struct {
	r       *rand.Rand
	mention func() string // a username, popular ones more often
	tag     *rand.Zipf    // index into tags, the first ones more often
}

func (w *writer) pick(list []string) string { return list[w.r.IntN(len(list))] }

// phrase is one short English sentence, from the bank or made up.
func (w *writer) phrase() string {
	if w.r.IntN(2) == 0 {
		return w.pick(sentences)
	}
	s := "I " + w.pick(verbs) + " " + w.pick(things) + " " + w.pick(adverbs) + "."
	if w.r.IntN(4) == 0 {
		s = "Finally, " + s
	}
	return s
}

// emphasise puts Markdown emphasis on one word of s, sometimes.
func (w *writer) emphasise(s string) string {
	words := strings.Fields(s)
	if len(words) < 3 || w.r.IntN(3) != 0 {
		return s
	}
	i := 1 + w.r.IntN(len(words)-2)
	word := strings.Trim(words[i], ".,!?:")
	if word == "" || strings.ContainsAny(word, "*_`[]") {
		return s
	}
	mark := "*"
	switch w.r.IntN(4) {
	case 0:
		mark = "**"
	case 1:
		mark = "_"
	}
	words[i] = strings.Replace(words[i], word, mark+word+mark, 1)
	return strings.Join(words, " ")
}

func (w *writer) link() string {
	path := w.pick(nouns) + "-" + w.pick(nouns)
	url := "https://" + w.pick(domains) + "/" + path
	switch w.r.IntN(3) {
	case 0:
		return url // a bare URL, linkified
	case 1:
		return "[" + w.pick(adjectives) + " " + w.pick(nouns) + "](" + url + ")"
	}
	return "<" + url + ">"
}

// block is one paragraph-sized piece of a post.
func (w *writer) block() string {
	switch n := w.r.IntN(100); {
	case n < 50:
		s := w.emphasise(w.phrase())
		if w.r.IntN(2) == 0 {
			s += " " + w.emphasise(w.phrase())
		}
		return s
	case n < 62:
		return w.pick(arabic)
	case n < 70:
		var b strings.Builder
		b.WriteString(w.pick([]string{"Today's list:", "Things I learned this week:", "Shopping list:", "قائمة اليوم:"}))
		for range 2 + w.r.IntN(3) {
			b.WriteString("\n- ")
			b.WriteString(w.pick(things))
		}
		return b.String()
	case n < 75:
		var b strings.Builder
		b.WriteString("Steps:")
		for i := range 2 + w.r.IntN(3) {
			b.WriteString("\n" + strconv.Itoa(i+1) + ". " + w.pick(verbs) + " " + w.pick(things))
		}
		return b.String()
	case n < 81:
		return "> " + w.pick(quotes)
	case n < 86:
		return "Running `" + w.pick(codeSnippets) + "` " + w.pick(adverbs) + "."
	case n < 89:
		return "```\n" + w.pick(codeBlocks) + "\n```"
	case n < 95:
		return w.pick([]string{"Worth reading:", "Found this:", "Via a friend:", "Bookmarked:"}) + " " + w.link()
	default:
		return "~~" + w.pick(things) + "~~ " + w.pick(things) + " " + w.pick(adverbs) + "."
	}
}

// body writes one post of roughly the target length drawn for it: many
// one-liners, some paragraphs, a few long posts up to maxBody characters.
func (w *writer) body() string {
	var target int
	switch n := w.r.Float64(); {
	case n < 0.35:
		target = 15 + w.r.IntN(65)
	case n < 0.80:
		target = 80 + w.r.IntN(170)
	default:
		target = 250 + w.r.IntN(maxBody-250)
	}
	var parts []string
	length := 0
	add := func(s, sep string) bool {
		n := markup.Length(s)
		if length > 0 {
			n += markup.Length(sep)
		}
		if length+n > maxBody {
			return false
		}
		if length > 0 {
			parts = append(parts, sep)
		}
		parts = append(parts, s)
		length += n
		return true
	}
	if w.r.IntN(4) == 0 {
		add("@"+w.mention(), "")
		parts = append(parts, " ")
		length++
	}
	first := true
	for length < target {
		sep := "\n\n"
		if first {
			sep = ""
		}
		if !add(w.block(), sep) {
			break
		}
		first = false
	}
	if w.r.IntN(3) == 0 {
		add(w.pick(emoji), " ")
	}
	if w.r.IntN(5) == 0 {
		add("cc @"+w.mention(), "\n\n")
	}
	if w.r.IntN(3) == 0 {
		var b strings.Builder
		for i := range 1 + w.r.IntN(3) {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString("#" + tags[w.tag.Uint64()])
		}
		add(b.String(), "\n\n")
	}
	return strings.Join(parts, "")
}

// maxReply is the longest reply text the generator writes, before the
// mentions the caller puts in front.
const maxReply = 200

// reply writes a short answer: a reaction, a sentence or two, sometimes an
// emoji, a hashtag or a line of Arabic. Whom it answers is the caller's to
// add in front.
func (w *writer) reply() string {
	var s string
	switch n := w.r.IntN(100); {
	case n < 25:
		s = w.pick(reactions)
	case n < 55:
		s = w.pick(reactions) + " " + w.emphasise(w.phrase())
	case n < 70:
		s = w.pick(arabicReplies)
	case n < 80:
		s = w.emphasise(w.phrase())
	case n < 88:
		s = w.pick(arabicReplies) + " " + w.pick(arabic)
	case n < 94:
		s = w.pick(reactions) + " " + w.link()
	default:
		s = w.emphasise(w.phrase()) + " " + w.emphasise(w.phrase())
	}
	if w.r.IntN(4) == 0 {
		s += " " + w.pick(emoji)
	}
	if w.r.IntN(12) == 0 {
		s += " #" + tags[w.tag.Uint64()]
	}
	if markup.Length(s) > maxReply {
		s = w.pick(reactions)
	}
	return s
}
