// An ActivityPub peer built on Fedify, software majlis did not write, for
// the interop tests: an actor, "peer" (and more a test makes, to move to),
// on plain HTTP on loopback. It keeps everything in memory, answers Follow
// with Accept, and offers a small JSON control API under /control/ so a
// test can make it act and see what it got.
//
//   node peer.mjs --port 8081        (or PEER_PORT=8081)
//
// It prints "listening <base URL>" on stdout once it serves. PEER_LOG=debug
// shows Fedify's own log on stderr (warnings and errors are always shown).
import { createServer } from "node:http";
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import {
  Accept,
  Announce,
  Create,
  createFederation,
  Delete,
  Endpoints,
  Follow,
  generateCryptoKeyPair,
  isActor,
  Like,
  MemoryKvStore,
  Mention,
  Move,
  Note,
  Person,
  PUBLIC_COLLECTION,
  Reject,
  Undo,
  signRequest,
  Update,
  verifyRequest,
} from "@fedify/fedify";
import { Temporal } from "@js-temporal/polyfill";
import { configure, getConsoleSink } from "@logtape/logtape";

const { values: args } = parseArgs({
  options: { port: { type: "string" }, host: { type: "string" } },
});
const port = Number(args.port ?? process.env.PEER_PORT ?? 0);
const host = args.host ?? process.env.PEER_HOST ?? "127.0.0.1";
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error("peer: give the port with --port N or PEER_PORT");
  process.exit(2);
}
const base = `http://${host}:${port}`;
const NAME = "peer";

await configure({
  contextLocalStorage: new AsyncLocalStorage(),
  sinks: { stderr: getConsoleSink() },
  loggers: [
    {
      category: "fedify",
      lowestLevel: process.env.PEER_LOG === "debug" ? "debug" : "warning",
      sinks: ["stderr"],
    },
    { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
  ],
});

// An account's keys, made when it is: RSA signs HTTP requests (and
// Linked Data Signatures), Ed25519 signs Object Integrity Proofs, as
// Fedify does for any server that has both.
const newKeyPairs = async () => [
  await generateCryptoKeyPair("RSASSA-PKCS1-v1_5"),
  await generateCryptoKeyPair("Ed25519"),
];

// The peer's accounts: "peer" from the start, more made by
// /control/account (a move needs a second one). Those share peer's key
// material, which saves the seconds a 4096-bit RSA key takes to make:
// each still publishes it under its own key id, owned by itself, so
// every signature names the account that sent it.
const accounts = new Map(); // identifier -> account
async function newAccount(identifier) {
  const a = {
    keyPairs: accounts.get(NAME)?.keyPairs ?? (await newKeyPairs()),
    aliases: [], // alsoKnownAs: URLs of the account's other accounts
    successor: null, // movedTo, once it moved
    followers: new Map(), // actor id -> { id, inbox, sharedInbox }
  };
  accounts.set(identifier, a);
  return a;
}
await newAccount(NAME);

// What the peer knows, all in memory.
const state = {
  received: [], // activities the inbox listeners accepted
  inboxLog: [], // every POST to an inbox, with Fedify's answer
  following: new Map(), // actor id -> { followId, state: "pending" | "accepted" | "rejected" }
  notes: new Map(), // local note id (the path segment) -> Note
  seq: 0,
};

// Our own check of each inbox request's HTTP signature, made before
// Fedify handles it and handed to the listeners through this store.
const requestInfo = new AsyncLocalStorage();

const federation = createFederation({
  kv: new MemoryKvStore(),
  // No queue: inbox listeners run while the request is answered and
  // sendActivity delivers before it returns, so a failed delivery is an
  // error the control API can report.
  origin: base,
  allowPrivateAddress: true,
  userAgent: { software: "majlis-interop-peer/1.0" },
});

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    const account = accounts.get(identifier);
    if (account == null) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: identifier === NAME ? "Fedify Peer" : `Fedify Peer ${identifier}`,
      summary: "An independent ActivityPub implementation for majlis's tests.",
      url: ctx.getActorUri(identifier),
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      followers: ctx.getFollowersUri(identifier),
      manuallyApprovesFollowers: false,
      discoverable: true,
      publicKey: keys[0].cryptographicKey,
      assertionMethods: keys.map((k) => k.multikey),
      aliases: account.aliases.map((u) => new URL(u)),
      successor: account.successor == null ? null : new URL(account.successor),
    });
  })
  .mapHandle((_ctx, username) => (accounts.has(username) ? username : null))
  .setKeyPairsDispatcher((_ctx, identifier) => accounts.get(identifier)?.keyPairs ?? []);

