package notify

import (
	"context"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/opvk/cabinet/internal/apperr"
)

func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDecryptRFC8291 checks the tests' own decryption (a browser's side) on the example of
// RFC 8291, Appendix A, so that the push test below proves the sender right and not merely
// consistent with a mistaken reader.
func TestDecryptRFC8291(t *testing.T) {
	ua, err := ecdh.P256().NewPrivateKey(b64(t, "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"))
	if err != nil {
		t.Fatal(err)
	}
	if got := base64.RawURLEncoding.EncodeToString(ua.PublicKey().Bytes()); got != "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4" {
		t.Fatalf("user agent public key = %s", got)
	}
	body := b64(t, "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN")
	got, err := decrypt(body, ua, b64(t, "BTBZMqHH6r4Tts7J_aSIgg"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "When I grow up, I want to be a watermelon"; string(got) != want {
		t.Errorf("decrypt = %q, want %q", got, want)
	}
	body[len(body)-1] ^= 1
	if _, err := decrypt(body, ua, b64(t, "BTBZMqHH6r4Tts7J_aSIgg")); err == nil {
		t.Error("a tampered message decrypted")
	}
}

// verifyVAPID checks the Authorization header of a push request (RFC 8292): an ES256 JWT for the
// push service's origin, signed by the key it names, which is the cabinet's VAPID key.
func verifyVAPID(t *testing.T, header, wantKey, wantAud string) {
	t.Helper()
	rest, ok := strings.CutPrefix(header, "vapid t=")
	jwt, key, ok2 := strings.Cut(rest, ", k=")
	if !ok || !ok2 {
		t.Fatalf("Authorization = %q, want vapid t=…, k=…", header)
	}
	if key != wantKey {
		t.Errorf("k = %s, want the VAPID public key %s", key, wantKey)
	}
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("JWT has %d parts", len(parts))
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), b64(t, key))
	if err != nil {
		t.Fatal(err)
	}
	sig := b64(t, parts[2])
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if len(sig) != 64 || !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Fatal("the VAPID signature does not verify")
	}
	var claims struct {
		Aud string `json:"aud"`
		Sub string `json:"sub"`
		Exp int64  `json:"exp"`
	}
	if err := json.Unmarshal(b64(t, parts[1]), &claims); err != nil {
		t.Fatal(err)
	}
	if claims.Aud != wantAud || claims.Sub != "mailto:support@opvk.example" || claims.Exp < time.Now().Unix() ||
		claims.Exp > time.Now().Add(24*time.Hour).Unix() {
		t.Errorf("claims = %+v, want aud %s, our contact, expiry within a day", claims, wantAud)
	}
}

