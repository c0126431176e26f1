// A post's text box reads in the direction of what is written, judged
// like the published post is: from the first letter after the @mentions
// and links it starts with. The browser's dir="auto" looks at the first
// letter of all, so a reply box that starts "@bob " would stay left to
// right while an Arabic reply is typed after it. A box holding only
// mentions takes the interface's direction (the person is about to write
// in it); an empty box is left to the stylesheet (its placeholder).
// The direction is said in data-dir, for the stylesheet: an inline style
// would be copied by htmx's settling as a style attribute, which the
// Content-Security-Policy refuses. Without this script the box keeps
// dir="auto".
(function () {
  "use strict";

  var lead = /^(?:\s*(?:@[\w.\-]+(?:@[\w.\-]+)?|https?:\/\/\S+))+/;
  var strong = /[A-Za-z\u00C0-\u02AF\u0370-\u03FF\u0400-\u052F]|[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/;
  var rtl = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/;

  function direction(text) {
    if (text.trim() === "") {
      return "";
    }
    var m = text.replace(lead, "").match(strong);
    if (!m) {
      return document.documentElement.dir === "rtl" ? "rtl" : "ltr";
    }
    return rtl.test(m[0]) ? "rtl" : "ltr";
  }

  function check(box) {
    var d = direction(box.value);
    if (d) {
      box.setAttribute("data-dir", d);
    } else {
      box.removeAttribute("data-dir");
    }
  }

  function scan(root) {
    if (!root || !root.querySelectorAll) {
      return;
    }
    if (root.matches && root.matches('textarea[name="body"][dir="auto"]')) {
      check(root);
    }
    var boxes = root.querySelectorAll('textarea[name="body"][dir="auto"]');
    for (var i = 0; i < boxes.length; i++) {
      check(boxes[i]);
    }
  }

  document.addEventListener("input", function (e) {
    if (e.target.matches && e.target.matches('textarea[name="body"][dir="auto"]')) {
      check(e.target);
    }
  });
  document.addEventListener("htmx:load", function (e) {
    scan(e.detail && e.detail.elt);
  });
  scan(document);
})();
