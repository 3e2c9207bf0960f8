// Package e2e holds the browser end-to-end tests of the cabinet. They start the real program in
// the test process (app.Run, SQLite, demo data), drive Debian's headless Chromium through the
// DevTools protocol (chromedp), check every page with the axe-core accessibility engine in both
// themes, walk the keyboard, language and error journeys and the identity journeys (registration,
// codes by SMS and e-mail read from a test SMTP server and SMS gateway, authenticator app,
// passkeys through Chromium's virtual authenticator, ЕСИА through the local provider, idle
// timeout, lockout, recovery), and leave full-page screenshots for a person to look at.
//
// The tests need Chromium (OPVK_CHROMIUM, default /usr/bin/chromium) and axe-core from npm
// (`npm ci` in this folder). Without them they skip, loudly; with CI=true they fail instead, so a
// pipeline cannot pass by not running them. Screenshots go to OPVK_SCREENSHOT_DIR, else to
// ./screenshots beside this file.
package e2e
