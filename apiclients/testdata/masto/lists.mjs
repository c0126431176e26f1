// Lists, keyword filters and followed hashtags through the masto client
// library, against a real majlis server: amal makes a list of bilal,
// reads it, finds it among bilal's lists, renames and deletes it; follows
// a hashtag and reads chadi's public tagged post at home (not the
// unlisted one); makes a filter with a keyword and finds bilal's post
// marked "filtered" at home.
//
// The protocol with the Go test is flow.mjs's (client.mjs).

import { check, login, nonce, say, step } from "./client.mjs";

async function main() {
  step("log in amal, bilal and chadi");
  const amal = await login("amal");
  const bilal = await login("bilal");
  const chadi = await login("chadi");
  const b = await amal.rest.v1.accounts.lookup({ acct: "bilal" });
  await amal.rest.v1.accounts.$select(b.id).follow();

  step("amal makes a list of bilal and reads it");
  const list = await amal.rest.v1.lists.create({ title: "Friends", exclusive: false });
  check(list.title === "Friends" && list.repliesPolicy, "created list", list);
  await amal.rest.v1.lists.$select(list.id).accounts.create({ accountIds: [b.id] });
  const members = await amal.rest.v1.lists.$select(list.id).accounts.list();
  check(members.length === 1 && members[0].id === b.id, "list accounts", members);
  const ofBilal = await amal.rest.v1.accounts.$select(b.id).lists.list();
  check(ofBilal.length === 1 && ofBilal[0].id === list.id, "bilal's lists", ofBilal);
  const text = nonce("for the list");
  const post = await bilal.rest.v1.statuses.create({ status: text, visibility: "private" });
  await chadi.rest.v1.statuses.create({ status: nonce("not in the list"), visibility: "public" });
  const tl = await amal.rest.v1.timelines.list.$select(list.id).list();
  check(tl.length === 1 && tl[0].id === post.id, "list timeline", tl.map((s) => s.id));
  const renamed = await amal.rest.v1.lists.$select(list.id).update({ title: "Close friends", exclusive: true });
  check(renamed.title === "Close friends" && renamed.exclusive === true, "renamed list", renamed);
  const home = await amal.rest.v1.timelines.home.list();
  check(!home.some((s) => s.id === post.id), "an exclusive list's member is not on home", home.map((s) => s.id));
  await amal.rest.v1.lists.$select(list.id).accounts.remove({ accountIds: [b.id] });
  await amal.rest.v1.lists.$select(list.id).remove();
  const lists = await amal.rest.v1.lists.list();
  check(lists.length === 0, "lists after deletion", lists);

  step("amal follows #MastoTest and reads chadi's public tagged post at home");
  const tagged = await chadi.rest.v1.statuses.create({ status: "hello #MastoTest", visibility: "public" });
  const quiet = await chadi.rest.v1.statuses.create({ status: "quietly #MastoTest", visibility: "unlisted" });
  const tag = await amal.rest.v1.tags.$select("MastoTest").follow();
  check(tag.following === true && tag.name === "mastotest", "followed tag", tag);
  const followed = await amal.rest.v1.followedTags.list();
  check(followed.length === 1 && followed[0].name === "mastotest", "followed tags", followed);
  const home2 = await amal.rest.v1.timelines.home.list();
  check(home2.some((s) => s.id === tagged.id) && !home2.some((s) => s.id === quiet.id), "home with the tag", home2.map((s) => s.id));
  const info = await amal.rest.v1.tags.$select("mastotest").unfollow();
  check(info.following === false, "unfollowed tag", info);

  step("amal filters a keyword; bilal's post is marked filtered at home");
  const filter = await amal.rest.v2.filters.create({
    title: "Spoilers", context: ["home"], filterAction: "warn",
    keywordsAttributes: [{ keyword: "ending", wholeWord: true }],
  });
  check(filter.keywords.length === 1 && filter.filterAction === "warn", "created filter", filter);
  const kw = await amal.rest.v2.filters.$select(filter.id).keywords.create({ keyword: "finale", wholeWord: false });
  check(kw.keyword === "finale", "added keyword", kw);
  const warned = await bilal.rest.v1.statuses.create({ status: "the ending was sad", visibility: "public" });
  const home3 = await amal.rest.v1.timelines.home.list();
  const seen = home3.find((s) => s.id === warned.id);
  check(seen && seen.filtered?.length === 1 && seen.filtered[0].filter.title === "Spoilers" &&
    seen.filtered[0].keywordMatches.includes("ending"), "filtered status", seen);
  await amal.rest.v2.filters.$select(filter.id).remove();

  say({ ok: true });
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`masto lists flow failed: ${err?.stack || err}\n`);
    if (err?.statusCode) process.stderr.write(`HTTP ${err.statusCode}: ${JSON.stringify(err.description ?? err.message)}\n`);
    process.exit(1);
  },
);
