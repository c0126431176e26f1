// Copy buttons: a button with data-copy="TEXT" (an invitation link) is
// hidden until this script shows it, and a click puts TEXT on the
// clipboard, then says so in the button for a moment. Without JavaScript
// the text stays beside it, selectable. Where the clipboard is refused
// (an insecure page), the text box before the button is selected for the
// person to copy.
(function () {
  function show(root) {
    var buttons = (root || document).querySelectorAll("button[data-copy]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
    }
  }
  function say(button, text) {
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    button.textContent = text;
    setTimeout(function () {
      button.textContent = label;
    }, 2500);
  }
  function fallback(button) {
    var box = button.previousElementSibling;
    if (box && box.select) {
      box.focus();
      box.select();
    }
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    say(button, button.getAttribute(ok ? "data-copied" : "data-copy-failed"));
  }
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("button[data-copy]");
    if (!button) {
      return;
    }
    var text = button.getAttribute("data-copy");
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () {
        say(button, button.getAttribute("data-copied"));
      }, function () {
        fallback(button);
      });
    } else {
      fallback(button);
    }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { show(); });
  } else {
    show();
  }
  document.addEventListener("htmx:afterSwap", function (e) { show(e.target); });
})();
