package notify

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
	"github.com/riverqueue/river"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/i18n"
	"github.com/opvk/cabinet/internal/messaging"
)

// Setup prepares what every instance shares, at start-up: it makes the VAPID key pair on the
// very first start and keeps it (browsers' subscriptions are bound to its public key, so a new
// key would silently orphan them all), and records baseURL, the cabinet's public URL, which
// Notify puts in front of links. Instances starting together agree: the first insert wins and
// the others read its keys. It returns the VAPID public key.
func Setup(ctx context.Context, d *db.DB, baseURL string) (string, error) {
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return "", fmt.Errorf("VAPID key: %w", err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	_, err = d.ExecContext(ctx, `
		INSERT INTO notify_site (id, vapid_public_key, vapid_private_key, base_url, created_at) VALUES (1, $1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET base_url = excluded.base_url`,
		enc(key.PublicKey().Bytes()), enc(key.Bytes()), strings.TrimRight(baseURL, "/"), time.Now().UTC())
	if err != nil {
		return "", fmt.Errorf("notify setup: %w", db.Map(err))
	}
	return VAPIDPublicKey(ctx, d)
}

// VAPIDPublicKey returns the public key browsers subscribe with (applicationServerKey), base64url;
// apperr.NotFound before Setup.
func VAPIDPublicKey(ctx context.Context, q db.Querier) (string, error) {
	pub, _, err := vapidKeys(ctx, q)
	return pub, err
}

func vapidKeys(ctx context.Context, q db.Querier) (pub, priv string, err error) {
	err = q.QueryRowContext(ctx, `SELECT vapid_public_key, vapid_private_key FROM notify_site WHERE id = 1`).Scan(&pub, &priv)
	if err != nil {
		return "", "", fmt.Errorf("VAPID keys: %w", db.Map(err))
	}
	return pub, priv, nil
}

// Subscription is one browser subscribed to Web Push.
type Subscription struct {
	ID        int64
	UserID    int64
	Endpoint  string // the push service's URL for this browser
	P256DH    string // the browser's public key, base64url
	Auth      string // the browser's authentication secret, base64url
	UserAgent string
	CreatedAt time.Time
}

// decodeKey reads a key as browsers give it: base64url, usually without padding.
func decodeKey(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// validate checks a subscription as a browser posts it; problems are apperr.Invalid.
func (s Subscription) validate() error {
	u, err := url.Parse(s.Endpoint)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || len(s.Endpoint) > 2048 {
		return fmt.Errorf("push endpoint is not an https URL: %w", apperr.Invalid)
	}
	pub, err := decodeKey(s.P256DH)
	if err != nil {
		return fmt.Errorf("push key: %w", apperr.Invalid)
	}
	if _, err := ecdh.P256().NewPublicKey(pub); err != nil {
		return fmt.Errorf("push key is not a P-256 point: %w", apperr.Invalid)
	}
	if auth, err := decodeKey(s.Auth); err != nil || len(auth) != 16 {
		return fmt.Errorf("push auth secret is not 16 bytes: %w", apperr.Invalid)
	}
	return nil
}

// Subscribe keeps the browser subscription s for user. A browser subscribes once per push
// service endpoint: subscribing the same endpoint again (after another user signed in on that
// browser, or with fresh keys) replaces the old record.
func Subscribe(ctx context.Context, q db.Querier, userID int64, s Subscription, now time.Time) error {
	if err := s.validate(); err != nil {
		return err
	}
	if len(s.UserAgent) > 300 {
		s.UserAgent = s.UserAgent[:300]
	}
	_, err := q.ExecContext(ctx, `
		INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, user_agent, created_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth,
			user_agent = excluded.user_agent, created_at = excluded.created_at`,
		userID, s.Endpoint, s.P256DH, s.Auth, s.UserAgent, now.UTC())
	if err != nil {
		return fmt.Errorf("push subscription: %w", db.Map(err))
	}
	return nil
}

// Unsubscribe forgets the user's subscription of endpoint; one that is not there is no error.
func Unsubscribe(ctx context.Context, q db.Querier, userID int64, endpoint string) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM push_subscriptions WHERE user_id = $1 AND endpoint = $2`, userID, endpoint); err != nil {
		return fmt.Errorf("push unsubscribe: %w", db.Map(err))
	}
	return nil
}

// DeleteSubscription forgets the user's subscription id; someone else's is apperr.NotFound.
func DeleteSubscription(ctx context.Context, q db.Querier, userID, id int64) error {
	res, err := q.ExecContext(ctx, `DELETE FROM push_subscriptions WHERE user_id = $1 AND id = $2`, userID, id)
	if err != nil {
		return fmt.Errorf("push unsubscribe: %w", db.Map(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("push subscription %d: %w", id, apperr.NotFound)
	}
	return nil
}

// Subscriptions returns the user's subscribed browsers, oldest first.
func Subscriptions(ctx context.Context, q db.Querier, userID int64) ([]Subscription, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, user_id, endpoint, p256dh, auth, user_agent, created_at
		FROM push_subscriptions WHERE user_id = $1 ORDER BY id`, userID)
	if err != nil {
		return nil, fmt.Errorf("push subscriptions: %w", db.Map(err))
	}
	defer rows.Close()
	var out []Subscription
	for rows.Next() {
		var s Subscription
		if err := rows.Scan(&s.ID, &s.UserID, &s.Endpoint, &s.P256DH, &s.Auth, &s.UserAgent, &s.CreatedAt); err != nil {
			return nil, fmt.Errorf("push subscriptions: %w", err)
		}
		out = append(out, s)
	}
	return out, db.Map(rows.Err())
}

