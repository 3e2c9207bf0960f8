package account

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/db/dbtest"
)

var t0 = time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)

func mustUser(t *testing.T, d *db.DB, email, phone string) User {
	t.Helper()
	id, err := Create(context.Background(), d, User{Kind: Individual, FullName: "Тестов Тест", Email: email, Phone: phone}, t0)
	if err != nil {
		t.Fatal(err)
	}
	u, err := Get(context.Background(), d, id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestOneTimeCodes(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		u := mustUser(t, d, "a@example.ru", "+79160000001")
		code, _, err := IssueCode(ctx, d, u.ID, PurposeLogin, SMS, CodeTTL, false, t0)
		if err != nil {
			t.Fatal(err)
		}
		if len(code) != 6 {
			t.Errorf("code %q is not six digits", code)
		}
		// A code of one purpose does not serve another.
		if err := VerifyCode(ctx, d, u.ID, PurposeRecovery, code, t0); !errors.Is(err, ErrCodeExpired) {
			t.Errorf("login code used for recovery: %v", err)
		}
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		if err := VerifyCode(ctx, d, u.ID, PurposeLogin, wrong, t0); !errors.Is(err, ErrCodeWrong) {
			t.Errorf("wrong code: %v", err)
		}
		if err := VerifyCode(ctx, d, u.ID, PurposeLogin, code, t0.Add(time.Minute)); err != nil {
			t.Errorf("right code: %v", err)
		}
		// Single use.
		if err := VerifyCode(ctx, d, u.ID, PurposeLogin, code, t0.Add(time.Minute)); !errors.Is(err, ErrCodeExpired) {
			t.Errorf("reused code: %v", err)
		}
		// Expiry.
		code, _, _ = IssueCode(ctx, d, u.ID, PurposeLogin, SMS, CodeTTL, false, t0)
		if err := VerifyCode(ctx, d, u.ID, PurposeLogin, code, t0.Add(CodeTTL+time.Second)); !errors.Is(err, ErrCodeExpired) {
			t.Errorf("expired code: %v", err)
		}
		// Attempts: after five wrong tries even the right code is refused.
		code, _, _ = IssueCode(ctx, d, u.ID, PurposeLogin, SMS, CodeTTL, false, t0)
		wrong = "000000"
		if code == wrong {
			wrong = "111111"
		}
		for i := 0; i < MaxCodeAttempts; i++ {
			_ = VerifyCode(ctx, d, u.ID, PurposeLogin, wrong, t0)
		}
		if err := VerifyCode(ctx, d, u.ID, PurposeLogin, code, t0); !errors.Is(err, ErrCodeAttempts) {
			t.Errorf("right code after %d wrong ones: %v", MaxCodeAttempts, err)
		}
		// A new code replaces the old one.
		old, _, _ := IssueCode(ctx, d, u.ID, PurposeLogin, SMS, CodeTTL, false, t0)
		fresh, _, _ := IssueCode(ctx, d, u.ID, PurposeLogin, SMS, CodeTTL, false, t0)
		if old != fresh {
			if err := VerifyCode(ctx, d, u.ID, PurposeLogin, old, t0); err == nil {
				t.Error("a replaced code still works")
			}
		}
		// Activation links.
		_, link, _ := IssueCode(ctx, d, u.ID, PurposeActivation, Email, ActivationTTL, true, t0)
		if id, err := UserByLink(ctx, d, link, PurposeActivation, t0); err != nil || id != u.ID {
			t.Errorf("UserByLink = %d, %v", id, err)
		}
		if _, err := UserByLink(ctx, d, link+"x", PurposeActivation, t0); !errors.Is(err, ErrCodeExpired) {
			t.Errorf("forged link: %v", err)
		}
		if _, err := UserByLink(ctx, d, link, PurposeActivation, t0.Add(ActivationTTL+time.Second)); !errors.Is(err, ErrCodeExpired) {
			t.Errorf("expired link: %v", err)
		}
	})
}

