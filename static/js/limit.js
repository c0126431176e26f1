// Publish is disabled while a draft is over its character limit, so the
// limit is seen before sending rather than after. A text box says its
// limit in data-limit; the count is the server's: Unicode code points,
// a line break counting one. The counter beside the box (kept up to date
// by htmx) says by how much. Without this script the button stays
// enabled and the server refuses a long post with its message, as it
// always did; Ctrl+Enter still sends, to get that message.
(function () {
  "use strict";

  function length(text) {
    var n = 0;
    for (var i = 0; i < text.length; i++) {
      var c = text.charCodeAt(i);
      // The second half of a surrogate pair is the same code point.
      if (c < 0xdc00 || c > 0xdfff || i === 0 || text.charCodeAt(i - 1) < 0xd800 || text.charCodeAt(i - 1) > 0xdbff) {
        n++;
      }
    }
    return n;
  }

  function check(box) {
    var limit = parseInt(box.getAttribute("data-limit"), 10);
    if (!box.form || !(limit > 0)) {
      return;
    }
    var over = length(box.value.replace(/\r\n/g, "\n")) > limit;
    // The form's own submit buttons; a button that sends elsewhere
    // (formaction, like removing an image) stays usable.
    var buttons = box.form.querySelectorAll('button[type="submit"]:not([formaction])');
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].disabled = over;
    }
  }

  function scan(root) {
    if (!root || !root.querySelectorAll) {
      return;
    }
    if (root.matches && root.matches("textarea[data-limit]")) {
      check(root);
    }
    var boxes = root.querySelectorAll("textarea[data-limit]");
    for (var i = 0; i < boxes.length; i++) {
      check(boxes[i]);
    }
  }

  document.addEventListener("input", function (e) {
    if (e.target.matches && e.target.matches("textarea[data-limit]")) {
      check(e.target);
    }
  });
  // A box sent again by the server (after an error, under htmx) is
  // checked as it arrives; so is the page's own on load.
  document.addEventListener("htmx:load", function (e) {
    scan(e.detail && e.detail.elt);
  });
  scan(document);
})();
