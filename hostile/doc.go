// Package hostile holds majlis's memory test and the hostile corpus it
// sends: files small on the wire that are big when decoded.
//
// TestMemory (go test ./hostile/) builds the real binary, runs it under a
// hard memory limit of 512 MB and sends it the corpus, one item at a
// time, each item's requests at once, while a member keeps publishing.
// Then it checks that the server is still up, that every post it
// acknowledged (200 with the post's permalink) is still readable, that it
// stops cleanly, and that "majlis check" passes on the data. It fails, in
// a subtest named after the item, when an item kills the server, makes
// its peak resident set (VmHWM, reset before each item) exceed 512 MB, or
// gets a 5xx; a killed server is restarted so that one run names every
// item that fails, and the log ends with the peak of each item.
//
// The corpus, built in code by the functions of this package:
//
//   - images of every accepted format, each sent through the three doors
//     that take one at once (the compose box's upload, the avatar form
//     and an archive import): a PNG, a JPEG and a WebP declaring more
//     pixels than allowed; a 16-bit RGBA PNG, a progressive JPEG and a
//     lossless WebP just under the pixel cap, a few hundred kilobytes
//     each; a GIF whose first frame is followed by a Plain Text Extension
//     that hides 200 frames of 2000x2000 from a naive frame counter;
//   - archives: posts.json holding a 300 MB string, following.json
//     holding an array of 32 million zeros, 3 million entries described
//     by the central directory alone, and a zip inside the zip beside
//     entries that hold a gigabyte or lie about their size;
//   - posts of the longest length an admin may allow, nested as deep as
//     Markdown goes (quotes, lists, emphasis, links, code, HTML);
//   - 2000 logins of one account, each with a 60 KB User-Agent.
//
// The limit is a memory cgroup of the server's own, made under the cgroup
// the test runs in (v1, or v2 where the memory controller is delegated)
// and checked by a probe that must be killed in it. Where none can be
// made, the server runs without a limit, the test fails on VmHWM alone,
// and kills the server past twice the budget; the log says which. Set
// MAJLIS_HOSTILE_NO_CGROUP=1 to try that fallback. RLIMIT_AS is not used:
// a Go program reserves far more address space than memory. VmHWM also
// counts the pages of the database file the server has touched through
// its memory map; the test's database stays near 150 MB.
//
// The accounts are made in the file before the server starts, with
// passwords hashed at bcrypt's lowest cost, so that thousands of logins
// take seconds. The test needs Linux (/proc); -short skips it.
package hostile