func TestSessions(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		u := mustUser(t, d, "s@example.ru", "+79160000002")
		idle, max := 30*time.Minute, 12*time.Hour
		tok, err := CreateSession(ctx, d, u.ID, "203.0.113.5", "Firefox", "password+sms", max, t0)
		if err != nil {
			t.Fatal(err)
		}
		tok2, _ := CreateSession(ctx, d, u.ID, "203.0.113.6", "Chrome", "passkey", max, t0)
		if tok == tok2 {
			t.Fatal("two sessions got one token")
		}
		// Activity keeps the session alive past the idle limit counted from the start.
		for m := 20; m <= 100; m += 20 {
			if _, err := LookupSession(ctx, d, tok, idle, t0.Add(time.Duration(m)*time.Minute)); err != nil {
				t.Fatalf("active session at +%dm: %v", m, err)
			}
		}
		// Idle too long: expired, and stays expired.
		if _, err := LookupSession(ctx, d, tok2, idle, t0.Add(idle)); !errors.Is(err, ErrSessionExpired) {
			t.Errorf("idle session: %v", err)
		}
		if _, err := LookupSession(ctx, d, tok2, idle, t0.Add(time.Minute)); !errors.Is(err, ErrSessionExpired) {
			t.Errorf("ended session came back: %v", err)
		}
		// Lifetime.
		tok3, _ := CreateSession(ctx, d, u.ID, "", "", "", time.Hour, t0)
		for m := 10; m < 60; m += 10 {
			LookupSession(ctx, d, tok3, idle, t0.Add(time.Duration(m)*time.Minute))
		}
		if _, err := LookupSession(ctx, d, tok3, idle, t0.Add(time.Hour)); !errors.Is(err, ErrSessionExpired) {
			t.Errorf("session past its lifetime: %v", err)
		}
		if _, err := LookupSession(ctx, d, "no-such-token", idle, t0); !errors.Is(err, apperr.NotFound) {
			t.Errorf("unknown token: %v", err)
		}
		// Ending all but the current.
		s, _ := LookupSession(ctx, d, tok, idle, t0.Add(101*time.Minute))
		tok4, _ := CreateSession(ctx, d, u.ID, "", "", "", max, t0.Add(100*time.Minute))
		n, err := EndUserSessions(ctx, d, u.ID, s.IDHash, "user", t0.Add(102*time.Minute))
		if err != nil || n != 1 {
			t.Errorf("EndUserSessions = %d, %v; want 1", n, err)
		}
		if _, err := LookupSession(ctx, d, tok4, idle, t0.Add(103*time.Minute)); !errors.Is(err, ErrSessionExpired) {
			t.Errorf("ended session: %v", err)
		}
		list, _ := ListSessions(ctx, d, u.ID, t0.Add(103*time.Minute))
		if len(list) != 1 || list[0].IDHash != s.IDHash {
			t.Errorf("live sessions = %d", len(list))
		}
	})
}

