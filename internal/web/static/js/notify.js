// ГИС ОПВК: notifications. Only enhances: the header counter updates live (Server-Sent Events),
// and the settings page can switch Web Push on and off in this browser. Without this file the
// counter is right at every page load and the rest of the settings work as a form.
(function () {
  "use strict";

  // The live counter: the server sends "unread" events with the count whenever it changes.
  function initCounter() {
    var counter = document.querySelector("[data-unread-count]");
    var value = document.querySelector("[data-unread-value]");
    if (!counter || !value || !window.EventSource) { return; }
    var source = new EventSource("/notifications/stream");
    source.addEventListener("unread", function (e) {
      var n = parseInt(e.data, 10);
      if (isNaN(n)) { return; }
      value.textContent = String(n);
      counter.hidden = n === 0;
    });
    // The server ends the stream when the session goes idle; the browser's reconnection then
    // gets the sign-in page instead of events and stops by itself.
  }

  // VAPID public keys are base64url; PushManager.subscribe wants the bytes.
  function keyBytes(s) {
    var b64 = s.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var raw = atob(b64), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    });
  }

  function initPush() {
    var root = document.querySelector("[data-push]");
    if (!root) { return; }
    function part(name) { return root.querySelector("[data-push-" + name + "]"); }
    var subscribe = part("subscribe"), unsubscribe = part("unsubscribe");
    part("nojs").hidden = true;
    var key = root.getAttribute("data-vapid-key");
    if (!key || !("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
      part("unsupported").hidden = false;
      return;
    }
    function show(sub) {
      var denied = Notification.permission === "denied";
      part("denied").hidden = !denied;
      part("on").hidden = !sub;
      subscribe.hidden = !!sub || denied;
      unsubscribe.hidden = !sub;
    }
    function failed() {
      part("error").hidden = false;
      subscribe.disabled = false;
      unsubscribe.disabled = false;
    }
    var ready = navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    });
    ready.then(function (reg) { return reg.pushManager.getSubscription(); }).then(show, function () {
      part("unsupported").hidden = false;
    });
    subscribe.addEventListener("click", function () {
      subscribe.disabled = true;
      part("error").hidden = true;
      ready.then(function (reg) {
        return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) });
      }).then(function (sub) {
        return post("/profile/notifications/push", sub.toJSON());
      }).then(function () {
        location.reload(); // the list of connected browsers now has this one
      }).catch(function () {
        show(null);
        failed();
      });
    });
    unsubscribe.addEventListener("click", function () {
      unsubscribe.disabled = true;
      part("error").hidden = true;
      ready.then(function (reg) { return reg.pushManager.getSubscription(); }).then(function (sub) {
        if (!sub) { return null; }
        var json = sub.toJSON();
        return sub.unsubscribe().then(function () { return post("/profile/notifications/push/unsubscribe", json); });
      }).then(function () {
        location.reload();
      }).catch(failed);
    });
  }

  function init() {
    initCounter();
    initPush();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
