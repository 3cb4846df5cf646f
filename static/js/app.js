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
  // Photos: input[type=file][data-max-mb]. Large phone photos are scaled down in the browser (JPEG,
  // at most 2000 px) so they upload small; a file still over the limit shows a message next to the
  // input and blocks submitting (the typed text stays in the page). The server checks again.
  var PHOTO_MAX_SIDE = 2000, SHRINK_ABOVE = 1.5 * 1024 * 1024;
  function photoMessage(input) {
    var id = input.id + "-photo-msg", el = document.getElementById(id);
    if (!el) {
      el = document.createElement("p");
      el.id = id; el.className = "error"; el.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", el);
    }
    return el;
  }
  function shrink(file) {
    return new Promise(function (resolve) {
      if (!/^image\//.test(file.type) || !window.createImageBitmap) { resolve(file); return; }
      createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bmp) {
        var scale = Math.min(1, PHOTO_MAX_SIDE / Math.max(bmp.width, bmp.height));
        if (scale === 1 && file.size <= SHRINK_ABOVE) { resolve(file); return; }
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(bmp.width * scale); canvas.height = Math.round(bmp.height * scale);
        canvas.getContext("2d").drawImage(bmp, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) { resolve(file); return; }
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg", lastModified: Date.now() }));
        }, "image/jpeg", 0.85);
      }).catch(function () { resolve(file); });
    });
  }
  function wirePhotos(input) {
    var maxBytes = parseFloat(input.getAttribute("data-max-mb")) * 1024 * 1024;
    var form = input.form, busy = null;
    function check() {
      var tooBig = Array.prototype.filter.call(input.files, function (f) { return f.size > maxBytes; });
      var msg = photoMessage(input);
      if (tooBig.length) {
        msg.textContent = "照片“" + tooBig.map(function (f) { return f.name; }).join("、") + "”超过" +
          input.getAttribute("data-max-mb") + "MB，无法上传，请换一张或压缩后重新选择（已填写的内容不会丢失）";
        input.setCustomValidity(msg.textContent);
      } else {
        msg.textContent = "";
        input.setCustomValidity("");
      }
      return !tooBig.length;
    }
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files);
      busy = Promise.all(files.map(shrink)).then(function (out) {
        if (window.DataTransfer && out.some(function (f, i) { return f !== files[i]; })) {
          var dt = new DataTransfer();
          out.forEach(function (f) { dt.items.add(f); });
          input.files = dt.files;
        }
        busy = null;
        return check();
      });
    });
    if (form) {
      form.addEventListener("submit", function (ev) {
        if (ev.submitter && ev.submitter.name === "find_shop") { return; }
        if (busy) { ev.preventDefault(); busy.then(function (ok) { if (ok) { form.requestSubmit(ev.submitter); } }); return; }
        if (!check()) { ev.preventDefault(); photoMessage(input).scrollIntoView({ block: "center" }); }
      });
    }
  }
  // A background job's page (card prints): poll its status every 2 s, move the bar, reload when it ends.
  function wirePoll(el) {
    var url = el.getAttribute("data-poll");
    var text = document.getElementById(el.getAttribute("data-poll-text"));
    function tick() {
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (job) {
        el.value = job.done;
        if (text) { text.textContent = job.label; }
        if (job.status === "done" || job.status === "failed" || job.stalled) { window.location.reload(); }
        else { setTimeout(tick, 2000); }
      }).catch(function () { setTimeout(tick, 5000); });
    }
    setTimeout(tick, 1000);
  }
  // A form that came back with errors: bring the first wrong field into view above the sticky
  // submit bar and focus it; the browser's own "required" check is moved the same way (issue 17).
  function showField(el) {
    var target = el.closest(".field, fieldset") || el;
    target.scrollIntoView({ block: "center" });
    var bar = document.querySelector(".actions-bottom");
    if (bar) {
      var overlap = target.getBoundingClientRect().bottom - bar.getBoundingClientRect().top + 8;
      if (overlap > 0) { window.scrollBy(0, overlap); }
    }
  }
  function focusFirstError() {
    var first = document.querySelector(".has-error, #shop_id-error, #photos-refused");
    if (!first) { return; }
    var input = first.querySelector && first.querySelector("input, select, textarea");
    if (input && input.type !== "hidden") { input.focus({ preventScroll: true }); }
    showField(first);
  }
  function wireInvalid(form) {
    var shown = false;
    form.addEventListener("invalid", function (ev) {
      if (shown) { return; }
      shown = true;
      setTimeout(function () { showField(ev.target); shown = false; }, 0);
    }, true);
  }
  // Copy a text (the tracking code): <button data-copy="#id">.
  function wireCopy(btn) {
    btn.addEventListener("click", function () {
      var src = document.querySelector(btn.getAttribute("data-copy"));
      var text = src ? src.textContent.trim() : "";
      var done = function () { btn.textContent = btn.getAttribute("data-copied") || "已复制"; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { selectText(src); });
      } else { selectText(src); if (document.execCommand && document.execCommand("copy")) { done(); } }
    });
    btn.hidden = false;
  }
  function selectText(el) {
    if (!el) { return; }
    var range = document.createRange(); range.selectNodeContents(el);
    var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(wireInvalid);
    document.querySelectorAll("[data-copy]").forEach(wireCopy);
    // The tracking QR carries the code in the #fragment, which is never sent to the server (K6).
    var code = document.getElementById("code"), m = /^#code=([A-Z0-9]{4,20})$/.exec(location.hash);
    if (code && m && !code.value) { code.value = m[1]; history.replaceState(null, "", location.pathname); }
    document.querySelectorAll("[data-poll]").forEach(wirePoll);
    focusFirstError();
    document.querySelectorAll("input[type=file][data-max-mb]").forEach(wirePhotos);
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