func subscriptionCount(ctx context.Context, q db.Querier, userID int64) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM push_subscriptions WHERE user_id = $1`, userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("push subscriptions: %w", db.Map(err))
	}
	return n, nil
}

// PushArgs is the job that sends one notification, or one digest, to every browser the user
// subscribed. Exactly one of the ids is set.
type PushArgs struct {
	NotificationID int64 `json:"notification_id,omitempty"`
	DigestID       int64 `json:"digest_id,omitempty"`
}

// Kind implements river.JobArgs.
func (PushArgs) Kind() string { return "notify.push" }

// InsertOpts implements river.JobArgsWithInsertOpts: as many attempts as e-mail and SMS.
func (PushArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: messaging.MaxAttempts}
}

func (a PushArgs) key() (prefix string, id int64) {
	if a.DigestID != 0 {
		return "digest", a.DigestID
	}
	return "notif", a.NotificationID
}

// Payload is what the service worker receives, encrypted, and shows as a system notification.
type Payload struct {
	Title string `json:"title"`
	Body  string `json:"body"`
	URL   string `json:"url"`
	Tag   string `json:"tag"` // one notification replaces an earlier one with the same tag
}

// PushWorker sends PushArgs jobs with Web Push: the payload encrypted to each browser's keys
// (RFC 8291, aes128gcm) and the request signed with the cabinet's VAPID key (RFC 8292).
//
// Delivery is per browser and at least once, like messaging's: each browser the push service
// accepted is written down under the job's key, so a retry (the service down for one browser, or
// a crash before River recorded the job) sends only to the browsers not yet reached. A browser
// whose subscription the service no longer knows (404, 410) is forgotten.
type PushWorker struct {
	river.WorkerDefaults[PushArgs]
	DB *db.DB
	// Subscriber is the contact push services may use about our traffic (the VAPID "sub" claim):
	// an e-mail address, sent as a mailto: URL, or an https URL.
	Subscriber string
	// HTTPClient sends to the push services; nil: a client that refuses private and loopback
	// addresses, since the endpoint comes from a browser and must not reach into our network.
	HTTPClient *http.Client
	Logger     *slog.Logger
	// Backoff says how long to wait after failed attempt n; nil: 10 s doubling up to an hour.
	Backoff func(attempt int) time.Duration
}

// NextRetry implements river.Worker.
func (w *PushWorker) NextRetry(job *river.Job[PushArgs]) time.Time {
	if w.Backoff != nil {
		return time.Now().Add(w.Backoff(job.Attempt))
	}
	d := 10 * time.Second
	for i := 1; i < job.Attempt && d < time.Hour; i++ {
		d *= 2
	}
	return time.Now().Add(min(d, time.Hour))
}

// Timeout implements river.Worker.
func (w *PushWorker) Timeout(*river.Job[PushArgs]) time.Duration { return 2 * time.Minute }

// errNoBrowser ends a push job whose user has no subscribed browser left.
var errNoBrowser = errors.New("no subscribed browser")

// Work implements river.Worker.
func (w *PushWorker) Work(ctx context.Context, job *river.Job[PushArgs]) error {
	prefix, id := job.Args.key()
	err := w.work(ctx, job.Args)
	st := StateSent
	if err != nil {
		st = StateQueued
		if final(job.Attempt, job.MaxAttempts, err) {
			st = StateFailed
		}
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if rerr := recordAttempt(rctx, w.DB, prefix, id, Push, st, job.Attempt, err, time.Now()); rerr != nil {
		logger(w.Logger).ErrorContext(ctx, "push delivery state not recorded", "job", job.ID, "err", rerr)
	}
	return err
}

func (w *PushWorker) work(ctx context.Context, a PushArgs) error {
	prefix, id := a.key()
	key := prefix + ":" + fmt.Sprint(id) + ":push"
	userID, payload, err := w.payload(ctx, a)
	if errors.Is(err, apperr.NotFound) {
		return river.JobCancel(err) // the user or the notification is gone
	}
	if err != nil {
		return err
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return river.JobCancel(err)
	}
	pub, priv, err := vapidKeys(ctx, w.DB)
	if err != nil {
		return err
	}
	subs, err := Subscriptions(ctx, w.DB, userID)
	if err != nil {
		return err
	}
	var retry, gone error
	reached := 0
	for _, s := range subs {
		done, err := pushSent(ctx, w.DB, key, s.ID)
		if err != nil {
			return err
		}
		if done {
			reached++
			continue
		}
		status, err := w.send(ctx, s, body, pub, priv)
		switch {
		case err != nil:
			retry = err
		case status >= 200 && status < 300:
			reached++
			if err := markPushSent(context.WithoutCancel(ctx), w.DB, key, s.ID); err != nil {
				logger(w.Logger).ErrorContext(ctx, "push sent, but not recorded", "key", key, "err", err)
			}
		case status == http.StatusNotFound || status == http.StatusGone:
			// The browser unsubscribed or the subscription expired: the push service says never
			// to send there again.
			if err := DeleteSubscription(ctx, w.DB, userID, s.ID); err != nil && !errors.Is(err, apperr.NotFound) {
				return err
			}
			gone = fmt.Errorf("push service: subscription gone (%d)", status)
		case status == http.StatusTooManyRequests || status >= 500:
			retry = fmt.Errorf("push service answered %d", status)
		default: // 400, 401, 403, 413: sending the same again cannot succeed
			gone = fmt.Errorf("push service refused the message (%d)", status)
		}
	}
	switch {
	case retry != nil:
		return retry
	case reached > 0:
		return nil
	case gone != nil:
		return river.JobCancel(gone)
	}
	return river.JobCancel(errNoBrowser)
}

// send posts body to the browser of s and returns the push service's status.
func (w *PushWorker) send(ctx context.Context, s Subscription, body []byte, pub, priv string) (int, error) {
	client := w.HTTPClient
	if client == nil {
		client = publicOnlyClient()
	}
	res, err := webpush.SendNotificationWithContext(ctx, body, &webpush.Subscription{
		Endpoint: s.Endpoint, Keys: webpush.Keys{P256dh: s.P256DH, Auth: s.Auth},
	}, &webpush.Options{
		HTTPClient: client, Subscriber: w.Subscriber, TTL: 24 * 60 * 60, Urgency: webpush.UrgencyNormal,
		VAPIDPublicKey: pub, VAPIDPrivateKey: priv,
	})
	if err != nil {
		return 0, fmt.Errorf("push: %s", Redact(err.Error()))
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	return res.StatusCode, nil
}

// payload loads what the job shows and to whom.
func (w *PushWorker) payload(ctx context.Context, a PushArgs) (int64, Payload, error) {
	base, err := baseURL(ctx, w.DB)
	if err != nil {
		return 0, Payload{}, err
	}
	if a.DigestID == 0 {
		var n Notification
		err := w.DB.QueryRowContext(ctx, `SELECT user_id, title, body, link FROM notifications WHERE id = $1`,
			a.NotificationID).Scan(&n.UserID, &n.Title, &n.Body, &n.Link)
		if err != nil {
			return 0, Payload{}, fmt.Errorf("push notification %d: %w", a.NotificationID, db.Map(err))
		}
		return n.UserID, Payload{Title: n.Title, Body: short(n.Body, 1000), URL: absolute(base, n.Link),
			Tag: fmt.Sprintf("notif-%d", a.NotificationID)}, nil
	}
	var userID int64
	var count int
	err = w.DB.QueryRowContext(ctx, `SELECT g.user_id, (SELECT count(*) FROM notification_deliveries d WHERE d.digest_id = g.id)
		FROM notification_digests g WHERE g.id = $1`, a.DigestID).Scan(&userID, &count)
	if err != nil {
		return 0, Payload{}, fmt.Errorf("push digest %d: %w", a.DigestID, db.Map(err))
	}
	u, err := account.Get(ctx, w.DB, userID)
	if err != nil {
		return 0, Payload{}, err
	}
	cat, err := catalog()
	if err != nil {
		return 0, Payload{}, err
	}
	lang := i18n.Supported(u.Lang)
	return userID, Payload{Title: cat.N(lang, "notify.digest.subject", count), Body: cat.T(lang, "notify.digest.push"),
		URL: absolute(base, "/notifications"), Tag: fmt.Sprintf("digest-%d", a.DigestID)}, nil
}

func short(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func pushSent(ctx context.Context, q db.Querier, key string, subID int64) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM push_deliveries WHERE message_key = $1 AND subscription_id = $2`, key, subID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("push delivery %s: %w", key, db.Map(err))
	}
	return n > 0, nil
}

func markPushSent(ctx context.Context, q db.Querier, key string, subID int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO push_deliveries (message_key, subscription_id, sent_at) VALUES ($1, $2, $3)
		ON CONFLICT (message_key, subscription_id) DO NOTHING`, key, subID, time.Now().UTC())
	return db.Map(err)
}

// publicOnlyClient sends to push services on the public internet only. The endpoint is a URL a
// browser gave us, so without this check a user could make the cabinet post to addresses inside
// its own network. The check runs on the address actually dialled, after DNS, so a name that
// resolves to a private address is refused too. Behind an outbound proxy (HTTPS_PROXY) the proxy
// is the one to enforce this, and the client goes through it.
func publicOnlyClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	if os.Getenv("HTTPS_PROXY") == "" && os.Getenv("https_proxy") == "" {
		t.Proxy = nil
		t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, Control: refusePrivate}).DialContext
	}
	return &http.Client{Transport: t, Timeout: time.Minute,
		// A push service answers; it does not redirect. Following one would bypass nothing (the
		// dialler checks every connection) but has no use either.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func refusePrivate(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return err
	}
	ip := ap.Addr().Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() {
		return fmt.Errorf("push endpoint at a non-public address %s refused", ip)
	}
	return nil
}
