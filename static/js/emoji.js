// The composer's custom emoji picker. Without JavaScript it is a list of
// shortcodes to type; with it, choosing one puts its ":shortcode:" at the
// cursor of the form's text box (with a space before it when it would
// touch a word), and the box keeps the focus.
document.addEventListener("click", function (e) {
  var b = e.target && e.target.closest ? e.target.closest("button.emoji-choice") : null;
  if (!b || !b.form) {
    return;
  }
  var ta = b.form.querySelector('textarea[name="body"]');
  if (!ta) {
    return;
  }
  e.preventDefault();
  var code = b.value;
  var start = ta.selectionStart, end = ta.selectionEnd;
  var before = ta.value.slice(0, start), after = ta.value.slice(end);
  if (before !== "" && !/\s$/.test(before)) {
    code = " " + code;
  }
  if (after === "" || !/^\s/.test(after)) {
    code = code + " ";
  }
  ta.focus();
  ta.setRangeText(code, start, end, "end");
  // Counters and other listeners learn of the change as from typing.
  ta.dispatchEvent(new Event("input", { bubbles: true }));
});
