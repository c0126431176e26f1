// The flow of a web app built on the masto client library, against a real
// majlis server: register an app, log two members in with the
// authorization code flow and PKCE (S256), post with a picture and its
// alt text, reply, favourite, reblog, bookmark, follow, read home,
// notifications and the thread, edit, delete, a poll and a vote, and hear
// a new post on the user stream over a WebSocket.
//
// The Go test (masto_test.go) plays the members in their browser: this
// script prints {"authorize": URL, "member": name} on a line and reads
// back {"code": "..."}, the code the authorization page redirected with.
// Progress lines are {"step": "..."}; the last line is {"ok": true}. Any
// failure exits non-zero with the reason on stderr.
//
// Environment: MAJLIS_URL (the server), MAJLIS_REDIRECT (the app's
// redirect URI), MAJLIS_PNG (a picture to attach).

import { readFileSync } from "node:fs";
import { createStreamingAPIClient } from "masto";
import { check, login, nonce, say, step, url } from "./client.mjs";

async function firstMatch(subscription, test, ms) {
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error(`no matching event in ${ms} ms`)), ms));
  const read = (async () => {
    for await (const ev of subscription) {
      if (test(ev)) return ev;
    }
    throw new Error("the stream ended");
  })();
  return Promise.race([read, timeout]);
}

async function main() {
  step("log in amal and bilal (authorization code with PKCE S256)");
  const amal = await login("amal");
  const bilal = await login("bilal");

  step("amal follows bilal");
  const found = await amal.rest.v1.accounts.lookup({ acct: "bilal" });
  const rel = await amal.rest.v1.accounts.$select(found.id).follow();
  check(rel.following, "follow", rel);

  step("bilal posts a picture with alt text");
  const png = readFileSync(process.env.MAJLIS_PNG);
  const media = await bilal.rest.v2.media.create({
    file: new Blob([png], { type: "image/png" }),
    description: "a gradient of colours",
  });
  check(media.url && media.description === "a gradient of colours", "uploaded media", media);
  const text = nonce("hello from masto");
  const post = await bilal.rest.v1.statuses.create({ status: text, mediaIds: [media.id], visibility: "public" });
  check(post.content.includes(text) && post.mediaAttachments.length === 1 &&
    post.mediaAttachments[0].description === "a gradient of colours", "posted status", post);

  step("amal reads home, replies, favourites, reblogs, bookmarks");
  const home = await amal.rest.v1.timelines.home.list({ limit: 20 });
  check(home.length > 0 && home[0].id === post.id, "home's first status", home.map((s) => s.id));
  const reply = await amal.rest.v1.statuses.create({ status: `@bilal ${nonce("nice")}`, inReplyToId: post.id, visibility: "public" });
  check(reply.inReplyToId === post.id, "reply", reply);
  const fav = await amal.rest.v1.statuses.$select(post.id).favourite();
  check(fav.favourited === true, "favourite", fav);
  const boost = await amal.rest.v1.statuses.$select(post.id).reblog();
  check(boost.reblog && boost.reblog.id === post.id, "reblog", boost);
  const mark = await amal.rest.v1.statuses.$select(post.id).bookmark();
  check(mark.bookmarked === true, "bookmark", mark);

  step("bilal reads notifications and the thread");
  const notes = await bilal.rest.v1.notifications.list();
  const kinds = new Set(notes.filter((n) => n.account.username === "amal").map((n) => n.type));
  for (const k of ["follow", "favourite", "reblog", "mention"]) {
    check(kinds.has(k), `notification ${k}`, [...kinds]);
  }
  const thread = await bilal.rest.v1.statuses.$select(post.id).context.fetch();
  check(thread.descendants.length === 1 && thread.descendants[0].id === reply.id, "context", thread);

  step("bilal edits, then deletes the post");
  const edited = await bilal.rest.v1.statuses.$select(post.id).update({ status: `${text} (edited)` });
  check(edited.content.includes("(edited)") && edited.editedAt, "edit", edited);
  await bilal.rest.v1.statuses.$select(post.id).remove();
  let gone = false;
  try {
    await amal.rest.v1.statuses.$select(post.id).fetch();
  } catch (e) {
    gone = e.statusCode === 404;
  }
  check(gone, "deleted status answers 404", gone);

  step("bilal asks a poll, amal votes once and sees the counts");
  const asked = await bilal.rest.v1.statuses.create({
    status: nonce("tea or coffee"),
    visibility: "public",
    poll: { options: ["Tea", "Coffee"], expiresIn: 3600 },
  });
  check(asked.poll && asked.poll.options.length === 2 && !asked.poll.multiple, "posted poll", asked.poll);
  const unseen = await amal.rest.v1.polls.$select(asked.poll.id).fetch();
  check(unseen.voted === false && unseen.options[0].votesCount === null, "poll before voting", unseen);
  const voted = await amal.rest.v1.polls.$select(asked.poll.id).votes.create({ choices: [1] });
  check(voted.voted && voted.ownVotes[0] === 1 && voted.options[1].votesCount === 1 && voted.votersCount === 1, "poll after voting", voted);
  let again = 0;
  try {
    await amal.rest.v1.polls.$select(asked.poll.id).votes.create({ choices: [0] });
  } catch (e) {
    again = e.statusCode;
  }
  check(again === 422, "a second vote is refused", again);

  step("amal hears bilal's next post on the user stream (WebSocket)");
  const instance = await amal.rest.v2.instance.fetch();
  const streamingApiUrl = instance.configuration?.urls?.streaming || url.replace(/^http/, "ws");
  const streaming = createStreamingAPIClient({ streamingApiUrl, accessToken: amal.token, retry: 3 });
  const sub = streaming.user.subscribe();
  const live = nonce("live over masto");
  const heard = firstMatch(sub, (ev) => ev.event === "update" && ev.payload.content.includes(live), 20000);
  // The subscription is sent once the socket opens: post until it hears.
  let got;
  for (let i = 0; i < 20 && !got; i++) {
    await bilal.rest.v1.statuses.create({ status: live, visibility: "public" });
    got = await Promise.race([heard, new Promise((r) => setTimeout(r, 1000))]);
  }
  check(got && got.payload.account.username === "bilal", "streamed update", got);
  sub.unsubscribe();
  streaming.close();

  say({ ok: true });
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`masto flow failed: ${err?.stack || err}\n`);
    if (err?.statusCode) process.stderr.write(`HTTP ${err.statusCode}: ${JSON.stringify(err.description ?? err.message)}\n`);
    process.exit(1);
  },
);
