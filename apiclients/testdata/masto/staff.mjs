// The moderators' notifications, the filters' contexts and a list's
// stream through the masto client library, against a real majlis server:
// bilal reports chadi's post from the app, amal (the admin) reads it as
// an admin.report notification, which bilal does not get; amal writes a
// v1 filter that marks, then hides, chadi's post on his profile; amal
// hears chadi's next post on the stream of a list of him.
//
// The protocol with the Go test is flow.mjs's (client.mjs).

import { createStreamingAPIClient } from "masto";
import { check, login, nonce, say, step, url } from "./client.mjs";

async function main() {
  step("log in amal, bilal and chadi");
  const amal = await login("amal");
  const bilal = await login("bilal");
  const chadi = await login("chadi");
  const c = await bilal.rest.v1.accounts.lookup({ acct: "chadi" });
  const spoiler = await chadi.rest.v1.statuses.create({ status: "the spoiler: it was a dream", visibility: "public" });
  const plain = await chadi.rest.v1.statuses.create({ status: nonce("nothing to see"), visibility: "public" });

  step("bilal reports chadi's post; amal reads an admin.report notification");
  const report = await bilal.rest.v1.reports.create({
    accountId: c.id, statusIds: [spoiler.id], comment: "spoils everything", category: "spam", forward: false,
  });
  check(report.id && report.targetAccount.id === c.id && report.statusIds?.[0] === spoiler.id && report.actionTaken === false,
    "filed report", report);
  const notes = await amal.rest.v1.notifications.list({ types: ["admin.report"] });
  check(notes.length === 1 && notes[0].type === "admin.report" && notes[0].account.username === "bilal",
    "amal's admin.report notifications", notes);
  const r = notes[0].report;
  check(r && r.id === report.id && r.category === "spam" && r.comment === "spoils everything" &&
    r.targetAccount.username === "chadi" && Array.isArray(r.ruleIds), "the notification's report", r);
  const theirs = await bilal.rest.v1.notifications.list({ types: ["admin.report"] });
  check(theirs.length === 0, "bilal, not on the staff, has none", theirs);

  step("amal's v1 filter marks, then hides, the spoiler on chadi's profile");
  const f = await amal.rest.v1.filters.create({ phrase: "spoiler", context: ["account"], wholeWord: true });
  check(f.phrase === "spoiler" && f.irreversible === false, "created v1 filter", f);
  let profile = await amal.rest.v1.accounts.$select(c.id).statuses.list();
  const seen = profile.find((s) => s.id === spoiler.id);
  check(seen && seen.filtered?.length === 1 && seen.filtered[0].keywordMatches.includes("spoiler"), "marked on the profile", seen);
  check(!profile.find((s) => s.id === plain.id)?.filtered?.length, "the plain post unmarked", profile);
  const hiding = await amal.rest.v1.filters.$select(f.id).update({ phrase: "spoiler", context: ["account"], irreversible: true });
  check(hiding.irreversible === true, "updated v1 filter", hiding);
  profile = await amal.rest.v1.accounts.$select(c.id).statuses.list();
  check(!profile.some((s) => s.id === spoiler.id) && profile.some((s) => s.id === plain.id), "hidden on the profile", profile.map((s) => s.id));
  await amal.rest.v1.filters.$select(f.id).remove();
  const left = await amal.rest.v1.filters.list();
  check(left.length === 0, "v1 filters after removal", left);

  step("amal hears chadi's next post on a list's stream");
  await amal.rest.v1.accounts.$select(c.id).follow();
  const list = await amal.rest.v1.lists.create({ title: "Chadi" });
  await amal.rest.v1.lists.$select(list.id).accounts.create({ accountIds: [c.id] });
  const instance = await amal.rest.v2.instance.fetch();
  const streamingApiUrl = instance.configuration?.urls?.streaming || url.replace(/^http/, "ws");
  const streaming = createStreamingAPIClient({ streamingApiUrl, accessToken: amal.token, retry: 3 });
  const sub = streaming.list.subscribe({ list: list.id });
  const live = nonce("live on the list");
  const heard = (async () => {
    for await (const ev of sub) {
      if (ev.event === "update" && ev.payload.content.includes(live)) return ev;
    }
  })();
  // The subscription is sent once the socket opens: post until it hears.
  let got;
  for (let i = 0; i < 20 && !got; i++) {
    await chadi.rest.v1.statuses.create({ status: live, visibility: "public" });
    got = await Promise.race([heard, new Promise((r) => setTimeout(r, 1000))]);
  }
  check(got && got.payload.account.username === "chadi" && got.stream[0] === "list", "streamed list update", got);
  sub.unsubscribe();
  streaming.close();

  say({ ok: true });
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`masto staff flow failed: ${err?.stack || err}\n`);
    if (err?.statusCode) process.stderr.write(`HTTP ${err.statusCode}: ${JSON.stringify(err.description ?? err.message)}\n`);
    process.exit(1);
  },
);
