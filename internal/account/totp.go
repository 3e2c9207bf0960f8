package account

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"image/png"
	"net/url"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/opvk/cabinet/internal/db"
)

const totpPeriod = 30

// Enrolment is a new authenticator-app secret waiting for its first code.
type Enrolment struct {
	Secret string // base32, for manual entry
	URL    string // otpauth:// URL
	QR     string // data: URL of a PNG QR code of URL
}

// NewEnrolment makes a TOTP secret for account (the user's e-mail or phone) and its QR code.
func NewEnrolment(account string) (Enrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: account, Period: totpPeriod})
	if err != nil {
		return Enrolment{}, fmt.Errorf("totp: %w", err)
	}
	return enrolment(key)
}

// EnrolmentOf shows again an enrolment whose secret is known (after a wrong first code), so
// the QR code on the page still matches what the app may already hold.
func EnrolmentOf(account, secret string) (Enrolment, error) {
	v := url.Values{"secret": {secret}, "issuer": {totpIssuer}, "period": {fmt.Sprint(totpPeriod)},
		"digits": {"6"}, "algorithm": {"SHA1"}}
	key, err := otp.NewKeyFromURL((&url.URL{Scheme: "otpauth", Host: "totp",
		Path: "/" + totpIssuer + ":" + account, RawQuery: v.Encode()}).String())
	if err != nil {
		return Enrolment{}, fmt.Errorf("totp: %w", err)
	}
	return enrolment(key)
}

const totpIssuer = "ГИС ОПВК"

func enrolment(key *otp.Key) (Enrolment, error) {
	img, err := key.Image(240, 240)
	if err != nil {
		return Enrolment{}, fmt.Errorf("totp qr: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: key.Secret(), URL: key.URL(),
		QR: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())}, nil
}

// totpStep returns the time step whose code matches, looking one step either side for clock
// drift, or 0.
func totpStep(secret, code string, now time.Time) int64 {
	code = strings.TrimSpace(code)
	for _, off := range []int64{0, -1, 1} {
		t := now.Add(time.Duration(off*totpPeriod) * time.Second)
		want, err := totp.GenerateCodeCustom(secret, t, totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return t.Unix() / totpPeriod
		}
	}
	return 0
}

// CheckEnrolment reports whether code is right for a secret not yet stored.
func CheckEnrolment(secret, code string, now time.Time) bool { return totpStep(secret, code, now) != 0 }

// EnableTOTP stores the secret, makes the app the user's second factor, and records the step of
// the code just used so it cannot be used again.
// The secret is stored sealed.
func EnableTOTP(ctx context.Context, q db.Querier, sealer *Sealer, userID int64, secret, code string, now time.Time) error {
	step := totpStep(secret, code, now)
	if step == 0 {
		return ErrCodeWrong
	}
	_, err := q.ExecContext(ctx, `UPDATE users SET totp_secret = $1, totp_last_step = $2, second_factor = 'totp', updated_at = $3
		WHERE id = $4`, sealer.Seal(secret), step, now.UTC(), userID)
	return err
}

// VerifyTOTP checks a code from the user's app. Each code is accepted once: the step it belongs to
// must be later than the last one used (the UPDATE's condition also settles two racing requests).
func VerifyTOTP(ctx context.Context, q db.Querier, sealer *Sealer, u User, code string, now time.Time) error {
	if u.TOTPSecret == "" {
		return ErrCodeExpired
	}
	secret, err := sealer.Open(u.TOTPSecret)
	if err != nil {
		return fmt.Errorf("authenticator secret of user %d: %w", u.ID, err)
	}
	step := totpStep(secret, code, now)
	if step == 0 {
		return ErrCodeWrong
	}
	res, err := q.ExecContext(ctx, `UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1`, step, u.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrCodeExpired // already used
	}
	return nil
}

// NewRecoveryCodes replaces the user's recovery codes with ten new ones and returns them, to be
// shown once. Each opens one sign-in when the app is lost.
func NewRecoveryCodes(ctx context.Context, q db.Querier, userID int64) ([]string, error) {
	if _, err := q.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
		return nil, err
	}
	codes := make([]string, 10)
	for i := range codes {
		codes[i] = newRecoveryCode()
		if _, err := q.ExecContext(ctx, `INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)`, userID, HashToken(codes[i])); err != nil {
			return nil, err
		}
	}
	return codes, nil
}

// UseRecoveryCode accepts an unused recovery code of the user once.
func UseRecoveryCode(ctx context.Context, q db.Querier, userID int64, code string, now time.Time) error {
	res, err := q.ExecContext(ctx, `UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL`,
		now.UTC(), userID, HashToken(strings.ToLower(strings.TrimSpace(code))))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrCodeWrong
	}
	return nil
}
