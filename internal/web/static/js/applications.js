// ГИС ОПВК, applications: live checks of the form, autosave of drafts, uploads with progress and
// live updates of open pages. Progressive enhancement only: every form posts and every page
// works without this file.
(function () {
  "use strict";

  function post(url, body, onDone) {
    var xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.onload = function () {
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      onDone(xhr.status, data);
    };
    xhr.onerror = function () { onDone(0, null); };
    xhr.send(body);
    return xhr;
  }

  function encode(form, extra) {
    var params = new URLSearchParams(new FormData(form));
    Object.keys(extra || {}).forEach(function (k) { params.set(k, extra[k]); });
    return params;
  }

  // The current value of a catalogue field as its condition sees it: a checkbox is "true" or
  // "false"; a field hidden by its own condition counts as empty.
  function fieldValue(form, name) {
    var el = form.querySelector("#f-" + CSS.escape(name));
    if (!el) { return ""; }
    var wrap = el.closest(".app-field");
    if (wrap && wrap.hidden) { return ""; }
    if (el.type === "checkbox") { return el.checked ? "true" : "false"; }
    return el.value.trim();
  }

  // Conditional fields (show B only when A = x): evaluated in document order, so a field whose
  // controlling field is itself hidden stays hidden. The server decides the same with Visible().
  function updateConditions(form) {
    form.querySelectorAll(".app-field[data-show-if]").forEach(function (wrap) {
      var values = (wrap.getAttribute("data-show-values") || "").split("|");
      wrap.hidden = values.indexOf(fieldValue(form, wrap.getAttribute("data-show-if"))) < 0;
    });
  }

  function showError(input, text) {
    var err = document.getElementById(input.id + "-error");
    if (!err) { return; }
    err.textContent = text || "";
    err.hidden = !text;
    var box = input.closest(".field, .checkbox");
    if (box) { box.classList.toggle("field--error", !!text); }
    var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) { return id && id !== err.id; });
    if (text) {
      input.setAttribute("aria-invalid", "true");
      ids.push(err.id);
    } else {
      input.removeAttribute("aria-invalid");
    }
    if (ids.length) { input.setAttribute("aria-describedby", ids.join(" ")); } else { input.removeAttribute("aria-describedby"); }
  }

  function initForm(form) {
    var status = form.querySelector("[data-save-status]");
    var timer = null, saving = false, again = false;
    form.querySelectorAll(".field__error[data-error-for]").forEach(function (p) { p.setAttribute("aria-live", "polite"); });

    function save() {
      timer = null;
      if (saving) { again = true; return; }
      saving = true;
      if (status) { status.textContent = form.getAttribute("data-msg-saving"); }
      post(form.getAttribute("data-save-url"), encode(form), function (code, data) {
        saving = false;
        if (status) {
          status.textContent = code === 200 && data ? data.saved : form.getAttribute("data-msg-save-failed");
        }
        if (code === 409 && data && data.location) { location.assign(data.location); return; }
        if (again) { again = false; save(); }
      });
    }
    function schedule() {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(save, 1200);
    }
    form.saveNow = function () { if (timer) { clearTimeout(timer); } save(); };

    // Leaving a field checks it on the server with the same code as sending does.
    form.addEventListener("focusout", function (e) {
      var input = e.target;
      if (!input.name || !input.id || input.type === "hidden" || input.type === "submit") { return; }
      post(form.getAttribute("data-check-url"), encode(form, { _field: input.name }), function (code, data) {
        if (code === 200 && data) { showError(input, data.error); }
      });
    });
    form.addEventListener("input", schedule);
    form.addEventListener("change", function () { updateConditions(form); schedule(); });
    updateConditions(form);
  }

  function humanSize(n) { return (n / 1048576).toFixed(1) + " MB"; }

  // Uploads: several files at once, with a progress bar, through XMLHttpRequest; the page part
  // that lists the files is then fetched again.
  function initUpload(form) {
    if (form.uploadReady) { return; }
    form.uploadReady = true;
    var input = form.querySelector("input[type=file]");
    var list = form.querySelector("[data-upload-list]");
    if (input && list) {
      input.addEventListener("change", function () {
        list.textContent = "";
        Array.prototype.forEach.call(input.files, function (f) {
          var li = document.createElement("li");
          li.textContent = f.name + " — " + humanSize(f.size);
          list.appendChild(li);
        });
      });
    }
    form.addEventListener("submit", function (e) {
      if (!input || !input.files.length || !list) { return; }
      e.preventDefault();
      var draft = document.querySelector("form[data-app-form]");
      if (draft && draft.saveNow) { draft.saveNow(); }
      var li = document.createElement("li");
      var label = document.createElement("span");
      label.textContent = form.getAttribute("data-msg-uploading") + " ";
      var bar = document.createElement("progress");
      bar.className = "upload__progress";
      bar.max = 100;
      bar.value = 0;
      li.appendChild(label);
      li.appendChild(bar);
      list.appendChild(li);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = function (ev) {
        if (ev.lengthComputable) { bar.value = Math.round(ev.loaded * 100 / ev.total); }
      };
      xhr.onload = function () {
        var data = null;
        try { data = JSON.parse(xhr.responseText); } catch (err) { data = null; }
        var problems = [];
        if (data && data.files) {
          data.files.forEach(function (f) { if (f.error) { problems.push((f.name ? f.name + ": " : "") + f.error); } });
        } else {
          problems.push(form.getAttribute("data-msg-upload-failed"));
        }
        refresh(function () {
          var again = document.querySelector("form[data-upload-form]");
          var box = again && again.querySelector(".upload");
          var err = again && again.querySelector(".upload .field__error, .field__error");
          if (problems.length && err) {
            err.textContent = problems.join("; ");
            err.hidden = false;
            if (box) { box.classList.add("field--error"); }
            err.setAttribute("role", "alert");
          }
        });
      };
      xhr.onerror = function () { li.textContent = form.getAttribute("data-msg-upload-failed"); };
      xhr.send(new FormData(form));
    });
  }

  // refresh fetches the page again and swaps its changing parts: the live region, or on a draft
  // the list of files. Focus stays where it was when the element is still there.
  var refreshing = false;
  function refresh(after) {
    if (refreshing) { return; }
    refreshing = true;
    var focused = document.activeElement && document.activeElement.id;
    fetch(location.href, { headers: { Accept: "text/html" }, cache: "no-store", credentials: "same-origin" })
      .then(function (res) { return res.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        ["[data-live-region]", "[data-region=files]"].forEach(function (sel) {
          var now = document.querySelector(sel), next = doc.querySelector(sel);
          if (now && next) { now.innerHTML = next.innerHTML; }
        });
        document.querySelectorAll("form[data-upload-form]").forEach(initUpload);
        watchForms();
        if (focused) {
          var el = document.getElementById(focused);
          if (el && el !== document.activeElement) { el.focus({ preventScroll: true }); }
        }
        if (after) { after(); }
      })
      .catch(function () {})
      .then(function () { refreshing = false; });
  }

  // A form with unsaved input is never replaced under the user's hands: a banner offers the
  // refresh instead.
  var dirty = false;
  function watchForms() {
    document.querySelectorAll("[data-live-region] form[data-live-form]").forEach(function (f) {
      if (f.watched) { return; }
      f.watched = true;
      f.addEventListener("input", function () { dirty = true; });
      f.addEventListener("change", function () { dirty = true; });
      f.addEventListener("submit", function () { dirty = false; });
    });
  }

  function changedBanner(region) {
    if (document.querySelector("[data-live-banner]")) { return; }
    var box = document.createElement("div");
    box.className = "banner banner--info";
    box.setAttribute("role", "status");
    box.setAttribute("data-live-banner", "");
    var p = document.createElement("p");
    p.className = "banner__text";
    p.textContent = region.getAttribute("data-msg-changed") + " ";
    var b = document.createElement("button");
    b.type = "button";
    b.className = "link-button";
    b.textContent = region.getAttribute("data-msg-refresh");
    b.addEventListener("click", function () { box.remove(); dirty = false; refresh(); });
    p.appendChild(b);
    box.appendChild(p);
    region.parentNode.insertBefore(box, region);
  }

  function initLive(region) {
    if (!window.EventSource) { return; }
    var src = new EventSource(region.getAttribute("data-live-url"));
    src.addEventListener("change", function () {
      if (dirty) { changedBanner(region); } else { refresh(); }
    });
    window.addEventListener("pagehide", function () { src.close(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-app-form]").forEach(initForm);
    document.querySelectorAll("form[data-upload-form]").forEach(initUpload);
    watchForms();
    var region = document.querySelector("[data-live-url]");
    if (region) { initLive(region); }
  });
})();
