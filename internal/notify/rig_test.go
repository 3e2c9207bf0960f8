package notify

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/db/dbtest"
	"github.com/opvk/cabinet/internal/jobs"
	"github.com/opvk/cabinet/internal/messaging"
	"github.com/opvk/cabinet/internal/messaging/messagingtest"
)

// testBase is the cabinet's public URL in these tests.
const testBase = "https://lk.opvk.example"

// rig is one database with River working the notification jobs, and real test servers for
// e-mail (SMTP), SMS (the HTTP gateway) and Web Push (an HTTPS push service).
type rig struct {
	d      *db.DB
	path   string // the SQLite file, for River's own connection
	smtp   *messagingtest.SMTPServer
	sms    *messagingtest.SMSGateway
	push   *pushService
	runner *jobs.Runner
	events <-chan *river.Event
	stop   func()
	// backlog holds events read but not yet waited for: jobs finish in any order.
	backlog []*river.Event
}

var quiet = slog.New(slog.DiscardHandler) // River logs every failed attempt, which these tests cause

// forEachDB runs fn on a fresh rig per database, River working.
func forEachDB(t *testing.T, fn func(t *testing.T, r *rig)) {
	t.Helper()
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			r := newRig(t, dialect)
			r.start(t, nil)
			fn(t, r)
		})
	}
}

// newRig opens and migrates a database of dialect and starts the test servers; River is not
// started (see start).
func newRig(t *testing.T, dialect db.Dialect) *rig {
	t.Helper()
	ctx := context.Background()
	r := &rig{path: filepath.Join(t.TempDir(), "notify.db")}
	var err error
	if dialect == db.SQLite {
		r.d, err = db.OpenSQLite(ctx, r.path)
	} else {
		r.d, err = db.OpenPostgres(ctx, dbtest.PostgresURL(t))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.d.Close() })
	if err := r.d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := jobs.Migrate(ctx, r.d, quiet); err != nil {
		t.Fatal(err)
	}
	if _, err := Setup(ctx, r.d, testBase); err != nil {
		t.Fatal(err)
	}
	r.smtp = messagingtest.StartSMTP(t)
	r.sms = messagingtest.StartSMSGateway(t)
	r.push = startPushService(t)
	return r
}

