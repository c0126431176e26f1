// Package storage keeps every record of a majlis instance in one bbolt file.
// It is the only package that imports bbolt; nothing here knows about HTTP.
//
// Bucket tree (all buckets are created when the file is opened):
//
//	meta:         "schema_version" => uint64 (big-endian)
//	              "session_keys"   => 64 random bytes (hash key | block key)
//	              "instance_url"   => the URL the server last started with
//	users:        userID => User (JSON)
//	usernames:    lower(username) ["@" domain] => userID
//	posts:        postID => Post (JSON)
//	author_posts: authorID | postID => [visibility code, kind (post, reply,
//	              repost), replied-to authorID or reposted postID (8 bytes)]: a
//	              user's posts and reposts in time order, filterable undecoded
//	local_posts:  postID => nil (the local timeline: public top-level posts
//	              written here, neither replies nor reposts)
//	follows:      followerID | followeeID => created (unix nanoseconds)
//	followers:    followeeID | followerID => created (unix nanoseconds)
//	sessions:     sessionID => Session (JSON; at most MaxSessionsPerUser per user,
//	              the User-Agent cut to MaxUserAgentBytes)
//	user_sessions: userID | sessionID => nil (to revoke every session of a user)
//
// Conversations (posts.go, interactions.go, notifications.go, blocks.go,
// follows.go, edits.go):
//
//	replies:      parentID | replyID => nil (a post's direct replies)
//	tags:         tag | 0x00 | postID => the author_posts value (public posts by hashtag key,
//	              markup.NormalizeTag; the value lets a merged home timeline pass over replies; empty in
//	              entries written before lists, which are read as "unknown")
//	likes:        postID | userID => notificationID (of the like's notification;
//	              0 for a like written by the bulk loader, which notifies no one)
//	user_likes:   userID | postID => notificationID
//	reposts:      originalID | repostID => reposterID
//	user_reposts: userID | originalID => repostID
//	bookmarks:    userID | postID => created (unix nanoseconds)
//	post_bookmarks: postID | userID => created (to drop them with the post)
//	notifications: userID | notificationID => Notification (JSON; the staff's
//	              report and application notifications too, staffnotes.go)
//	direct_posts: userID | postID => nil (the direct posts a local member wrote
//	              or was mentioned in: their Direct conversations, direct.go)
//	blocks:       blockerID | blockedID => created; blocked_by: the reverse
//	mutes:        muterID | mutedID => created
//	follow_requests: targetID | requesterID => notificationID (pending requests)
//	sent_requests: requesterID | targetID => created
//	edits:        postID | editID => Edit (JSON: an earlier version of the post and
//	              the accounts it mentioned, so its audience is known)
//	media:        sha256 hex of the bytes => the bytes of one processed image file
//	              (a media.Variant), stored as-is; equal files are stored once
//	media_meta:   sha256 hex => mediaMeta (JSON: content type, width, height, size,
//	              refs = how many posts and profiles use it, created); written in the
//	              same transaction as its media entry. Refs 0 means an upload not yet
//	              used: PruneUnreferencedMedia removes those after a while. When the
//	              last reference goes, both entries are deleted in that transaction.
//	media_posts:  sha256 hex | postID => nil (the posts whose attachments use a file;
//	              written and deleted with the post's reference, so serving a file
//	              can check that the viewer may see one of them)
//	media_profiles: sha256 hex | userID | slot ('a' avatar, 'h' header) => nil (the
//	              profiles that show a file: avatars and headers are public)
//	media_uploads: sha256 hex | ownerID => upload (JSON: the Attachment without its
//	              alt text, and when it was uploaded), one entry for each variant: an
//	              image uploaded for a post not sent yet. Only its owner may see it
//	              or attach it; the post that attaches it deletes the entries,
//	              PruneMedia deletes those older than a day, and the owner's
//	              account deletion deletes theirs (with the files nothing else uses).
//
// Administration (instance.go, invites.go, reports.go, modlog.go, deletion.go):
//
//	meta:         "instance"       => InstanceSettings (JSON) without the long texts,
//	              once an admin saved them: every page reads it
//	              "instance_texts" => the About text and rules, Markdown and HTML (JSON)
//	usernames:    lower(username)  => 8 zero bytes | "reserved" for the name of a
//	              deleted account, kept so nobody else can take it (LocalUser finds
//	              no one; CreateUser says the name is taken)
//	invites:      code => Invite (JSON: creator, expiry, uses allowed and made)
//	user_invites: creatorID | code => nil (the invitations a member made)
//	applications: userID => Application (JSON: why a pending account wants to join);
//	              deleted when the account is approved or rejected
//	reports:      reportID => Report (JSON, with a snapshot of the reported account
//	              and post as they were when reported, and its resolution; the
//	              snapshot's texts and the comment are erased ReportRetention after
//	              the resolution or an account's deletion, by PruneReports)
//	open_reports: reportID => nil (the moderators' queue; deleted on resolution)
//	user_reports: reporterID | reportID => nil (a member's own reports; dropped
//	              with the account)
//	modlog:       entryID => LogEntry (JSON: who did what to whom, when and why;
//	              names are copied in, so the log outlives deleted accounts)
//
// Members' data (export.go, importer.go, compact.go):
//
//	imported:     userID | original URI => postID (posts brought in from an export
//	              archive, so a second import adds nothing; made by the first
//	              import, dropped with the account)
//
// Federation (outbox.go):
//
//	outbox:       activityID => Activity (JSON: type, local actor or 0 for the
//	              instance, the post, account or activity it is about, the
//	              accounts addressed): what other servers must still receive,
//	              oldest first. Written by the action's own transaction (the
//	              storage methods take the activities as trailing arguments),
//	              only when it has somewhere to go (a remote follower of the
//	              actor, or a remote account addressed or concerned); the JSON
//	              is rendered at delivery from the records as they are then.
//	              IDs are taken before the transaction, so a Batch that runs
//	              its function again writes the same keys. FinishActivity
//	              deletes an entry once delivered.
//	remote_followers: followeeID | followerID => nil for every follow whose
//	              follower is a remote account (written and deleted with the
//	              follow), so "has this member a remote follower?" is one Seek
//	remote_uris:  URI => userID of every remote account (PutRemoteUser upserts
//	              by it); remote names stay in usernames as lower(name@domain),
//	              which no local name can spell, so no login finds them. An
//	              empty remote_uris is how an instance without remote accounts
//	              skips the outbox at the cost of one cursor step
//	tombstones:   userID => Tombstone (JSON: username, URI, when deleted, how
//	              many of its activities are still queued). Decision: deleting
//	              a local account keeps its queued activities (its Delete among
//	              them) and leaves a tombstone, so they can still be signed and
//	              delivered; the last FinishActivity of the account removes the
//	              tombstone (and the account's key with it, once keys are kept).
//	              No tombstone is written when nothing of the account is queued.
//	deliveries:   what is left to send of each fanned-out outbox entry, three
//	              keys per (activity, inbox), written and deleted together:
//	              'r' | activityID | inbox URL => Delivery (JSON: host,
//	              failed attempts, next attempt, last error);
//	              'd' | next attempt (ns, big-endian) | activityID | inbox => nil
//	              (the due order); 'h' | host | 0x00 | activityID | inbox => nil
//	              (per host). An outbox entry without 'r' keys is not fanned
//	              out yet; its last delivery takes it off the outbox
//	hosts:        host (HostOf: lower-case name, port when not the default) =>
//	              HostState (JSON: distinct failing days since the last
//	              success, unavailable, last success, failure and sign of
//	              life, counts). No delivery waits for an unavailable host
//
// Federation, incoming (remote.go, inbox.go):
//
//	post_uris:    URI => postID of every remote post and remote repost (the
//	              Announce's id), written and deleted with the post
//	inbox:        itemID => InboxItem (JSON: the activity as received, the
//	              verified remote actor): what the inbox worker must still
//	              take in, oldest first
//	inbox_seen:   activity id (or "sha256:" hex of a body without one) =>
//	              when it was taken in (unix nanoseconds), pruned after
//	              InboxSeenFor; and 0x00 "follow" | followerID | followeeID =>
//	              the id of a remote account's Follow of a member, for the
//	              Accept or Reject to echo (dropped with the follow)
//
// Search (searchindex.go, postings.go, searchpeople.go, search.go):
//
//	search_postings: kind ('w' word, 's' stem, 't' tag, 'm' mention, 'h' link
//	              host) | term | 0x00 | first postID => the block's other post
//	              IDs, ascending, as uvarint differences (at most 128 IDs to a
//	              block); written by the background indexer, emptied of a
//	              post's terms in the transaction that deletes or edits it
//	search_queue: postID => nil (posts to index again: edited, or written
//	              behind the indexer's cursor)
//	search_people: normalized name term | 0x00 | userID => nil (accounts by
//	              the words of their username and display name, and
//	              name@domain); 0x00 | userID => username 0x00 domain 0x00
//	              display name, as indexed (written with the account)
//	meta:         "search_cursor" => the last post ID the indexer walked past
//
// Lists, keyword filters and followed hashtags (lists.go, filters.go,
// followed_tags.go), all deleted with their owner's account:
//
//	lists:        listID => List (JSON: owner, title, replies policy, exclusive)
//	user_lists:   ownerID | listID => nil (a member's lists)
//	list_members: listID | accountID => nil (accounts the owner follows; an
//	              unfollow drops the account from the owner's lists)
//	filters:      userID | filterID => Filter (JSON: title, contexts, action,
//	              expiry and its keywords)
//	followed_tags: userID | tag => followed (unix nanoseconds; tag is the key
//	              markup.NormalizeTag gives, as in tags)
//	tag_followers: tag | 0x00 | userID => nil (the reverse)
//
// Polls (polls.go):
//
//	poll_votes:   postID | voterID => the options chosen, one byte each (an
//	              index into Post.Poll.Options), deleted with the post or
//	              the voter's account
//	user_votes:   voterID | postID => nil, the mirror of poll_votes
//	poll_ends:    end (unix milliseconds, big-endian) | postID => nil, the
//	              polls whose end is not announced yet (DuePolls, EndPoll)
//
// Accounts' security and the built-in HTTPS server (twofactor.go; a
// User's also_known_as and moved_to are its aliases and new home, moves.go):
//
//	two_factor:   userID => TwoFactor (JSON: the TOTP secret, a secret being set
//	              up, the SHA-256 of the unused recovery codes, the last time step
//	              accepted, the passkeys' WebAuthn records); deleted with the account
//	cert_cache:   name => bytes (the ACME account key and certificates that
//	              autocert keeps, so the instance stays one file)
//
// Quotes (quotes.go):
//
//	quotes:       quotedID | quotingID => nil, every post stored here that
//	              quotes a post stored here, whatever its consent's state;
//	              written and deleted with either post
//	quote_auths:  authorization URI => quoting post ID, to find the quote
//	              an authorization's Delete revokes
//
// Custom emoji (emoji.go):
//
//	emoji:        shortcode ["@" domain] => Emoji (JSON: this instance's own, and
//	              other servers' as their posts and profiles use them)
//	emoji_files:  sha256 hex => emoji key (the stored files that are emoji
//	              pictures: public, like avatars)
//
// IDs are 64-bit, time-ordered (see ID) and stored big-endian, so a cursor walks
// a bucket or an index prefix in time order. Every index entry is written in the
// same transaction as the record it points to. Values returned by bbolt are only
// valid inside their transaction; every getter here copies or decodes them first.
//
// In memory, beside the file (cache.go): decoded posts and users, and for each
// author an upper bound of their newest author_posts ID (for the home
// timeline's merge). Every write of those records and index entries goes
// through putPost, deletePost, putUser, the account deletion, indexPost or
// Bulk, which tell the caches before their transaction commits; a new write
// path must do the same (TestCacheMatchesFile checks the ones there are).
package storage
