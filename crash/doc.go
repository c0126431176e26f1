// Package crash proves that majlis keeps what it acknowledged: it runs a
// built majlis binary as a child process, has concurrent clients publish
// posts, kills the process with SIGKILL at a random moment, checks the bbolt
// file with "majlis check", restarts the server and verifies that
//
//   - every post answered as published (303, or 200 under HTMX) is still
//     there: listed on its author's profile, and its permalink answers 200
//     with the post's text;
//   - every post that exists, including those whose request was cut off by
//     the kill, is complete: its permalink renders;
//   - no post was stored twice;
//   - each author's post count (data-testid="posts-count") equals the number
//     of posts listed on the profile across every "?before=" page, since the
//     count and the index are written in the same transaction;
//   - sessions survive the restart (they live in the file) and logging in
//     still works;
//   - the search index agrees with the posts ("majlis check" verifies it,
//     the indexer commits with its cursor) and a few acknowledged posts of
//     each round are found by /search once the restarted server's indexer
//     has caught up.
//
// After the last round the server is stopped with SIGTERM and must exit 0
// within 15 seconds, and the file is checked once more.
//
// SIGKILL ends the process, not the machine: written pages are in the
// kernel's page cache whether or not they were fsynced, so this proves the
// commit protocol (acknowledge only after commit, no torn transactions seen
// by the next process), not durability across power loss.
//
// The package talks only to 127.0.0.1. Run uses it from a test:
//
//	rep, err := crash.Run(ctx, crash.Options{Binary: bin, DataDir: dir, Rounds: 3})
//	if err != nil { ... }           // the harness itself failed
//	for _, p := range rep.Problems() { ... } // what majlis got wrong
package crash
