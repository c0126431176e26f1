// Passkeys: the WebAuthn ceremonies, which need navigator.credentials.
// The server's pages work without this script (the password, and a code
// from an authenticator app); it only shows the passkey buttons and
// forms, which stay hidden without it, and runs their two steps: ask the
// server for a challenge, let the browser answer it, send the answer.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) {
    return;
  }

  function toBase64URL(buf) {
    var bytes = new Uint8Array(buf), s = "";
    for (var i = 0; i < bytes.length; i++) {
      s += String.fromCharCode(bytes[i]);
    }
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function fromBase64URL(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) {
      s += "=";
    }
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) {
      out[i] = bin.charCodeAt(i);
    }
    return out.buffer;
  }

  function creationOptions(o) {
    var p = o.publicKey;
    p.challenge = fromBase64URL(p.challenge);
    p.user.id = fromBase64URL(p.user.id);
    (p.excludeCredentials || []).forEach(function (c) { c.id = fromBase64URL(c.id); });
    return p;
  }

  function requestOptions(o) {
    var p = o.publicKey;
    p.challenge = fromBase64URL(p.challenge);
    (p.allowCredentials || []).forEach(function (c) { c.id = fromBase64URL(c.id); });
    return p;
  }

  // credentialJSON is a credential as the server reads it: its buffers
  // in base64url.
  function credentialJSON(c) {
    var r = c.response;
    var out = {
      id: c.id, rawId: toBase64URL(c.rawId), type: c.type,
      response: { clientDataJSON: toBase64URL(r.clientDataJSON) },
      clientExtensionResults: c.getClientExtensionResults()
    };
    if (c.authenticatorAttachment) {
      out.authenticatorAttachment = c.authenticatorAttachment;
    }
    if (r.attestationObject) {
      out.response.attestationObject = toBase64URL(r.attestationObject);
      if (r.getTransports) {
        out.response.transports = r.getTransports();
      }
    }
    if (r.authenticatorData) {
      out.response.authenticatorData = toBase64URL(r.authenticatorData);
      out.response.signature = toBase64URL(r.signature);
      if (r.userHandle) {
        out.response.userHandle = toBase64URL(r.userHandle);
      }
    }
    return out;
  }

  function post(url, body, json) {
    return fetch(url, {
      method: "POST", credentials: "same-origin", body: body,
      headers: json ? { "Content-Type": "application/json" } : {}
    }).then(function (resp) {
      return resp.json().then(function (data) {
        if (!resp.ok) {
          throw new Error(data.error || "");
        }
        return data;
      });
    });
  }

  function showError(box, err) {
    var p = box.querySelector("[data-passkey-error]");
    if (!p) {
      return;
    }
    // The browser's own errors (cancelled, timed out) get the page's
    // words; the server's come in the page's language already.
    p.textContent = (err && err.message && !err.name.match(/^(NotAllowed|Abort|Invalid|Security)Error$/)) ? err.message : p.dataset.failed;
    p.hidden = false;
  }

  document.querySelectorAll("[data-passkey-nojs]").forEach(function (p) { p.hidden = true; });

  document.querySelectorAll("form[data-passkey-register]").forEach(function (form) {
    form.hidden = false;
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var token;
      post(form.action, new URLSearchParams(new FormData(form)))
        .then(function (start) {
          token = start.token;
          return navigator.credentials.create({ publicKey: creationOptions(start.options) });
        })
        .then(function (cred) {
          return post("/settings/security/passkeys", JSON.stringify({ token: token, credential: credentialJSON(cred) }), true);
        })
        .then(function (done) { location.assign(done.redirect); })
        .catch(function (err) { showError(form, err); });
    });
  });

  document.querySelectorAll("[data-passkey-login]").forEach(function (box) {
    var button = box.querySelector("button");
    box.hidden = false;
    button.addEventListener("click", function () {
      var token;
      post("/login/passkey/options?next=" + encodeURIComponent(button.dataset.next || ""), "")
        .then(function (start) {
          token = start.token;
          return navigator.credentials.get({ publicKey: requestOptions(start.options) });
        })
        .then(function (cred) {
          return post("/login/passkey", JSON.stringify({ token: token, credential: credentialJSON(cred) }), true);
        })
        .then(function (done) { location.assign(done.redirect); })
        .catch(function (err) { showError(box, err); });
    });
  });
})();
