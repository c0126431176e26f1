// Suggestions in the compose box: typing @na or #ta in a post's text
// shows, under the text box, the accounts or hashtags that start so
// (from /search/suggest). Arrow keys move through the list, Enter or Tab
// takes the chosen one, Escape closes it; a click takes one too. Without
// JavaScript the text box is what it was, and names are typed in full.
(function () {
  "use strict";
  var timer = null;
  var asked = 0;
  var list = null;
  var box = null;
  var items = [];
  var active = -1;
  var typed = null;

  function isCompose(t) {
    return t && t.tagName === "TEXTAREA" && (t.name === "body" || t.name === "source");
  }

  // The @name or #tag that ends at the caret, or null.
  function tokenAt(t) {
    var end = t.selectionStart;
    if (end !== t.selectionEnd) {
      return null;
    }
    var m = /(^|\s)([@#][^\s#]*)$/u.exec(t.value.slice(0, end));
    if (!m || m[2].length < 2) {
      return null;
    }
    return { start: end - m[2].length, end: end, text: m[2] };
  }

  function close() {
    if (list) {
      list.remove();
    }
    if (box) {
      box.removeAttribute("aria-activedescendant");
      box.setAttribute("aria-expanded", "false");
    }
    list = null;
    items = [];
    active = -1;
  }

  function mark(i) {
    active = i;
    for (var j = 0; j < items.length; j++) {
      items[j].el.setAttribute("aria-selected", j === i ? "true" : "false");
    }
    if (i >= 0) {
      box.setAttribute("aria-activedescendant", items[i].el.id);
    }
  }

  function take(i) {
    var s = items[i];
    if (!s || !typed) {
      return;
    }
    var v = box.value;
    var insert = s.insert + " ";
    box.value = v.slice(0, typed.start) + insert + v.slice(typed.end);
    var at = typed.start + insert.length;
    box.setSelectionRange(at, at);
    close();
    box.dispatchEvent(new Event("input", { bubbles: true }));
    box.focus();
  }

  function show(t, token, found) {
    close();
    if (found.length === 0) {
      return;
    }
    box = t;
    typed = token;
    list = document.createElement("ul");
    list.className = "suggest-list";
    list.id = t.id + "-suggest";
    list.setAttribute("role", "listbox");
    list.setAttribute("data-testid", "suggest-list");
    found.forEach(function (s, i) {
      var li = document.createElement("li");
      li.id = list.id + "-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("data-testid", "suggestion");
      var label = document.createElement("bdi");
      label.textContent = s.label;
      var detail = document.createElement("span");
      detail.className = "muted";
      detail.textContent = " " + s.detail;
      li.appendChild(label);
      li.appendChild(detail);
      li.addEventListener("mousedown", function (e) {
        e.preventDefault(); // keep the focus in the text box
        take(i);
      });
      list.appendChild(li);
      items.push({ el: li, insert: s.insert });
    });
    t.setAttribute("aria-controls", list.id);
    t.setAttribute("aria-expanded", "true");
    t.insertAdjacentElement("afterend", list);
    mark(0);
  }

  function ask(t) {
    var token = tokenAt(t);
    if (!token) {
      close();
      return;
    }
    var n = ++asked;
    fetch("/search/suggest?q=" + encodeURIComponent(token.text), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (r) {
        return r.ok ? r.json() : [];
      })
      .then(function (found) {
        if (n === asked && document.activeElement === t) {
          show(t, token, found);
        }
      })
      .catch(close);
  }

  document.addEventListener("input", function (e) {
    if (!isCompose(e.target)) {
      return;
    }
    var t = e.target;
    clearTimeout(timer);
    timer = setTimeout(function () {
      ask(t);
    }, 200);
  });

  document.addEventListener("keydown", function (e) {
    if (!list || e.target !== box || e.ctrlKey || e.metaKey || e.altKey) {
      return;
    }
    switch (e.key) {
      case "ArrowDown":
        mark((active + 1) % items.length);
        break;
      case "ArrowUp":
        mark((active - 1 + items.length) % items.length);
        break;
      case "Enter":
      case "Tab":
        take(active);
        break;
      case "Escape":
        close();
        break;
      default:
        return;
    }
    e.preventDefault();
  });

  document.addEventListener("focusout", function (e) {
    if (e.target === box) {
      close();
    }
  });
})();
