package storage

import "encoding/binary"

var (
	bucketMeta         = []byte("meta")
	bucketUsers        = []byte("users")
	bucketUsernames    = []byte("usernames")
	bucketPosts        = []byte("posts")
	bucketAuthorPosts  = []byte("author_posts")
	bucketLocalPosts   = []byte("local_posts")
	bucketFollows      = []byte("follows")
	bucketFollowers    = []byte("followers")
	bucketSessions     = []byte("sessions")
	bucketUserSessions = []byte("user_sessions")
	bucketReplies      = []byte("replies")
	bucketTags         = []byte("tags")
	bucketLikes        = []byte("likes")
	bucketUserLikes    = []byte("user_likes")
	bucketReposts      = []byte("reposts")
	bucketUserReposts  = []byte("user_reposts")
	bucketBookmarks    = []byte("bookmarks")
	bucketPostMarks    = []byte("post_bookmarks")
	bucketNotes        = []byte("notifications")
	bucketBlocks       = []byte("blocks")
	bucketBlockedBy    = []byte("blocked_by")
	bucketMutes        = []byte("mutes")
	bucketRequests     = []byte("follow_requests")
	bucketSentRequests = []byte("sent_requests")
	bucketEdits        = []byte("edits")
	bucketMedia        = []byte("media")
	bucketMediaMeta    = []byte("media_meta")
	// Who may see a stored file (attachments.go).
	bucketMediaPosts    = []byte("media_posts")
	bucketMediaProfiles = []byte("media_profiles")
	bucketMediaUploads  = []byte("media_uploads")
	// Administration (instance.go, invites.go, reports.go, modlog.go).
	bucketInvites      = []byte("invites")
	bucketUserInvites  = []byte("user_invites")
	bucketApplications = []byte("applications")
	bucketReports      = []byte("reports")
	bucketOpenReports  = []byte("open_reports")
	bucketUserReports  = []byte("user_reports")
	bucketModLog       = []byte("modlog")
	// Federation (outbox.go).
	bucketOutbox          = []byte("outbox")
	bucketRemoteFollowers = []byte("remote_followers")
	bucketRemoteURIs      = []byte("remote_uris")
	bucketTombstones      = []byte("tombstones")
	// Federation, the rest (actorkeys.go and the files named below).
	// actor_keys: account ID (0: the instance actor) -> PEM private key.
	bucketActorKeys = []byte("actor_keys")
	// post_uris: URI of a remote post -> post ID.
	bucketPostURIs = []byte("post_uris")
	// inbox: received activities waiting to be processed; inbox_seen:
	// activity IDs already taken in (idempotency).
	bucketInbox     = []byte("inbox")
	bucketInboxSeen = []byte("inbox_seen")
	// deliveries: what is left to send of each outbox entry; hosts: what
	// is known of each other server (failures, availability).
	bucketDeliveries = []byte("deliveries")
	bucketHosts      = []byte("hosts")
	// domain_blocks: the instance's decisions about other servers;
	// user_domain_blocks: a member's (userID | domain).
	bucketDomainBlocks     = []byte("domain_blocks")
	bucketUserDomainBlocks = []byte("user_domain_blocks")
	// The client API (oauth.go): registered apps, their client IDs,
	// authorization codes, access tokens (keyed by the hash of the
	// token) and each member's tokens.
	bucketOAuthApps    = []byte("oauth_apps")
	bucketOAuthClients = []byte("oauth_clients")
	bucketOAuthCodes   = []byte("oauth_codes")
	bucketOAuthTokens  = []byte("oauth_tokens")
	bucketUserTokens   = []byte("user_tokens")
	// public_posts: postID => nil, the federated timeline: public
	// top-level posts, written here or on other servers.
	bucketPublicPosts = []byte("public_posts")
	// Search (searchindex.go, searchpeople.go): posting blocks by term,
	// the posts to index again, the accounts by name.
	bucketSearchPostings = []byte("search_postings")
	bucketSearchQueue    = []byte("search_queue")
	bucketSearchPeople   = []byte("search_people")
	keySearchCursor      = []byte("search_cursor")
	// Lists, keyword filters and followed hashtags (lists.go, filters.go,
	// followed_tags.go): lists: listID => List; user_lists: ownerID |
	// listID; list_members: listID | accountID; filters: userID |
	// filterID => Filter; followed_tags: userID | tag => time;
	// tag_followers: tag | 0x00 | userID.
	bucketLists        = []byte("lists")
	bucketUserLists    = []byte("user_lists")
	bucketListMembers  = []byte("list_members")
	bucketFilters      = []byte("filters")
	bucketFollowedTags = []byte("followed_tags")
	bucketTagFollowers = []byte("tag_followers")
	// Polls (polls.go): poll_votes: postID|voterID => the chosen options;
	// user_votes: voterID|postID => nil; poll_ends: end (ms)|postID =>
	// nil, the polls whose end is still to announce.
	bucketPollVotes = []byte("poll_votes")
	bucketUserVotes = []byte("user_votes")
	bucketPollEnds  = []byte("poll_ends")
	// two_factor: a member's second factor (twofactor.go); cert_cache:
	// the built-in HTTPS server's ACME account and certificates.
	bucketTwoFactor = []byte("two_factor")
	bucketCertCache = []byte("cert_cache")
	// direct_posts: userID | postID => nil, the direct posts a local
	// member wrote or was mentioned in (direct.go).
	bucketDirectPosts = []byte("direct_posts")
	// Quotes (quotes.go): quotes: quotedID|quotingID => nil;
	// quote_auths: authorization URI => quoting post ID.
	bucketQuotes     = []byte("quotes")
	bucketQuoteAuths = []byte("quote_auths")

	keySchemaVersion = []byte("schema_version")
	keySessionKeys   = []byte("session_keys")
)