// start starts River with the notification workers; mailer replaces the real SMTP sender when
// not nil. The rig stops it when the test ends.
func (r *rig) start(t *testing.T, mailer messaging.Mailer) {
	t.Helper()
	if mailer == nil {
		m, err := messaging.NewSMTPMailer(r.smtp.URL(), "noreply@opvk.example")
		if err != nil {
			t.Fatal(err)
		}
		mailer = m
	}
	sms, err := messaging.NewGatewaySMS(r.sms.URL())
	if err != nil {
		t.Fatal(err)
	}
	fast := func(int) time.Duration { return 50 * time.Millisecond }
	workers := river.NewWorkers()
	river.AddWorker(workers, &SendWorker{Worker: &messaging.Worker{DB: r.d, Mailer: mailer, SMS: sms, Logger: quiet, Backoff: fast}})
	river.AddWorker(workers, &PushWorker{DB: r.d, Subscriber: "support@opvk.example", HTTPClient: r.push.srv.Client(),
		Logger: quiet, Backoff: fast})
	river.AddWorker(workers, &DigestWorker{DB: r.d})
	river.AddWorker(workers, &ReminderWorker{DB: r.d})
	r.runner, err = jobs.New(r.d, r.path, jobs.Options{Workers: workers, Work: true, Logger: quiet, PollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	events, cancel := r.runner.Client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled)
	r.events, r.backlog = events, nil
	if err := r.runner.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	runner := r.runner
	stopped := false
	r.stop = func() {
		if stopped {
			return
		}
		stopped = true
		ctx, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		_ = runner.Stop(ctx)
		cancel()
	}
	t.Cleanup(r.stop)
}

// notify runs Notify in a transaction of its own and returns the notification's id.
func (r *rig) notify(t *testing.T, ev Event) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := db.InTx(ctx, r.d, func(tx *db.Tx) error {
		var err error
		id, err = create(ctx, tx, r.runner.Client, ev)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// jobKey is the delivery key of a job: SendArgs.Key, or that of PushArgs.
func jobKey(t *testing.T, ev *river.Event) string {
	var a struct {
		Key            string `json:"key"`
		NotificationID int64  `json:"notification_id"`
		DigestID       int64  `json:"digest_id"`
	}
	if err := json.Unmarshal(ev.Job.EncodedArgs, &a); err != nil {
		t.Fatal(err)
	}
	switch {
	case ev.Job.Kind == "notify.push" && a.DigestID != 0:
		return deliveryKey("digest", a.DigestID, Push)
	case ev.Job.Kind == "notify.push":
		return deliveryKey("notif", a.NotificationID, Push)
	}
	return a.Key
}

// waitJob returns the next event of kind for the job with key, waiting up to 20 s.
func (r *rig) waitJob(t *testing.T, key string, kind river.EventKind) *river.Event {
	t.Helper()
	match := func(ev *river.Event) bool { return ev.Kind == kind && jobKey(t, ev) == key }
	for i, ev := range r.backlog {
		if match(ev) {
			r.backlog = slices.Delete(r.backlog, i, i+1)
			return ev
		}
	}
	deadline := time.After(20 * time.Second)
	for {
		select {
		case ev := <-r.events:
			if match(ev) {
				return ev
			}
			r.backlog = append(r.backlog, ev)
		case <-deadline:
			t.Fatalf("job %s: no %s event within 20 s", key, kind)
		}
	}
}

// deliveries returns the delivery rows of notification id by channel.
func deliveries(t *testing.T, q db.Querier, id int64) map[Channel]Delivery {
	t.Helper()
	rows, err := q.QueryContext(context.Background(), `SELECT channel, state, attempts, last_error, updated_at
		FROM notification_deliveries WHERE notification_id = $1`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[Channel]Delivery{}
	for rows.Next() {
		var d Delivery
		if err := rows.Scan(&d.Channel, &d.State, &d.Attempts, &d.LastError, &d.UpdatedAt); err != nil {
			t.Fatal(err)
		}
		out[d.Channel] = d
	}
	return out
}

func count(t *testing.T, q db.Querier, query string, args ...any) int {
	t.Helper()
	var n int
	if err := q.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var userSeq int

// mustUser creates an active user who speaks lang; phone and email may be empty.
func mustUser(t *testing.T, q db.Querier, lang, email, phone string) int64 {
	t.Helper()
	userSeq++
	id, err := account.Create(context.Background(), q, account.User{Kind: account.Individual,
		FullName: fmt.Sprintf("Иванова Мария %d", userSeq), Email: email, Phone: phone, Lang: lang}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// pushService is an HTTPS push service that keeps every message it receives.
type pushService struct {
	srv     *httptest.Server
	mu      sync.Mutex
	got     []pushMessage
	status  int
	changed chan struct{}
}

type pushMessage struct {
	Path   string
	Header http.Header
	Body   []byte
}

func startPushService(t *testing.T) *pushService {
	p := &pushService{changed: make(chan struct{})}
	p.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		status := p.status
		if status == 0 {
			p.got = append(p.got, pushMessage{Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
			close(p.changed)
			p.changed = make(chan struct{})
			status = http.StatusCreated
		}
		p.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// setStatus makes the service answer every message with status and keep none; 0: accept.
func (p *pushService) setStatus(status int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.status = status
}

func (p *pushService) messages() []pushMessage {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.got)
}

// waitFor returns the first message for path, waiting up to timeout.
func (p *pushService) waitFor(t *testing.T, path string, timeout time.Duration) pushMessage {
	t.Helper()
	deadline := time.After(timeout)
	for {
		p.mu.Lock()
		for _, m := range p.got {
			if m.Path == path {
				p.mu.Unlock()
				return m
			}
		}
		changed := p.changed
		p.mu.Unlock()
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("no push message for %s within %s", path, timeout)
		}
	}
}

// browser is the receiving side of a push subscription: its key pair and auth secret.
type browser struct {
	key  *ecdh.PrivateKey
	auth []byte
}

func newBrowser(t *testing.T) browser {
	t.Helper()
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	return browser{key: key, auth: auth}
}

// subscribe subscribes the browser for user at path of the test push service.
func (b browser) subscribe(t *testing.T, r *rig, userID int64, path string) {
	t.Helper()
	enc := base64.RawURLEncoding.EncodeToString
	err := Subscribe(context.Background(), r.d, userID, Subscription{Endpoint: r.push.srv.URL + path,
		P256DH: enc(b.key.PublicKey().Bytes()), Auth: enc(b.auth), UserAgent: "Mozilla/5.0 Firefox/140.0"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
}

// decrypt is a browser's side of RFC 8291: it reads one aes128gcm record (RFC 8188) sent to the
// key pair ua with the authentication secret auth, and returns the plaintext.
func decrypt(body []byte, ua *ecdh.PrivateKey, auth []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, errors.New("short body")
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if len(body) < 21+idlen {
		return nil, errors.New("short header")
	}
	asPublic, ciphertext := body[21:21+idlen], body[21+idlen:]
	if uint32(len(ciphertext)) > rs {
		return nil, errors.New("more than one record")
	}
	as, err := ecdh.P256().NewPublicKey(asPublic)
	if err != nil {
		return nil, err
	}
	secret, err := ua.ECDH(as)
	if err != nil {
		return nil, err
	}
	info := "WebPush: info\x00" + string(ua.PublicKey().Bytes()) + string(asPublic)
	ikm, err := hkdf.Key(sha256.New, secret, auth, info, 32)
	if err != nil {
		return nil, err
	}
	cek, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, err
	}
	nonce, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	plain, err := gcm.Open(nil, nonce, ciphertext, nil)
	if err != nil {
		return nil, err
	}
	// The padding: zeros after a delimiter, 2 for the last record.
	end := len(plain) - 1
	for end >= 0 && plain[end] == 0 {
		end--
	}
	if end < 0 || plain[end] != 2 {
		return nil, errors.New("no last-record delimiter")
	}
	return plain[:end], nil
}
