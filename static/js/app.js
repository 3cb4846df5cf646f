// creditstreet — small progressive enhancements; the pages work without JavaScript.
(function () {
  "use strict";
  // Count characters as code points, the same rule the server uses (CASES K-12): [...s].length.
  function codePoints(s) { return Array.from(s).length; }
  function wireCounter(el) {
    var max = parseInt(el.getAttribute("data-maxchars"), 10);
    var out = document.querySelector('[data-counter-for="' + el.id + '"]');
    if (!out || !max) { return; }
    function update() {
      var n = codePoints(el.value);
      out.textContent = n + " / " + max;
      out.classList.toggle("over", n > max);
    }
    el.addEventListener("input", update);
    update();
  }
  // Disable a submit button after the first click; the server's one-time token is the real guard (K-06).
  function wireSubmitOnce(form) {
    form.addEventListener("submit", function () {
      var buttons = form.querySelectorAll("button[type=submit], input[type=submit]");
      setTimeout(function () { buttons.forEach(function (b) { b.disabled = true; }); }, 0);
      setTimeout(function () { buttons.forEach(function (b) { b.disabled = false; }); }, 15000);
    });
  }
  // Buttons that ask before a destructive action: data-confirm="text".
  function wireConfirm(el) {
    el.addEventListener("click", function (ev) {
      if (!window.confirm(el.getAttribute("data-confirm"))) { ev.preventDefault(); }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-maxchars]").forEach(wireCounter);
    document.querySelectorAll("form[data-submit-once]").forEach(wireSubmitOnce);
    document.querySelectorAll("[data-confirm]").forEach(wireConfirm);
    document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
    document.querySelectorAll("[data-print]").forEach(function (el) {
      el.addEventListener("click", function () { window.print(); });
    });
  });
})();
