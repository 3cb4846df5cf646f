// Typed work survives a lost session (issue 17): a form with data-draft-key="…" is copied to
// localStorage as it is typed; when the page comes back (after a re-login redirect) the copy is
// filled in again and a notice shown. A page with data-clear-draft="…" (the saved record) drops it.
// Files cannot be kept; the notice says photos must be chosen again. Nothing is sent anywhere.
(function () {
  "use strict";
  var PREFIX = "creditstreet-draft:";
  var MAX_AGE_MS = 7 * 24 * 3600 * 1000;

  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrf_token" && el.name !== "submission_token" &&
        el.type !== "file" && el.type !== "submit" && el.type !== "button" && el.type !== "hidden";
    });
  }

  function save(form, key) {
    var data = {};
    fields(form).forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) { data[el.name] = el.value; }
      } else {
        data[el.name] = el.value;
      }
    });
    store().setItem(PREFIX + key, JSON.stringify({at: Date.now(), data: data}));
  }

  function restore(form, key) {
    var raw = store().getItem(PREFIX + key);
    if (!raw) { return false; }
    var saved;
    try { saved = JSON.parse(raw); } catch (e) { store().removeItem(PREFIX + key); return false; }
    if (!saved || !saved.data || Date.now() - saved.at > MAX_AGE_MS) {
      store().removeItem(PREFIX + key);
      return false;
    }
    var changed = false;
    fields(form).forEach(function (el) {
      if (!(el.name in saved.data)) { return; }
      var value = saved.data[el.name];
      if (el.type === "radio" || el.type === "checkbox") {
        var on = el.value === value;
        if (el.checked !== on) { el.checked = on; changed = true; }
      } else if (el.value !== value) {
        el.value = value;
        changed = true;
      }
    });
    return changed;
  }

  function wire(form) {
    if (!store()) { return; }
    var key = form.getAttribute("data-draft-key");
    if (restore(form, key)) {
      var note = document.getElementById("draft-restored");
      if (note) { note.hidden = false; }
    }
    var later = null;
    var queue = function () {
      window.clearTimeout(later);
      later = window.setTimeout(function () { save(form, key); }, 300);
    };
    form.addEventListener("input", queue);
    form.addEventListener("change", queue);
    form.addEventListener("submit", function () { save(form, key); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var s = store();
    if (!s) { return; }
    document.querySelectorAll("[data-clear-draft]").forEach(function (el) {
      s.removeItem(PREFIX + el.getAttribute("data-clear-draft"));
    });
    document.querySelectorAll("form[data-draft-key]").forEach(wire);
  });
})();