// TestPushDecrypts sends a notification to two subscribed browsers through the push service in
// the test; each message decrypts, with its browser's key, to the notification, and carries a
// valid VAPID signature. A browser the service no longer knows is forgotten.
func TestPushDecrypts(t *testing.T) {
	forEachDB(t, func(t *testing.T, r *rig) {
		ctx := context.Background()
		u := mustUser(t, r.d, "en", "", "")
		phone, laptop := newBrowser(t), newBrowser(t)
		phone.subscribe(t, r, u, "/push/phone")
		laptop.subscribe(t, r, u, "/push/laptop")
		id := r.notify(t, stageChanged(u))
		r.waitJob(t, deliveryKey("notif", id, Push), river.EventKindJobCompleted)
		vapid, err := VAPIDPublicKey(ctx, r.d)
		if err != nil {
			t.Fatal(err)
		}
		want := Payload{Title: "Application 2026-000123: new stage", Body: "Your application has moved to the stage “Expert review”.",
			URL: testBase + "/applications/2026-000123", Tag: "notif-" + itoa(id)}
		for path, b := range map[string]browser{"/push/phone": phone, "/push/laptop": laptop} {
			m := r.push.waitFor(t, path, 5*time.Second)
			if m.Header.Get("Content-Encoding") != "aes128gcm" || m.Header.Get("TTL") == "" {
				t.Errorf("%s: headers %v", path, m.Header)
			}
			verifyVAPID(t, m.Header.Get("Authorization"), vapid, r.push.srv.URL)
			plain, err := decrypt(m.Body, b.key, b.auth)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			var got Payload
			if err := json.Unmarshal(plain, &got); err != nil {
				t.Fatalf("%s: payload %q: %v", path, plain, err)
			}
			if got != want {
				t.Errorf("%s: payload %+v, want %+v", path, got, want)
			}
			if _, err := decrypt(m.Body, newBrowser(t).key, b.auth); err == nil {
				t.Errorf("%s: another browser's key decrypts the message", path)
			}
		}
		if d := deliveries(t, r.d, id)[Push]; d.State != StateSent {
			t.Errorf("push delivery = %+v, want sent", d)
		}

		// The service forgets the subscriptions: the next push removes them and fails for good.
		r.push.setStatus(http.StatusGone)
		gone := r.notify(t, stageChanged(u))
		r.waitJob(t, deliveryKey("notif", gone, Push), river.EventKindJobCancelled)
		if subs, err := Subscriptions(ctx, r.d, u); err != nil || len(subs) != 0 {
			t.Errorf("Subscriptions after 410 = %v, %v; want none", subs, err)
		}
		if d := deliveries(t, r.d, gone)[Push]; d.State != StateFailed || d.LastError == "" || strings.Contains(d.LastError, "127.0.0.1") {
			t.Errorf("push delivery after 410 = %+v, want failed with a reason and no endpoint", d)
		}
	})
}

// TestPushRetriesOnlyUnreached: with the push service failing for one browser, the retry sends
// only to that one.
func TestPushRetriesOnlyUnreached(t *testing.T) {
	forEachDB(t, func(t *testing.T, r *rig) {
		u := mustUser(t, r.d, "ru", "", "")
		a := newBrowser(t)
		a.subscribe(t, r, u, "/push/a")
		id := r.notify(t, stageChanged(u))
		key := deliveryKey("notif", id, Push)
		r.waitJob(t, key, river.EventKindJobCompleted)
		// As if the job ran again after a crash: the browser reached is not sent to twice.
		if err := (&PushWorker{DB: r.d, Subscriber: "support@opvk.example", HTTPClient: r.push.srv.Client()}).
			work(context.Background(), PushArgs{NotificationID: id}); err != nil {
			t.Fatal(err)
		}
		if n := len(r.push.messages()); n != 1 {
			t.Errorf("push service got %d messages, want 1", n)
		}
	})
}

// TestSubscriptionChecked refuses subscriptions that cannot be pushed to safely.
func TestSubscriptionChecked(t *testing.T) {
	b := newBrowser(t)
	enc := base64.RawURLEncoding.EncodeToString
	ok := Subscription{Endpoint: "https://push.example.net/abc", P256DH: enc(b.key.PublicKey().Bytes()), Auth: enc(b.auth)}
	if err := ok.validate(); err != nil {
		t.Fatalf("validate(%+v) = %v", ok, err)
	}
	for name, edit := range map[string]func(*Subscription){
		"http":       func(s *Subscription) { s.Endpoint = "http://push.example.net/abc" },
		"user info":  func(s *Subscription) { s.Endpoint = "https://u:p@push.example.net/abc" },
		"not a key":  func(s *Subscription) { s.P256DH = enc([]byte("short")) },
		"short auth": func(s *Subscription) { s.Auth = enc([]byte("12345")) },
	} {
		s := ok
		edit(&s)
		if err := s.validate(); !errors.Is(err, apperr.Invalid) {
			t.Errorf("%s: validate = %v, want apperr.Invalid", name, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:443", "10.1.2.3:443", "[::1]:443", "169.254.169.254:80", "192.168.0.1:443"} {
		if err := refusePrivate("tcp", addr, nil); err == nil {
			t.Errorf("refusePrivate(%s) allowed it", addr)
		}
	}
	if err := refusePrivate("tcp", "142.250.74.10:443", nil); err != nil {
		t.Errorf("refusePrivate(public) = %v", err)
	}
}

func itoa(n int64) string { return big.NewInt(n).String() }
