// Package interop proves that majlis federates with ActivityPub software
// nobody here wrote: a small peer built on the npm package @fedify/fedify
// (testdata/fedify/peer.mjs, version pinned in its package.json and
// package-lock.json) runs beside a majlis binary on loopback over plain
// HTTP, and the tests drive both.
//
// The Node project lives under testdata/ so that Go patterns like ./...
// never walk its node_modules (the go command skips testdata folders).
// Its tests:
//
//   - TestPeerAgainstFakeActor checks the harness without majlis: the peer
//     against a tiny actor served by the test, whose inbox verifies
//     signatures with majlis's federation.CheckRequest and VerifyRequest and
//     which signs what it sends with federation.Sign.
//   - TestFedifyPeerWithMajlis builds majlis, starts it with
//     -url http://127.0.0.1:PORT -allow-private-addresses, registers members
//     through the web forms, and has the peer look a member up, follow,
//     receive signed posts, reply, like and boost, while the pages show it.
//   - TestFedifyPeerPolls: a member's poll reaches the peer as a Question,
//     and the peer's vote is counted.
//   - TestFedifyPeerQuotes: quotes both ways with the quote policy and the
//     QuoteRequest flow (Fedify 1.5.9 says a quote with quoteUrl only and
//     has no QuoteRequest class: the peer writes its QuoteRequest as
//     JSON-LD, and cannot parse majlis's, nor the Accept of its own).
//   - TestFedifyPeerMoves: the peer's account moves and majlis moves the
//     follow; a member moves to a peer account and Fedify reads the Move.
//
// They skip when node or the peer's node_modules is missing, unless
// MAJLIS_E2E=1 (CI), which turns that into a failure. By hand:
//
//	(cd interop/testdata/fedify && npm ci)
//	go test ./interop/ -count=1 -v
//
// The peer alone, to poke at it with curl:
//
//	node interop/testdata/fedify/peer.mjs --port 8081
//	curl -s -XPOST -d '{"url":"http://127.0.0.1:8081/users/peer"}' http://127.0.0.1:8081/control/lookup
//
// Its control API (JSON; every URL is looked up by URL, as Fedify's
// WebFinger lookups assume https): GET /control/received (activities its
// inbox accepted), GET /control/inbox-log (every inbox POST and the status
// Fedify answered), GET /control/state, POST /control/lookup {"url",
// "signed"}, /control/follow {"actor"}, /control/unfollow {"actor"},
// /control/reply {"inReplyTo", "to", "content"}, /control/like {"object"},
// /control/announce {"object"}, /control/vote {"question", "to", "name"},
// /control/publish {"content"}, /control/quote {"object", "content",
// "create"}, /control/quote-request {"note"}, /control/fetch {"url"} (raw
// JSON, signed), /control/account {"identifier", "aliases"} (another
// account of the peer's), /control/move {"from", "target"},
// /control/reset. PEER_LOG=debug shows Fedify's log.
package interop