federation.setFollowersDispatcher(
  "/users/{identifier}/followers",
  (_ctx, identifier) => {
    const account = accounts.get(identifier);
    if (account == null) return null;
    const items = [...account.followers.values()].map((f) => ({
      id: new URL(f.id),
      inboxId: new URL(f.inbox),
      endpoints: f.sharedInbox ? { sharedInbox: new URL(f.sharedInbox) } : null,
    }));
    return { items };
  },
);

federation.setObjectDispatcher(Note, "/notes/{id}", (_ctx, values) => state.notes.get(values.id) ?? null);

federation.setNodeInfoDispatcher("/nodeinfo/2.1", () => ({
  software: { name: "majlis-interop-peer", version: { major: 1, minor: 0, patch: 0 } },
  protocols: ["activitypub"],
  usage: { users: { total: 1 }, localPosts: state.notes.size, localComments: 0 },
}));

// text reads a possibly language-tagged string as plain text.
const text = (v) => (v == null ? null : v.toString());

// objectOf returns the embedded or fetched object of an activity, or null
// when it cannot be had (a bare URL the peer cannot dereference).
async function objectOf(activity, ctx) {
  try {
    return await activity.getObject({ documentLoader: ctx.documentLoader });
  } catch {
    return null;
  }
}

// record keeps an activity the inbox accepted, with the signature facts.
async function record(ctx, activity, extra = {}) {
  const info = requestInfo.getStore() ?? {};
  const entry = {
    n: ++state.seq,
    id: activity.id?.href ?? null,
    type: activity.constructor.name,
    actor: activity.actorId?.href ?? null,
    object: activity.objectId?.href ?? null,
    // A Move's new account; an Accept's result (a quote's
    // authorization, say).
    target: activity.targetId?.href ?? null,
    result: activity.resultId?.href ?? null,
    objectType: null,
    content: null,
    inReplyTo: null,
    // What the Note quotes, as Fedify 1.5.9 reads it (quoteUrl, from
    // as:quoteUrl, _misskey_quote or quoteUri; it knows no FEP-044f
    // quote).
    quoteUrl: null,
    to: activity.toIds.map((u) => u.href),
    cc: activity.ccIds.map((u) => u.href),
    objectTo: [],
    objectCc: [],
    // Fedify refuses an inbox request whose signature fails or whose key
    // does not belong to the activity's actor before any listener runs
    // (unless the activity carries a proof it could verify instead), so
    // reaching here means verified; httpSignature says what our own check
    // of the HTTP signature found.
    verified: true,
    httpSignature: info.httpSignature ?? null,
    inbox: info.inbox ?? null,
    receivedAt: new Date().toISOString(),
    ...extra,
  };
  if (["Create", "Update", "Delete", "Undo", "Accept", "Reject", "Announce"].includes(entry.type)) {
    const obj = await objectOf(activity, ctx);
    if (obj != null) {
      entry.object = obj.id?.href ?? entry.object;
      entry.objectType = obj.constructor.name;
      if (obj instanceof Note || "content" in obj) {
        entry.content = text(obj.content);
        entry.inReplyTo = obj.replyTargetId?.href ?? null;
        entry.quoteUrl = obj.quoteUrl?.href ?? null;
        entry.objectTo = obj.toIds?.map((u) => u.href) ?? [];
        entry.objectCc = obj.ccIds?.map((u) => u.href) ?? [];
      }
      if (obj instanceof Follow || obj instanceof Like || obj instanceof Announce) {
        entry.innerObject = obj.objectId?.href ?? null;
        entry.innerActor = obj.actorId?.href ?? null;
      }
    }
  }
  state.received.push(entry);
  log(`received ${entry.type} from ${entry.actor} (object ${entry.object})`);
  return entry;
}