// Custom emoji (emoji.go).
var (
	bucketEmoji      = []byte("emoji")
	bucketEmojiFiles = []byte("emoji_files")
)

// allBuckets lists every top-level bucket; Open creates the missing ones.
var allBuckets = [][]byte{
	bucketMeta, bucketUsers, bucketUsernames, bucketPosts, bucketAuthorPosts,
	bucketLocalPosts, bucketFollows, bucketFollowers, bucketSessions, bucketUserSessions,
	bucketReplies, bucketTags, bucketLikes, bucketUserLikes, bucketReposts, bucketUserReposts,
	bucketBookmarks, bucketPostMarks, bucketNotes, bucketBlocks, bucketBlockedBy, bucketMutes,
	bucketRequests, bucketSentRequests, bucketEdits, bucketMedia, bucketMediaMeta,
	bucketMediaPosts, bucketMediaProfiles, bucketMediaUploads,
	bucketInvites, bucketUserInvites, bucketApplications, bucketReports, bucketOpenReports,
	bucketUserReports, bucketModLog,
	bucketOutbox, bucketRemoteFollowers, bucketRemoteURIs, bucketTombstones,
	bucketActorKeys, bucketPostURIs, bucketInbox, bucketInboxSeen, bucketDeliveries,
	bucketHosts, bucketDomainBlocks, bucketUserDomainBlocks,
	bucketOAuthApps, bucketOAuthClients, bucketOAuthCodes, bucketOAuthTokens, bucketUserTokens,
	bucketPublicPosts,
	bucketSearchPostings, bucketSearchQueue, bucketSearchPeople,
	bucketLists, bucketUserLists, bucketListMembers, bucketFilters, bucketFollowedTags, bucketTagFollowers,
	bucketPollVotes, bucketUserVotes, bucketPollEnds,
	bucketTwoFactor, bucketCertCache,
	bucketDirectPosts,
	bucketPollVotes, bucketUserVotes, bucketPollEnds, bucketQuotes, bucketQuoteAuths,
	bucketEmoji, bucketEmojiFiles,
}

// tagKey is the key of a post under a hashtag: tag | 0x00 | postID. The
// zero byte ends the tag, so "go" and "gopher" never share a prefix.
func tagKey(tag string, id ID) []byte {
	k := make([]byte, 0, len(tag)+9)
	k = append(k, tag...)
	k = append(k, 0)
	return append(k, idKey(id)...)
}

func tagPrefix(tag string) []byte { return append([]byte(tag), 0) }

// idKey encodes an ID as 8 big-endian bytes.
func idKey(id ID) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(id))
	return b[:]
}

// pairKey encodes two IDs as 16 bytes: a | b.
func pairKey(a, b ID) []byte {
	var k [16]byte
	binary.BigEndian.PutUint64(k[:8], uint64(a))
	binary.BigEndian.PutUint64(k[8:], uint64(b))
	return k[:]
}

// keyID decodes the ID at offset off of a key.
func keyID(k []byte, off int) ID {
	return ID(binary.BigEndian.Uint64(k[off : off+8]))
}

func u64(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}
