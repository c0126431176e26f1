package views

import "strconv"

func itoa(n int) string { return strconv.Itoa(n) }

// textareaText is a textarea's content as written into the page: the HTML
// parser drops one newline right after <textarea>, so one is added and a
// text that starts with a newline keeps it.
func textareaText(s string) string { return "\n" + s }