// accountOf is the identifier of the peer's account at url, or null.
function accountOf(ctx, url) {
  const parsed = url == null ? null : ctx.parseUri(url);
  return parsed?.type === "actor" && accounts.has(parsed.identifier) ? parsed.identifier : null;
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (ctx, follow) => {
    await record(ctx, follow);
    const identifier = accountOf(ctx, follow.objectId);
    if (identifier == null) return;
    const follower = await follow.getActor({ documentLoader: ctx.documentLoader });
    if (follower == null || follower.id == null || follower.inboxId == null) return;
    accounts.get(identifier).followers.set(follower.id.href, {
      id: follower.id.href,
      inbox: follower.inboxId.href,
      sharedInbox: follower.endpoints?.sharedInbox?.href ?? null,
    });
    await ctx.sendActivity(
      { identifier },
      follower,
      new Accept({
        id: new URL(`${base}/activities/${randomUUID()}`),
        actor: ctx.getActorUri(identifier),
        object: follow,
      }),
    );
  })
  .on(Accept, async (ctx, accept) => {
    await record(ctx, accept);
    const f = accept.actorId && state.following.get(accept.actorId.href);
    if (f) f.state = "accepted";
  })
  .on(Reject, async (ctx, reject) => {
    await record(ctx, reject);
    const f = reject.actorId && state.following.get(reject.actorId.href);
    if (f) f.state = "rejected";
  })
  .on(Undo, async (ctx, undo) => {
    const entry = await record(ctx, undo);
    const identifier = entry.objectType === "Follow" ? accountOf(ctx, entry.innerObject && new URL(entry.innerObject)) : null;
    if (identifier != null && entry.innerActor === entry.actor) {
      accounts.get(identifier).followers.delete(entry.actor);
    }
  })
  .on(Move, (ctx, a) => record(ctx, a).then(() => {}))
  .on(Create, (ctx, a) => record(ctx, a).then(() => {}))
  .on(Update, (ctx, a) => record(ctx, a).then(() => {}))
  .on(Delete, (ctx, a) => record(ctx, a).then(() => {}))
  .on(Like, (ctx, a) => record(ctx, a).then(() => {}))
  .on(Announce, (ctx, a) => record(ctx, a).then(() => {}))
  .onError((_ctx, error) => log(`inbox listener error: ${error?.stack ?? error}`));

function log(msg) {
  console.error(`peer: ${msg}`);
}

