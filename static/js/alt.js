// Image descriptions in the compose box, one field per image chosen.
//
// Without JavaScript the box offers a field for each free place before
// any file is chosen, and the files go with the post. With htmx, choosing
// files uploads them at once and the server answers with a preview and a
// description field for each. This script fills the wait in between:
// as soon as files are chosen it shows each with its own field (and the
// generic fields are hidden), and what is typed there is carried into the
// server's fields when they arrive. It also hides a "no description yet"
// reminder while its field has text.
(function () {
  "use strict";

  // typed[fieldsetID][n] is the text typed for image n before its upload
  // came back.
  var typed = {};
  var focused = null; // {id, n} of the field that had the focus

  function fill(template, n) {
    return (template || "").split("{n}").join(String(n));
  }

  function reminderOf(ta) {
    var next = ta.nextElementSibling;
    return next && next.classList.contains("alt-reminder") ? next : null;
  }

  function syncReminder(ta) {
    var r = reminderOf(ta);
    if (r) {
      r.hidden = ta.value.trim() !== "";
    }
  }

  // prepare hides the fields for images not chosen yet: with a script,
  // each image gets its own as it is chosen.
  function prepare(root) {
    var sets = root.querySelectorAll ? root.querySelectorAll("fieldset.compose-images") : [];
    if (root.matches && root.matches("fieldset.compose-images")) {
      sets = [root];
    }
    Array.prototype.forEach.call(sets, function (fs) {
      var d = fs.querySelector("details.alt-fields");
      if (d) {
        d.hidden = true;
      }
      restore(fs);
    });
    var areas = root.querySelectorAll ? root.querySelectorAll("textarea") : [];
    Array.prototype.forEach.call(areas, syncReminder);
  }

  // restore carries what was typed into the fields of the server's
  // previews, which replaced the ones this script made.
  function restore(fs) {
    var saved = typed[fs.id];
    if (!saved) {
      return;
    }
    delete typed[fs.id];
    Object.keys(saved).forEach(function (n) {
      var ta = document.getElementById(fs.id + "-alt-" + n);
      if (!ta || ta.value !== "") {
        return;
      }
      ta.value = saved[n];
      syncReminder(ta);
      if (focused && focused.id === fs.id && String(focused.n) === n) {
        ta.focus();
        ta.setSelectionRange(ta.value.length, ta.value.length);
      }
    });
    focused = null;
  }

  function pendingList(fs, files) {
    var old = fs.querySelector("ul.pending-previews");
    if (old) {
      old.remove();
    }
    var first = fs.querySelectorAll("li.image-preview").length + 1;
    var ul = document.createElement("ul");
    ul.className = "image-previews pending-previews";
    ul.setAttribute("data-testid", "pending-previews");
    Array.prototype.forEach.call(files, function (file, i) {
      var n = first + i;
      var li = document.createElement("li");
      li.className = "image-preview";
      li.setAttribute("data-testid", "pending-preview");
      var img = document.createElement("img");
      img.alt = fill(fs.dataset.altPreview, n);
      img.width = 96;
      if (file.type.indexOf("image/") === 0 && file.size <= 16 << 20) {
        var reader = new FileReader();
        reader.onload = function () {
          img.src = reader.result;
        };
        reader.readAsDataURL(file);
      }
      var box = document.createElement("div");
      box.className = "image-preview-text";
      var id = fs.id + "-pending-" + n;
      var label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = fill(fs.dataset.altLabel, n);
      var ta = document.createElement("textarea");
      ta.id = id;
      ta.rows = 2;
      ta.dir = "auto";
      ta.placeholder = fs.dataset.altPlaceholder || "";
      ta.setAttribute("data-testid", "pending-alt");
      ta.setAttribute("data-n", String(n));
      var more = fs.querySelector("details.alt-fields textarea");
      if (more && more.maxLength > 0) {
        ta.maxLength = more.maxLength;
      }
      var rem = document.createElement("p");
      rem.className = "alt-reminder";
      rem.setAttribute("data-testid", "alt-reminder");
      rem.textContent = fs.dataset.altReminder || "";
      box.append(label, ta, rem);
      li.append(img, box);
      ul.append(li);
    });
    var picker = fs.querySelector(".image-picker");
    fs.insertBefore(ul, picker);
  }

  document.addEventListener("change", function (e) {
    var t = e.target;
    if (!t || t.type !== "file" || t.name !== "image") {
      return;
    }
    var fs = t.closest("fieldset.compose-images");
    if (!fs || !fs.dataset.altLabel || !t.files || t.files.length === 0) {
      return;
    }
    pendingList(fs, t.files);
  });

  document.addEventListener("input", function (e) {
    var t = e.target;
    if (!t || t.tagName !== "TEXTAREA") {
      return;
    }
    syncReminder(t);
    if (t.dataset.n) {
      var fs = t.closest("fieldset.compose-images");
      if (fs) {
        typed[fs.id] = typed[fs.id] || {};
        typed[fs.id][t.dataset.n] = t.value;
      }
    }
  });

  document.addEventListener("htmx:beforeSwap", function () {
    var a = document.activeElement;
    if (a && a.dataset && a.dataset.n) {
      var fs = a.closest("fieldset.compose-images");
      if (fs) {
        focused = { id: fs.id, n: a.dataset.n };
      }
    }
  });

  document.addEventListener("htmx:load", function (e) {
    prepare(e.detail && e.detail.elt ? e.detail.elt : document);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      prepare(document);
    });
  } else {
    prepare(document);
  }
})();
