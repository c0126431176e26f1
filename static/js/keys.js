// Keyboard shortcuts that make forms quicker without changing what they do:
// Ctrl+Enter (or Cmd+Enter on a Mac) in a text box submits its form, the
// same as pressing its submit button, so the form's own validation and
// HTMX attributes still apply. Without JavaScript the button is there.
document.addEventListener("keydown", function (e) {
  if (e.key !== "Enter" || !(e.ctrlKey || e.metaKey) || e.defaultPrevented) {
    return;
  }
  var t = e.target;
  if (!t || t.tagName !== "TEXTAREA" || !t.form) {
    return;
  }
  e.preventDefault();
  t.form.requestSubmit();
});