function short(s, n = 600) {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

// ---- the control API ------------------------------------------------------

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function json(status, body) {
  return new Response(JSON.stringify(body, null, 1) + "\n", {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

function urlField(body, name) {
  const v = body?.[name];
  if (typeof v !== "string") throw new HttpError(400, `${name}: a URL is required`);
  try {
    return new URL(v);
  } catch {
    throw new HttpError(400, `${name}: not a URL: ${v}`);
  }
}

// lookup fetches an object by URL. Fedify's handle lookups go through
// WebFinger over https, so on plain-HTTP loopback everything is looked
// up by URL. signed: fetch with a request signed by the peer's key.
async function lookup(ctx, url, signed = false) {
  const opts = signed ? { documentLoader: await ctx.getDocumentLoader({ identifier: NAME }) } : {};
  return await ctx.lookupObject(url, opts);
}

async function lookupActor(ctx, url) {
  const actor = await lookup(ctx, url);
  if (actor == null) throw new HttpError(502, `no object could be read at ${url.href}`);
  if (!isActor(actor)) throw new HttpError(502, `${url.href} is a ${actor.constructor.name}, not an actor`);
  return actor;
}

// describe turns a parsed object into the JSON the tests read.
async function describe(ctx, obj) {
  const out = {
    type: obj.constructor.name,
    id: obj.id?.href ?? null,
    // url is a URL or a Link whose href is one.
    url: obj.url instanceof URL ? obj.url.href : (obj.url?.href?.href ?? null),
    name: text(obj.name),
    summary: text(obj.summary),
    content: text(obj.content),
    attributedTo: obj.attributionId?.href ?? null,
    inReplyTo: obj.replyTargetId?.href ?? null,
    to: obj.toIds?.map((u) => u.href) ?? [],
    cc: obj.ccIds?.map((u) => u.href) ?? [],
    sensitive: obj.sensitive ?? null,
    published: obj.published?.toString() ?? null,
  };
  if (isActor(obj)) {
    Object.assign(out, {
      preferredUsername: text(obj.preferredUsername),
      inbox: obj.inboxId?.href ?? null,
      outbox: obj.outboxId?.href ?? null,
      followers: obj.followersId?.href ?? null,
      following: obj.followingId?.href ?? null,
      sharedInbox: obj.endpoints?.sharedInbox?.href ?? null,
      manuallyApprovesFollowers: obj.manuallyApprovesFollowers ?? null,
      discoverable: obj.discoverable ?? null,
      indexable: obj.indexable ?? null,
      alsoKnownAs: obj.aliasIds?.map((u) => u.href) ?? [],
      movedTo: obj.successorId?.href ?? null,
      publicKey: null,
    });
    const key = await obj.getPublicKey({ documentLoader: ctx.documentLoader }).catch(() => null);
    if (key != null) {
      out.publicKey = {
        id: key.id?.href ?? null,
        owner: key.ownerId?.href ?? null,
        // Fedify imports the PEM into a WebCrypto key: present means it
        // could read it.
        present: key.publicKey != null,
        algorithm: key.publicKey?.algorithm?.name ?? null,
        modulusLength: key.publicKey?.algorithm?.modulusLength ?? null,
      };
    }
  }
  out.jsonLd = await obj.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader }).catch(() => null);
  return out;
}

function newId(kind) {
  return new URL(`${base}/${kind}/${randomUUID()}`);
}

// publicNote makes a public Note of "peer" and its Create, and keeps the
// note to be served: addressed to its followers and, when mention is an
// actor, to that actor too, named in a Mention. extra adds properties
// (replyTarget, quoteUrl).
function publicNote(ctx, content, mention, extra = {}) {
  const key = randomUUID();
  const id = new URL(`${base}/notes/${key}`);
  const ccs = mention ? [mention.id, ctx.getFollowersUri(NAME)] : [ctx.getFollowersUri(NAME)];
  const tags = mention ? [new Mention({ href: mention.id, name: `@${text(mention.preferredUsername)}@${mention.id.host}` })] : [];
  const note = new Note({
    id,
    url: id,
    attribution: ctx.getActorUri(NAME),
    to: PUBLIC_COLLECTION,
    ccs,
    content,
    tags,
    published: Temporal.Now.instant(),
    ...extra,
  });
  state.notes.set(key, note);
  const create = new Create({
    id: new URL(`${id.href}/activity`),
    actor: ctx.getActorUri(NAME),
    to: PUBLIC_COLLECTION,
    ccs,
    object: note,
    published: note.published,
  });
  return { id, create };
}

const control = {
  "GET /control/received": () => json(200, state.received),
  "GET /control/inbox-log": () => json(200, state.inboxLog),
  "GET /control/state": () =>
    json(200, {
      base,
      actor: `${base}/users/${NAME}`,
      followers: [...accounts.get(NAME).followers.keys()],
      accounts: Object.fromEntries(
        [...accounts].map(([id, a]) => [
          id,
          { aliases: a.aliases, movedTo: a.successor, followers: [...a.followers.keys()] },
        ]),
      ),
      following: Object.fromEntries(state.following),
      notes: [...state.notes.keys()].map((k) => `${base}/notes/${k}`),
    }),
  "POST /control/reset": () => {
    state.received.length = 0;
    state.inboxLog.length = 0;
    return json(200, { ok: true });
  },

  "POST /control/lookup": async (ctx, body) => {
    const url = urlField(body, "url");
    const obj = await lookup(ctx, url, body.signed === true);
    if (obj == null) return json(404, { error: `nothing readable at ${url.href}` });
    return json(200, await describe(ctx, obj));
  },

  "POST /control/follow": async (ctx, body) => {
    const actor = await lookupActor(ctx, urlField(body, "actor"));
    const follow = new Follow({ id: newId("follows"), actor: ctx.getActorUri(NAME), object: actor.id });
    state.following.set(actor.id.href, { followId: follow.id.href, state: "pending" });
    await ctx.sendActivity({ identifier: NAME }, actor, follow);
    return json(200, { id: follow.id.href, actor: actor.id.href, inbox: actor.inboxId?.href });
  },

  "POST /control/unfollow": async (ctx, body) => {
    const actor = await lookupActor(ctx, urlField(body, "actor"));
    const f = state.following.get(actor.id.href);
    if (f == null) throw new HttpError(409, `the peer does not follow ${actor.id.href}`);
    const undo = new Undo({
      id: newId("activities"),
      actor: ctx.getActorUri(NAME),
      object: new Follow({ id: new URL(f.followId), actor: ctx.getActorUri(NAME), object: actor.id }),
    });
    await ctx.sendActivity({ identifier: NAME }, actor, undo);
    state.following.delete(actor.id.href);
    return json(200, { id: undo.id.href });
  },

  // reply: a public Note answering inReplyTo, cc the actor "to", with a
  // Mention of that actor, sent to that actor's inbox.
  // A vote in a poll (a Question) of the account "to": a Note named for
  // the answer chosen, answering the question, to its author alone.
  "POST /control/vote": async (ctx, body) => {
    const question = urlField(body, "question");
    const actor = await lookupActor(ctx, urlField(body, "to"));
    if (typeof body.name !== "string" || body.name === "") throw new HttpError(400, "name: the answer is required");
    const key = randomUUID();
    const id = new URL(`${base}/votes/${key}`);
    const note = new Note({
      id,
      attribution: ctx.getActorUri(NAME),
      to: actor.id,
      replyTarget: question,
      name: body.name,
    });
    const create = new Create({
      id: new URL(`${id.href}/activity`),
      actor: ctx.getActorUri(NAME),
      to: actor.id,
      object: note,
      published: Temporal.Now.instant(),
    });
    await ctx.sendActivity({ identifier: NAME }, actor, create);
    return json(200, { id: id.href, activity: create.id.href });
  },

  "POST /control/reply": async (ctx, body) => {
    const parent = urlField(body, "inReplyTo");
    const actor = await lookupActor(ctx, urlField(body, "to"));
    if (typeof body.content !== "string" || body.content === "") throw new HttpError(400, "content: HTML is required");
    const { id, create } = publicNote(ctx, body.content, actor, { replyTarget: parent });
    await ctx.sendActivity({ identifier: NAME }, actor, create);
    return json(200, { id: id.href, activity: create.id.href });
  },

  "POST /control/like": async (ctx, body) => {
    const { object, author } = await targetOf(ctx, body);
    const like = new Like({ id: newId("likes"), actor: ctx.getActorUri(NAME), object: object.id });
    await ctx.sendActivity({ identifier: NAME }, author, like);
    return json(200, { id: like.id.href, to: author.id.href });
  },

  "POST /control/announce": async (ctx, body) => {
    const { object, author } = await targetOf(ctx, body);
    const announce = new Announce({
      id: newId("announces"),
      actor: ctx.getActorUri(NAME),
      object: object.id,
      to: PUBLIC_COLLECTION,
      ccs: [author.id, ctx.getFollowersUri(NAME)],
      published: Temporal.Now.instant(),
    });
    await ctx.sendActivity({ identifier: NAME }, author, announce);
    return json(200, { id: announce.id.href, to: author.id.href });
  },

  // fetch reads url as JSON with a request signed by "peer", without
  // parsing it into Fedify's classes: for documents of types Fedify
  // 1.5.9 does not know (a QuoteAuthorization).
  "POST /control/fetch": async (ctx, body) => {
    const url = urlField(body, "url");
    const loader = await ctx.getDocumentLoader({ identifier: NAME });
    const { document } = await loader(url.href);
    return json(200, document);
  },

  // publish: a public Note of "peer" to its followers.
  "POST /control/publish": async (ctx, body) => {
    if (typeof body.content !== "string" || body.content === "") throw new HttpError(400, "content: HTML is required");
    const { id, create } = publicNote(ctx, body.content, null);
    await ctx.sendActivity({ identifier: NAME }, "followers", create);
    return json(200, { id: id.href, activity: create.id.href });
  },

  // quote: a public Note of "peer" quoting the post "object" the way
  // Fedify 1.5.9 can say it (quoteUrl, which it writes as quoteUrl,
  // _misskey_quote and quoteUri), mentioning the post's author; its
  // Create goes to that author unless create is false.
  "POST /control/quote": async (ctx, body) => {
    const { object, author } = await targetOf(ctx, body);
    if (typeof body.content !== "string" || body.content === "") throw new HttpError(400, "content: HTML is required");
    const { id, create } = publicNote(ctx, body.content, author, { quoteUrl: object.id });
    if (body.create !== false) await ctx.sendActivity({ identifier: NAME }, author, create);
    return json(200, { id: id.href, activity: create.id.href });
  },

  // quote-request asks the author of the post a quote (a note made by
  // /control/quote) quotes for consent, as Mastodon does after FEP-044f:
  // a QuoteRequest whose instrument is the quote. Fedify 1.5.9 has no
  // QuoteRequest class, so this one is JSON-LD written here, signed with
  // Fedify's signRequest.
  "POST /control/quote-request": async (ctx, body) => {
    const noteURL = urlField(body, "note");
    const note = state.notes.get(noteURL.pathname.split("/").pop());
    if (note == null || note.quoteUrl == null) throw new HttpError(404, `no quote of the peer's at ${noteURL.href}`);
    const { author } = await targetOf(ctx, { object: note.quoteUrl.href });
    const id = newId("quote-requests");
    const doc = {
      "@context": ["https://www.w3.org/ns/activitystreams", { QuoteRequest: "https://w3id.org/fep/044f#QuoteRequest" }],
      id: id.href,
      type: "QuoteRequest",
      actor: ctx.getActorUri(NAME).href,
      object: note.quoteUrl.href,
      instrument: await note.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader }),
    };
    const status = await postSigned(ctx, NAME, author.inboxId, doc);
    return json(200, { id: id.href, to: author.id.href, status });
  },

  // account makes (or changes) an account of the peer's besides "peer":
  // identifier, and aliases (alsoKnownAs), URLs of its other accounts.
  "POST /control/account": async (ctx, body) => {
    const identifier = body.identifier;
    if (typeof identifier !== "string" || !/^[a-z0-9_]{1,30}$/.test(identifier)) {
      throw new HttpError(400, "identifier: lowercase letters, digits and _ are required");
    }
    const account = accounts.get(identifier) ?? (await newAccount(identifier));
    if (body.aliases != null) {
      if (!Array.isArray(body.aliases)) throw new HttpError(400, "aliases: a list of URLs is required");
      account.aliases = body.aliases.map((a) => urlField({ a }, "a").href);
    }
    return json(200, { actor: ctx.getActorUri(identifier).href, aliases: account.aliases });
  },

  // move moves the account "from" ("peer" unless given) to the actor
  // "target" (which must list it in alsoKnownAs for anyone to follow the
  // move): movedTo is set and a Move goes to the followers.
  "POST /control/move": async (ctx, body) => {
    const from = body.from ?? NAME;
    const account = accounts.get(from);
    if (account == null) throw new HttpError(404, `no account ${from}`);
    const target = urlField(body, "target");
    account.successor = target.href;
    const move = new Move({
      id: newId("moves"),
      actor: ctx.getActorUri(from),
      object: ctx.getActorUri(from),
      target,
      to: ctx.getFollowersUri(from),
    });
    await ctx.sendActivity({ identifier: from }, "followers", move);
    return json(200, { id: move.id.href, followers: [...account.followers.keys()] });
  },
};

