// ГИС ОПВК: the service worker of Web Push. The server encrypts each message to this browser's
// keys (RFC 8291); the browser decrypts it and hands the JSON here: {title, body, url, tag}.
// Served at /sw.js so that its scope is the whole cabinet.
"use strict";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (e) { e.waitUntil(self.clients.claim()); });

self.addEventListener("push", function (e) {
  var data = {};
  try { data = e.data ? e.data.json() : {}; } catch (err) { data = {}; }
  var title = data.title || "ГИС ОПВК";
  e.waitUntil(self.registration.showNotification(title, {
    body: data.body || "",
    tag: data.tag || undefined,
    icon: "/static/img/emblem.svg",
    data: { url: data.url || "/notifications" }
  }));
});

// A click opens the notification's page, in a tab of the cabinet already open when there is one.
// Only our own pages: a URL of another site in a message is ignored.
self.addEventListener("notificationclick", function (e) {
  e.notification.close();
  var url = new URL((e.notification.data && e.notification.data.url) || "/notifications", self.location.origin);
  if (url.origin !== self.location.origin) { url = new URL("/notifications", self.location.origin); }
  e.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (list) {
    for (var i = 0; i < list.length; i++) {
      if (list[i].url.indexOf(self.location.origin) === 0 && "navigate" in list[i]) {
        return list[i].navigate(url.href).then(function (c) { return c && c.focus(); });
      }
    }
    return self.clients.openWindow(url.href);
  }));
});
