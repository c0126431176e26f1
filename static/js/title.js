// The page's title starts with the unread-notification count, "(3) ",
// as the server wrote it, so a tab in the background says there is
// something new. The badge in the navigation refreshes itself (htmx
// polling) and is sent again after notifications are marked read; each
// new badge carries the title's prefix for its count (data-title-prefix)
// and this puts it in place of the old one. Without this script the
// title is right as of the page's loading.
(function () {
  "use strict";

  var badge = document.getElementById("notif-badge");
  if (!badge) {
    return;
  }
  // The prefix the title has now: the server wrote the same one on the
  // badge as in the title.
  var prefix = badge.getAttribute("data-title-prefix") || "";

  document.addEventListener("htmx:load", function (e) {
    var elt = e.detail && e.detail.elt;
    if (!elt || !elt.getAttribute) {
      return;
    }
    var b = elt.id === "notif-badge" ? elt : elt.querySelector && elt.querySelector("#notif-badge");
    if (!b) {
      return;
    }
    var next = b.getAttribute("data-title-prefix") || "";
    if (next === prefix) {
      return;
    }
    var title = document.title;
    if (prefix && title.indexOf(prefix) === 0) {
      title = title.slice(prefix.length);
    }
    document.title = next + title;
    prefix = next;
  });
})();