// postSigned delivers a JSON-LD document Fedify has no class for to an
// inbox, signed (draft-cavage HTTP signature with a Digest) with the
// RSA key of the account identifier. It returns the inbox's status, and
// fails on anything but 2xx.
async function postSigned(ctx, identifier, inbox, doc) {
  const [rsa] = await ctx.getActorKeyPairs(identifier);
  const request = new Request(inbox, {
    method: "POST",
    headers: { "Content-Type": "application/activity+json", Accept: "application/activity+json" },
    body: JSON.stringify(doc),
  });
  const signed = await signRequest(request, rsa.privateKey, rsa.keyId);
  const response = await fetch(signed);
  const answer = await response.text();
  if (!response.ok) throw new HttpError(502, `${inbox.href} answered ${response.status}: ${short(answer, 300)}`);
  return response.status;
}

// targetOf reads the object a Like or Announce is about, and its author,
// whose inbox gets the activity.
async function targetOf(ctx, body) {
  const url = urlField(body, "object");
  const object = await lookup(ctx, url);
  if (object == null) throw new HttpError(502, `no object could be read at ${url.href}`);
  const authorId = object.attributionId;
  if (authorId == null) throw new HttpError(502, `${url.href} names no attributedTo`);
  return { object, author: await lookupActor(ctx, authorId) };
}

