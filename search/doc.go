// Package search finds posts, people and hashtags, in Arabic as well as in
// Latin scripts, with an index kept in the same bbolt file as everything
// else.
//
// The package has one door for text analysis, used the same way when a post
// is indexed and when a query is read:
//
//   - Analyze splits text into tokens (words, #tags, @mentions, link hosts),
//     each with its normalized term and its light stem;
//   - Normalize folds a single word or phrase the same way (keyword filters
//     use it, so a filter matches what search would);
//   - ParseQuery reads the query language (words, "phrases", -word, from:,
//     #tag, has:media, is:reply, before:/after:, in:bookmarks/in:liked).
package search