func TestThrottleAndLockout(t *testing.T) {
	cases := []struct {
		n    int
		want time.Duration
	}{{1, 0}, {3, 0}, {4, time.Second}, {5, 2 * time.Second}, {8, 16 * time.Second}, {30, maxDelay}}
	for _, c := range cases {
		if got := ThrottleDelay(c.n); got != c.want {
			t.Errorf("ThrottleDelay(%d) = %v, want %v", c.n, got, c.want)
		}
	}
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		key := "ip:203.0.113.9"
		var wait time.Duration
		for i := 0; i < 5; i++ {
			wait, _ = ThrottleFailure(ctx, d, key, t0)
		}
		if wait != 2*time.Second {
			t.Errorf("wait after 5 failures = %v", wait)
		}
		if w, _ := ThrottleWait(ctx, d, key, t0.Add(time.Second)); w != time.Second {
			t.Errorf("ThrottleWait = %v, want 1s", w)
		}
		if w, _ := ThrottleWait(ctx, d, "ip:198.51.100.1", t0); w != 0 {
			t.Errorf("another address waits %v", w)
		}
		// A quiet hour forgets.
		if w, _ := ThrottleFailure(ctx, d, key, t0.Add(2*time.Hour)); w != 0 {
			t.Errorf("failure after a quiet hour waits %v", w)
		}

		u := mustUser(t, d, "l@example.ru", "+79160000003")
		for i := 1; i <= 5; i++ {
			locked, err := RecordFailedLogin(ctx, d, u.ID, 5, t0)
			if err != nil || locked != (i == 5) {
				t.Fatalf("failure %d: locked=%v err=%v", i, locked, err)
			}
		}
		got, _ := Get(ctx, d, u.ID)
		if !got.Locked() {
			t.Fatal("account not locked after 5 failures")
		}
		if err := Unlock(ctx, d, u.ID, t0); err != nil {
			t.Fatal(err)
		}
		got, _ = Get(ctx, d, u.ID)
		if got.Locked() || got.FailedLogins != 0 {
			t.Errorf("after unlock: locked=%v failures=%d", got.Locked(), got.FailedLogins)
		}
	})
}

func TestTOTPAndRecoveryCodes(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		u := mustUser(t, d, "t@example.ru", "+79160000004")
		sealer, err := NewSealer(make([]byte, 32))
		if err != nil {
			t.Fatal(err)
		}
		e, err := NewEnrolment(u.Email)
		if err != nil {
			t.Fatal(err)
		}
		again, err := EnrolmentOf(u.Email, e.Secret)
		if err != nil || again.Secret != e.Secret || again.QR == "" || !strings.Contains(again.URL, "secret="+e.Secret) {
			t.Fatalf("EnrolmentOf = %+v, %v", again.Secret, err)
		}
		code, _ := totp.GenerateCode(e.Secret, t0)
		if err := EnableTOTP(ctx, d, sealer, u.ID, e.Secret, code, t0); err != nil {
			t.Fatal(err)
		}
		u, _ = Get(ctx, d, u.ID)
		if u.SecondFactor != TOTP {
			t.Errorf("second factor = %q", u.SecondFactor)
		}
		// The database holds the seed sealed, never as it is.
		if u.TOTPSecret == e.Secret || strings.Contains(u.TOTPSecret, e.Secret) {
			t.Error("the authenticator secret is stored in the clear")
		}
		// The enrolment code cannot be replayed at sign-in.
		if err := VerifyTOTP(ctx, d, sealer, u, code, t0); !errors.Is(err, ErrCodeExpired) {
			t.Errorf("replayed enrolment code: %v", err)
		}
		next, _ := totp.GenerateCode(e.Secret, t0.Add(30*time.Second))
		if err := VerifyTOTP(ctx, d, sealer, u, next, t0.Add(30*time.Second)); err != nil {
			t.Errorf("next code: %v", err)
		}
		if err := VerifyTOTP(ctx, d, sealer, u, next, t0.Add(40*time.Second)); !errors.Is(err, ErrCodeExpired) {
			t.Errorf("the same code twice: %v", err)
		}
		if err := VerifyTOTP(ctx, d, sealer, u, "123456", t0.Add(90*time.Second)); err == nil {
			t.Error("a made-up code verifies")
		}

		codes, err := NewRecoveryCodes(ctx, d, u.ID)
		if err != nil || len(codes) != 10 {
			t.Fatalf("NewRecoveryCodes = %d, %v", len(codes), err)
		}
		if err := UseRecoveryCode(ctx, d, u.ID, " "+codes[3]+" ", t0); err != nil {
			t.Errorf("recovery code: %v", err)
		}
		if err := UseRecoveryCode(ctx, d, u.ID, codes[3], t0); err == nil {
			t.Error("a recovery code worked twice")
		}
	})
}