async function handleControl(request, url) {
  const route = control[`${request.method} ${url.pathname}`];
  if (route == null) return json(404, { error: `no control route ${request.method} ${url.pathname}` });
  let body = {};
  if (request.method === "POST") {
    const raw = await request.text();
    if (raw !== "") {
      try {
        body = JSON.parse(raw);
      } catch {
        return json(400, { error: "the body is not JSON" });
      }
    }
  }
  const ctx = federation.createContext(new URL(base), undefined);
  try {
    return await route(ctx, body);
  } catch (e) {
    // A failed delivery's message quotes the whole answer (often an HTML
    // page): keep the start, which says what went wrong.
    const status = e instanceof HttpError ? e.status : 502;
    const message = short(String(e?.message ?? e));
    log(`${request.method} ${url.pathname}: ${message}`);
    return json(status, { error: message });
  }
}

// ---- HTTP: Node's server in front of Fedify's fetch handler --------------

const inboxPaths = new Set(["/inbox", `/users/${NAME}/inbox`]);

async function handle(request) {
  const url = new URL(request.url);
  if (url.pathname.startsWith("/control/")) return await handleControl(request, url);
  if (request.method === "POST" && inboxPaths.has(url.pathname)) return await handleInbox(request, url);
  return await federation.fetch(request, { contextData: undefined });
}

