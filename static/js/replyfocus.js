// The Reply action leads to the reply box (#reply): the page scrolls it
// into view (clear of the header, by the stylesheet's scroll-margin) and
// this puts the cursor in it, ready to type, whether the link was
// followed from another page or on the same one. Without this script the
// page still scrolls there.
(function () {
  "use strict";

  function focusReply() {
    if (location.hash !== "#reply") {
      return;
    }
    var box = document.querySelector('#reply textarea[name="body"]');
    if (box && document.activeElement !== box) {
      box.focus({ preventScroll: true });
    }
  }

  window.addEventListener("hashchange", focusReply);
  // A second click on a link to #reply changes no hash: focus anyway.
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest('a[href$="#reply"]');
    if (a && a.pathname === location.pathname) {
      setTimeout(focusReply, 0);
    }
  });
  // The browser moves to the fragment as the page finishes loading, which
  // resets the focus: put the cursor in the box after that.
  window.addEventListener("load", function () {
    setTimeout(focusReply, 0);
  });
})();
