// Nothing typed in the meeting room is lost: every field marked `data-draft` is copied, as it is typed, to this
// browser's localStorage under its meeting, its field and the person (`data-draft-scope` on the page), and put
// back when the room refreshes (the workspace is swapped by its poll within a step), after a step change, a
// reconnect or a reload, and after the end of the meeting. A draft is removed once the server confirms the save
// (the room's `data-saved-kind` names the kind of form just saved); drafts whose field is not on the page any more are
// listed under "Unsaved text" with a button to discard them. Drafts older than a week are dropped, and logging
// out (the form posting to `data-logout` of this script's tag) removes every draft kept in this browser.
(function () {
  "use strict";
  var PREFIX = "al-draft:";
  var PENDING = "al-draft-pending";
  var WEEK = 7 * 24 * 3600 * 1000;
  var script = document.currentScript;
  var logoutPath = script && script.dataset.logout;

  function store() {
    try {
      return window.localStorage;
    } catch (error) {
      return null; // storage disabled: the room still works, drafts are not kept
    }
  }

  function scope() {
    var holder = document.querySelector("[data-draft-scope]");
    return holder ? holder.dataset.draftScope : null;
  }

  function keyFor(field) {
    var where = scope();
    return where ? PREFIX + where + ":" + field.dataset.draft : null;
  }

  function read(key) {
    var storage = store();
    if (!storage || !key) return null;
    try {
      var found = JSON.parse(storage.getItem(key) || "null");
      return found && typeof found.text === "string" ? found : null;
    } catch (error) {
      return null;
    }
  }

  function write(field) {
    var storage = store();
    var key = keyFor(field);
    if (!storage || !key) return;
    var text = field.type === "checkbox" ? (field.checked ? "on" : "") : field.value;
    if (text === "") {
      storage.removeItem(key);
      return;
    }
    try {
      storage.setItem(key, JSON.stringify({ text: text, label: field.dataset.draftLabel || "", at: Date.now() }));
    } catch (error) {
      // the storage is full: the text stays in the field
    }
  }

  function drafts() {
    var storage = store();
    var where = scope();
    var found = [];
    if (!storage || !where) return found;
    for (var i = 0; i < storage.length; i++) {
      var key = storage.key(i);
      if (key && key.indexOf(PREFIX + where + ":") === 0) found.push(key);
    }
    return found;
  }

  function dropOld() {
    var storage = store();
    if (!storage) return;
    var old = [];
    for (var i = 0; i < storage.length; i++) {
      var key = storage.key(i);
      if (key && key.indexOf(PREFIX) === 0) {
        var found = read(key);
        if (!found || !found.at || Date.now() - found.at > WEEK) old.push(key);
      }
    }
    old.forEach(function (key) {
      storage.removeItem(key);
    });
  }

  function clearAll() {
    var storage = store();
    if (!storage) return;
    var all = [];
    for (var i = 0; i < storage.length; i++) {
      var key = storage.key(i);
      if (key && (key.indexOf(PREFIX) === 0 || key === PENDING)) all.push(key);
    }
    all.forEach(function (key) {
      storage.removeItem(key);
    });
  }

  // The form just saved: the server says which kind (`data-saved-kind`); its drafts go.
  function confirmSaved() {
    var storage = store();
    var holder = document.querySelector("[data-saved-kind]");
    if (!storage) return;
    var pending = null;
    try {
      pending = JSON.parse(window.sessionStorage.getItem(PENDING) || "null");
      window.sessionStorage.removeItem(PENDING);
    } catch (error) {
      pending = null;
    }
    if (pending && holder && holder.dataset.savedKind === pending.kind) {
      pending.keys.forEach(function (key) {
        storage.removeItem(key);
      });
    }
  }

  function restore(root) {
    var shown = {};
    root.querySelectorAll("[data-draft]").forEach(function (field) {
      var key = keyFor(field);
      shown[key] = true;
      var found = read(key);
      if (!found) return;
      if (field.type === "checkbox") {
        field.checked = found.text === "on";
      } else if (field.value !== found.text) {
        field.value = found.text;
        field.classList.add("draft-restored");
      }
    });
    listOrphans(shown);
  }

  // Drafts of fields this step does not show (a question typed as the step moved on): listed, to copy or discard.
  function listOrphans(shown) {
    var box = document.getElementById("unsaved-drafts");
    if (!box) return;
    var list = box.querySelector("ul");
    list.textContent = "";
    drafts().forEach(function (key) {
      if (shown[key]) return;
      var found = read(key);
      if (!found || found.text === "on") return;
      var item = document.createElement("li");
      var label = document.createElement("strong");
      label.textContent = found.label ? found.label + ": " : "";
      var text = document.createElement("span");
      text.className = "draft-text";
      text.textContent = found.text;
      var discard = document.createElement("button");
      discard.type = "button";
      discard.className = "secondary outline button-small";
      discard.textContent = box.dataset.discard || "Discard";
      discard.addEventListener("click", function () {
        store().removeItem(key);
        item.remove();
        box.hidden = list.children.length === 0;
      });
      item.append(label, text, " ", discard);
      list.append(item);
    });
    box.hidden = list.children.length === 0;
  }

  // The field being typed in, so that it keeps the focus and the caret when the workspace is swapped.
  var typing = null;

  document.addEventListener("input", function (event) {
    if (event.target.dataset && event.target.dataset.draft) write(event.target);
  });
  document.addEventListener("change", function (event) {
    if (event.target.dataset && event.target.dataset.draft) write(event.target);
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (logoutPath && new URL(form.action, window.location.href).pathname === logoutPath) {
      clearAll();
      return;
    }
    var kind = form.querySelector("input[name=kind]");
    var keys = [];
    form.querySelectorAll("[data-draft]").forEach(function (field) {
      write(field);
      keys.push(keyFor(field));
    });
    if (kind && keys.length) {
      try {
        window.sessionStorage.setItem(PENDING, JSON.stringify({ kind: kind.value, keys: keys }));
      } catch (error) {
        // no session storage: the draft stays until it is discarded or saved again
      }
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    typing = null;
    if (active && active.dataset && active.dataset.draft && event.detail.target.contains(active)) {
      typing = { draft: active.dataset.draft, start: active.selectionStart, end: active.selectionEnd };
    }
  });

  document.addEventListener("htmx:afterSwap", function () {
    restore(document);
    if (!typing) return;
    var field = document.querySelector('[data-draft="' + CSS.escape(typing.draft) + '"]');
    if (field) {
      field.focus();
      try {
        field.setSelectionRange(typing.start, typing.end);
      } catch (error) {
        // inputs without a caret (numbers, dates)
      }
    }
    typing = null;
  });

  document.addEventListener("DOMContentLoaded", function () {
    dropOld();
    confirmSaved();
    restore(document);
  });
})();