// handleInbox checks the HTTP signature with Fedify's verifyRequest on a
// copy (to record who signed), then lets Fedify's inbox handle the
// request, and logs its answer: refused deliveries are in the log too.
async function handleInbox(request, url) {
  const body = await request.arrayBuffer();
  const copy = () => new Request(request.url, { method: "POST", headers: request.headers, body });
  const ctx = federation.createContext(new URL(base), undefined);
  let httpSignature = null;
  try {
    const key = await verifyRequest(copy(), {
      documentLoader: ctx.documentLoader,
      contextLoader: ctx.contextLoader,
    });
    if (key != null) httpSignature = { keyId: key.id?.href ?? null, owner: key.ownerId?.href ?? null };
  } catch (e) {
    log(`verifyRequest: ${e}`);
  }
  let activity = null;
  try {
    activity = JSON.parse(new TextDecoder().decode(body));
  } catch {
    // Fedify answers 400 below.
  }
  const info = { httpSignature, inbox: url.pathname };
  const response = await requestInfo.run(info, () => federation.fetch(copy(), { contextData: undefined }));
  const answer = await response.clone().text();
  state.inboxLog.push({
    n: state.inboxLog.length + 1,
    inbox: url.pathname,
    status: response.status,
    answer: answer.slice(0, 300),
    id: typeof activity?.id === "string" ? activity.id : null,
    type: typeof activity?.type === "string" ? activity.type : null,
    actor: typeof activity?.actor === "string" ? activity.actor : activity?.actor?.id ?? null,
    // Read from the JSON as it came, for activities Fedify may refuse
    // to parse (the Accept of a QuoteRequest, say).
    object: typeof activity?.object === "string" ? activity.object : activity?.object?.id ?? null,
    objectType: typeof activity?.object?.type === "string" ? activity.object.type : null,
    result: typeof activity?.result === "string" ? activity.result : activity?.result?.id ?? null,
    signatureHeader: request.headers.get("signature"),
    httpSignature,
  });
  if (response.status >= 300) log(`inbox ${url.pathname}: ${response.status} ${answer.slice(0, 200)}`);
  return response;
}

// toRequest turns a Node request into a fetch Request under the base URL,
// keeping the Host header the sender signed.
async function toRequest(req) {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  let body;
  if (req.method !== "GET" && req.method !== "HEAD") {
    const chunks = [];
    let size = 0;
    for await (const c of req) {
      size += c.length;
      if (size > 1 << 20) throw new HttpError(413, "body over 1 MiB");
      chunks.push(c);
    }
    body = Buffer.concat(chunks);
  }
  return new Request(new URL(req.url, base), { method: req.method, headers, body });
}

const server = createServer(async (req, res) => {
  let response;
  try {
    response = await handle(await toRequest(req));
  } catch (e) {
    log(`${req.method} ${req.url}: ${e?.stack ?? e}`);
    response = json(e instanceof HttpError ? e.status : 500, { error: String(e?.message ?? e) });
  }
  const out = Buffer.from(await response.arrayBuffer());
  const headers = {};
  response.headers.forEach((v, k) => {
    headers[k] = v;
  });
  res.writeHead(response.status, headers);
  res.end(out);
});

server.listen(port, host, () => {
  console.log(`listening ${base}`);
});

for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
