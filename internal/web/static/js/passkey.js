// ГИС ОПВК: passkeys (WebAuthn). Only enhances: the buttons stay hidden where the browser cannot
// use passkeys. The server sends the options as JSON; the browser's own JSON helpers turn them
// into what navigator.credentials expects.
(function () {
  "use strict";
  var PKC = window.PublicKeyCredential;
  if (!PKC || !PKC.parseCreationOptionsFromJSON || !PKC.parseRequestOptionsFromJSON) { return; }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : null
    }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) { throw new Error(j.error || r.status); }
        return j;
      });
    });
  }

  function showError(root, err) {
    var p = root.querySelector("[data-passkey-error]");
    if (!p) { return; }
    if (err && err.message && !/^\d+$/.test(err.message)) { p.textContent = err.message; }
    p.hidden = false;
  }

  var register = document.querySelector("[data-passkey-register]");
  if (register) {
    register.hidden = false;
    register.addEventListener("click", function () {
      var root = register.parentNode;
      register.disabled = true;
      post("/profile/security/passkeys/begin").then(function (opts) {
        return navigator.credentials.create({ publicKey: PKC.parseCreationOptionsFromJSON(opts.publicKey) });
      }).then(function (cred) {
        return post("/profile/security/passkeys/finish", cred.toJSON());
      }).then(function (res) {
        location.assign(res.redirect);
      }).catch(function (err) {
        register.disabled = false;
        showError(root, err);
      });
    });
  }

  var login = document.querySelector("[data-passkey-login]");
  if (login) {
    login.hidden = false;
    var button = login.querySelector("[data-passkey-login-button]");
    button.addEventListener("click", function () {
      button.disabled = true;
      var next = button.getAttribute("data-next") || "/profile";
      post("/login/passkey/begin").then(function (opts) {
        return navigator.credentials.get({ publicKey: PKC.parseRequestOptionsFromJSON(opts.publicKey) });
      }).then(function (cred) {
        return post("/login/passkey/finish?next=" + encodeURIComponent(next), cred.toJSON());
      }).then(function (res) {
        location.assign(res.redirect);
      }).catch(function (err) {
        button.disabled = false;
        showError(login, err);
      });
    });
  }
})();
