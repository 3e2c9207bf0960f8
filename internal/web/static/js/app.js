// ГИС ОПВК: progressive enhancement only. Every page works without this file.
(function () {
  "use strict";

  // An error summary takes focus when the page opens, so screen-reader and keyboard users hear
  // what went wrong first; its links move focus to the field.
  function initErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
    document.addEventListener("click", function (e) {
      var a = e.target.closest && e.target.closest(".error-summary a[href^='#']");
      if (!a) { return; }
      var field = document.getElementById(a.getAttribute("href").slice(1));
      if (field) { e.preventDefault(); field.focus(); field.scrollIntoView({ block: "center" }); }
    });
  }

  // Tabs: links and sections become an ARIA tab list; arrow keys move between tabs.
  function initTabs(root) {
    var tabs = Array.prototype.slice.call(root.querySelectorAll(".tabs__tab"));
    var list = root.querySelector(".tabs__list");
    if (!tabs.length || !list) { return; }
    root.classList.add("tabs--enhanced");
    list.setAttribute("role", "tablist");
    function select(tab, focus) {
      tabs.forEach(function (t) {
        var panel = document.getElementById(t.getAttribute("href").slice(1));
        var on = t === tab;
        t.setAttribute("aria-selected", on ? "true" : "false");
        t.setAttribute("tabindex", on ? "0" : "-1");
        if (panel) { panel.hidden = !on; }
      });
      if (focus) { tab.focus(); }
    }
    tabs.forEach(function (t, i) {
      var panel = document.getElementById(t.getAttribute("href").slice(1));
      t.setAttribute("role", "tab");
      t.id = t.id || (root.id + "-tab-" + i);
      t.setAttribute("aria-controls", panel.id);
      t.parentNode.setAttribute("role", "presentation");
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", t.id);
      panel.setAttribute("tabindex", "0");
      t.addEventListener("click", function (e) { e.preventDefault(); select(t, false); });
      t.addEventListener("keydown", function (e) {
        var n = tabs.length, j = -1;
        if (e.key === "ArrowRight") { j = (i + 1) % n; }
        if (e.key === "ArrowLeft") { j = (i - 1 + n) % n; }
        if (e.key === "Home") { j = 0; }
        if (e.key === "End") { j = n - 1; }
        if (j >= 0) { e.preventDefault(); select(tabs[j], true); }
      });
    });
    var wanted = tabs.filter(function (t) { return t.getAttribute("href") === location.hash; })[0];
    select(wanted || tabs[0], false);
  }

  // File upload: list the chosen files with their sizes before sending.
  function initUpload(root) {
    var input = root.querySelector("input[type=file]");
    var list = root.querySelector(".upload__list");
    if (!input || !list) { return; }
    input.addEventListener("change", function () {
      list.textContent = "";
      Array.prototype.forEach.call(input.files, function (f) {
        var li = document.createElement("li");
        li.textContent = f.name + " — " + (f.size / 1048576).toFixed(1) + " MB";
        list.appendChild(li);
      });
    });
  }

  // Conditional parts of a form: data-show-when="kind=legal" shows the element only while the
  // radio or select named kind has the value legal. Without JavaScript everything shows.
  function initShowWhen(el) {
    var rule = el.getAttribute("data-show-when").split("=");
    var form = el.closest("form");
    if (!form || rule.length !== 2) { return; }
    function update() {
      var field = form.elements[rule[0]];
      el.hidden = !field || field.value !== rule[1];
    }
    form.addEventListener("change", update);
    update();
  }

  // Print buttons: shown only where JavaScript can open the print dialog.
  function initPrint(button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  }

  function init() {
    document.querySelectorAll("[data-print]").forEach(initPrint);
    document.querySelectorAll("[data-show-when]").forEach(initShowWhen);
    initErrorSummary();
    document.querySelectorAll("[data-tabs]").forEach(initTabs);
    document.querySelectorAll("[data-upload]").forEach(initUpload);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
