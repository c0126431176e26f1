package markup

import (
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Budgets
//
// Markdown is outside input, and some of goldmark's algorithms cost time or
// memory that grows with the square of what hostile input repeats: each
// container block nested in another rescans the rest of its line, each
// emphasis delimiter is compared with every earlier one, each unclosed link
// destination or code span scans to the end of its line or paragraph, and a
// link reference definition can be used thousands of times. The parser below
// bounds all of them, so that rendering costs time and memory proportional
// to the length of the source, whatever it holds:
//
//   - Block quotes and lists nest at most maxBlockDepth deep; a ">" or list
//     marker deeper than that is text of the innermost paragraph.
//   - A paragraph or heading holds at most maxInlineMarks emphasis,
//     strikethrough, link and image brackets and code-span backticks; later
//     ones are shown as the characters they are.
//   - Link and image destinations sum to at most the length of the source
//     plus linkSlack bytes; links beyond that show their text only (only
//     link references used over and over can reach this).
//   - The syntax tree nests at most maxDepth levels (see markup.go), and a
//     source longer than maxSource bytes is not read as Markdown at all:
//     both are shown as plain paragraphs of escaped text.
//   - The HTML is at most maxOutputFactor times as long as the source plus
//     outputSlack bytes; a rendering that would be longer (none is known)
//     is replaced by plain paragraphs too.
//
// Ordinary posts never reach any of these: nothing is lost, only the
// formatting of pathological input.
const (
	maxBlockDepth   = 16
	maxInlineMarks  = 256
	linkSlack       = 4 << 10
	maxSource       = 64 << 10
	maxOutputFactor = 32
	outputSlack     = 4 << 10
)

// newParser returns goldmark's default parser with the budgets above, plus
// strikethrough, the social parser and linkify.
func newParser() parser.Parser {
	var blocks []util.PrioritizedValue
	for _, v := range parser.DefaultBlockParsers() {
		switch v.Value {
		case parser.NewBlockquoteParser(), parser.NewListParser():
			v.Value = nestingLimit{v.Value.(parser.BlockParser)}
		}
		blocks = append(blocks, v)
	}
	var inlines []util.PrioritizedValue
	for _, v := range parser.DefaultInlineParsers() {
		switch v.Value {
		case parser.NewLinkParser(), parser.NewEmphasisParser(), parser.NewCodeSpanParser():
			v.Value = markLimit{v.Value.(parser.InlineParser)}
		}
		inlines = append(inlines, v)
	}
	inlines = append(inlines,
		util.Prioritized(markLimit{extension.NewStrikethroughParser()}, 500),
		// No other inline parser triggers on '@' or '#', so the priority
		// only has to be valid.
		util.Prioritized(socialParser{}, 500),
	)
	return parser.NewParser(
		parser.WithBlockParsers(blocks...),
		parser.WithInlineParsers(inlines...),
		parser.WithParagraphTransformers(parser.DefaultParagraphTransformers()...),
		parser.WithASTTransformers(util.Prioritized(linkLimit{}, 100)),
	)
}

// nestingLimit is a container block parser (block quote or list) that opens
// nothing inside maxBlockDepth containers, so the line is read as text.
type nestingLimit struct{ parser.BlockParser }

// Open implements parser.BlockParser.
func (p nestingLimit) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	depth := 0
	for n := parent; n != nil; n = n.Parent() {
		if k := n.Kind(); k == ast.KindBlockquote || k == ast.KindList {
			if depth++; depth >= maxBlockDepth {
				return nil, parser.NoChildren
			}
		}
	}
	return p.BlockParser.Open(parent, reader, pc)
}

// marksKey is the parser.Context key of the *markCount of a parse.
var marksKey = parser.NewContextKey()

// markCount counts the inline marks of the block being parsed.
type markCount struct {
	block ast.Node
	n     int
}

// markLimit is an inline parser (links and images, emphasis,
// strikethrough, code spans) that declines once its block has used
// maxInlineMarks marks, leaving the character as text. Every attempt
// counts, whether it finds its construct or not: each may scan the rest of
// its line or block (an unclosed link destination or code span, a run of
// tildes too long for strikethrough), and each emphasis delimiter it
// pushes, even one inside a word that can neither open nor close, is
// compared with the others of its block. So the budget bounds a block's
// cost by maxInlineMarks times its length.
type markLimit struct{ parser.InlineParser }

// Parse implements parser.InlineParser.
func (p markLimit) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	if line, _ := block.PeekLine(); len(line) > 0 && line[0] == '!' && (len(line) < 2 || line[1] != '[') {
		return nil // '!' is only a mark before '['; the link parser declines it
	}
	c, _ := pc.Get(marksKey).(*markCount)
	if c == nil {
		c = &markCount{}
		pc.Set(marksKey, c)
	}
	if c.block != parent {
		c.block, c.n = parent, 0
	}
	if c.n >= maxInlineMarks {
		return nil
	}
	c.n++
	return p.InlineParser.Parse(parent, block, pc)
}

// CloseBlock implements parser.CloseBlocker for the parsers that need it
// (the link parser turns unclosed brackets into text there).
func (p markLimit) CloseBlock(parent ast.Node, block text.Reader, pc parser.Context) {
	if cb, ok := p.InlineParser.(parser.CloseBlocker); ok {
		cb.CloseBlock(parent, block, pc)
	}
}

// linkLimit unwraps links and images once their destinations sum to more
// than the source's length plus linkSlack: a link reference defined once can
// be used many times, and each use would repeat the destination in the HTML.
type linkLimit struct{}

// Transform implements parser.ASTTransformer.
func (linkLimit) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	budget := len(reader.Source()) + linkSlack
	var over []ast.Node
	walk(doc, func(n ast.Node) bool {
		var dest []byte
		switch n := n.(type) {
		case *ast.Link:
			dest = n.Destination
		case *ast.Image:
			dest = n.Destination
		default:
			return true
		}
		if budget -= len(dest); budget < 0 {
			over = append(over, n)
		}
		return true
	})
	for _, n := range over {
		unwrap(n)
	}
}

// unwrap replaces n by its children.
func unwrap(n ast.Node) {
	parent := n.Parent()
	for c := n.FirstChild(); c != nil; {
		next := c.NextSibling()
		parent.InsertBefore(parent, n, c)
		c = next
	}
	parent.RemoveChild(parent, n)
}

// walk calls fn for each descendant of n in document order, descending into
// a node's children when fn returns true. It keeps no stack of its own: the
// tree of pathological input may be tens of thousands of levels deep.
func walk(n ast.Node, fn func(ast.Node) bool) {
	c := n.FirstChild()
	for c != nil {
		if fn(c) && c.FirstChild() != nil {
			c = c.FirstChild()
			continue
		}
		for c != n && c.NextSibling() == nil {
			c = c.Parent()
		}
		if c == n {
			return
		}
		c = c.NextSibling()
	}
}

// deeperThan reports whether the tree under n is more than limit levels
// deep, n's children being level 1. It stops at the first node too deep.
func deeperThan(n ast.Node, limit int) bool {
	depth := 0
	c := n.FirstChild()
	if c != nil {
		depth = 1
	}
	for c != nil {
		if depth > limit {
			return true
		}
		if c.FirstChild() != nil {
			c, depth = c.FirstChild(), depth+1
			continue
		}
		for c != n && c.NextSibling() == nil {
			c, depth = c.Parent(), depth-1
		}
		if c == n {
			break
		}
		c = c.NextSibling()
	}
	return false
}
