// Package smoke checks a running stack end to end after a deploy (make
// smoke): the API's health check, then the upload flow as a client walks it
// (a temporary user, its token, POST /uploads, the PUT to the presigned URL,
// the result with the file's SHA-256), and that another user cannot read
// that result. What it created, the users and the objects, is deleted
// afterwards whatever happened.
//
// The same Run checks the deployed stack (a Cognito user pool, the real
// bucket) and `make local` (the local token issuer, the local S3 server):
// only the Identity, the Objects and the API's URL differ.
package smoke

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"go-lambda-cdk/internal/api"
	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/internal/processor"
)

// Defaults of Config.
const (
	DefaultContentType    = "text/plain"
	DefaultFilename       = "smoke.txt"
	DefaultPollInterval   = time.Second
	DefaultResultTimeout  = time.Minute
	DefaultRequestTimeout = 30 * time.Second
	DefaultCleanupTimeout = time.Minute
)

// maxBodyBytes bounds how much of an API answer is read.
const maxBodyBytes = 1 << 20

// User is a temporary user an Identity created.
type User struct {
	// Name is the user's name in the pool (an email address in Cognito,
	// the sub claim locally).
	Name string
}

// Identity creates temporary users of the API's user pool, signs them in
// and deletes them.
type Identity interface {
	// CreateUser creates a user that can sign in. When it fails after the
	// user exists, it returns the user too, so that it is deleted.
	CreateUser(ctx context.Context) (User, error)
	// Token returns an ID token of u, for the Authorization header.
	Token(ctx context.Context, u User) (string, error)
	// DeleteUser deletes u; a user that is already gone is not an error.
	DeleteUser(ctx context.Context, u User) error
}

// Objects deletes objects of the app's bucket.
type Objects interface {
	// Delete deletes key, every version of it in a versioned bucket; a key
	// that does not exist is not an error.
	Delete(ctx context.Context, key string) error
	// String names the bucket in the printed steps.
	String() string
}

// Config configures Run.
type Config struct {
	// APIURL is the REST API's base URL with its stage, e.g. the stack's
	// ApiUrl output https://abc.execute-api.eu-west-1.amazonaws.com/dev/.
	// Required.
	APIURL string
	// Identity creates the users. Nil means the API has no authorizer
	// (auth.mode none): the requests carry no token and the check that
	// another user gets 404 is skipped.
	Identity Identity
	// Objects deletes the upload and its results afterwards. Required.
	Objects Objects
	// Out receives one line per step. Required.
	Out io.Writer
	// HTTP sends the requests. Default: a client with DefaultRequestTimeout.
	HTTP *http.Client
	// ContentType is the upload's type; it must be one the API allows
	// (api.allowedContentTypes). Default DefaultContentType.
	ContentType string
	// PollInterval is the wait between two reads of the result. Default
	// DefaultPollInterval.
	PollInterval time.Duration
	// ResultTimeout bounds the wait for the result after the PUT. Default
	// DefaultResultTimeout.
	ResultTimeout time.Duration
	// CleanupTimeout bounds the deletions, which run even when ctx is
	// cancelled. Default DefaultCleanupTimeout.
	CleanupTimeout time.Duration
	// Now is the clock of the printed durations and of the day index keys.
	// Default time.Now.
	Now func() time.Time
}

func (c Config) withDefaults() (Config, error) {
	var errs []error
	if c.APIURL == "" {
		errs = append(errs, errors.New("smoke: APIURL is empty"))
	}
	if c.Objects == nil {
		errs = append(errs, errors.New("smoke: Objects is nil"))
	}
	if c.Out == nil {
		errs = append(errs, errors.New("smoke: Out is nil"))
	}
	if c.HTTP == nil {
		c.HTTP = &http.Client{Timeout: DefaultRequestTimeout}
	}
	if c.ContentType == "" {
		c.ContentType = DefaultContentType
	}
	if c.PollInterval <= 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.ResultTimeout <= 0 {
		c.ResultTimeout = DefaultResultTimeout
	}
	if c.CleanupTimeout <= 0 {
		c.CleanupTimeout = DefaultCleanupTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.APIURL = strings.TrimSuffix(c.APIURL, "/")
	return c, errors.Join(errs...)
}

// run is one smoke run: what it created, for the cleanup.
type run struct {
	cfg   Config
	users []User
	// keys are the objects to delete; dayIndex is set once the result told
	// the event time, else the cleanup deletes the index entry of every
	// day since the PUT.
	keys     []string
	uploadID string
	putAt    time.Time
	dayIndex bool
}

// Run checks the stack: it stops at the first failing step and returns its
// error, and it always deletes the users and objects it created, joining
// any cleanup failure to the result.
func Run(ctx context.Context, cfg Config) (err error) {
	cfg, err = cfg.withDefaults()
	if err != nil {
		return err
	}
	r := &run{cfg: cfg}
	defer func() {
		// The cleanup runs on Ctrl-C too, with its own deadline.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.CleanupTimeout)
		defer cancel()
		err = errors.Join(err, r.cleanup(cctx))
	}()
	return r.check(ctx)
}

// step runs f as one printed step: its name, ok or FAIL, and its duration.
func (r *run) step(name string, f func() error) error {
	start := r.cfg.Now()
	err := f()
	d := r.cfg.Now().Sub(start).Round(time.Millisecond)
	if err != nil {
		fmt.Fprintf(r.cfg.Out, "FAIL %8s  %s: %v\n", d, name, err)
		return fmt.Errorf("%s: %w", name, err)
	}
	fmt.Fprintf(r.cfg.Out, "ok   %8s  %s\n", d, name)
	return nil
}

func (r *run) skip(name, why string) {
	fmt.Fprintf(r.cfg.Out, "skip %8s  %s: %s\n", "", name, why)
}

func (r *run) check(ctx context.Context) error {
	c := r.cfg
	if err := r.step("GET /health", func() error {
		status, body, err := r.send(ctx, http.MethodGet, c.APIURL+layout.ResourceHealth, "", "", nil, nil)
		return want(status, body, err, http.StatusOK)
	}); err != nil {
		return err
	}

	var owner, other string // Authorization headers; "" without an Identity
	if c.Identity == nil {
		r.skip("temporary users", "the stack has no user pool (auth.mode none): requests carry no token")
	} else {
		var err error
		if owner, err = r.signedInUser(ctx, "user 1"); err != nil {
			return err
		}
		if other, err = r.signedInUser(ctx, "user 2"); err != nil {
			return err
		}
	}

	content, err := newContent()
	if err != nil {
		return err
	}
	var created api.CreateResponse
	if err := r.step("POST /uploads", func() error {
		body, _ := json.Marshal(api.CreateRequest{Filename: DefaultFilename, ContentType: c.ContentType, Size: int64(len(content))})
		status, resp, err := r.send(ctx, http.MethodPost, c.APIURL+layout.ResourceUploads, owner, "application/json", nil, body)
		if err := want(status, resp, err, http.StatusCreated); err != nil {
			return err
		}
		if err := json.Unmarshal(resp, &created); err != nil {
			return fmt.Errorf("answer %s is not an upload: %w", clip(resp), err)
		}
		up, err := layout.ParseUploadKey(created.Key)
		switch {
		case err != nil:
			return fmt.Errorf("answer %s: %w", clip(resp), err)
		case up.ID != created.ID || created.UploadURL == "":
			return fmt.Errorf("answer %s: id %q does not match its key, or no uploadUrl", clip(resp), created.ID)
		}
		r.uploadID = created.ID
		r.keys = []string{created.Key, layout.ResultKey(up.Owner, up.ID)}
		return nil
	}); err != nil {
		return err
	}

	if err := r.step("PUT the file to the presigned URL", func() error {
		method := created.Method
		if method == "" {
			method = http.MethodPut
		}
		r.putAt = c.Now()
		status, resp, err := r.send(ctx, method, created.UploadURL, "", "", created.Headers, content)
		if err == nil && status/100 == 2 {
			return nil
		}
		return want(status, resp, err, http.StatusOK)
	}); err != nil {
		return err
	}

	sum := sha256.Sum256(content)
	wantSHA := hex.EncodeToString(sum[:])
	resultURL := c.APIURL + layout.ResourceUploads + "/" + created.ID
	if err := r.step("GET /uploads/{id} until 200 with the SHA-256", func() error {
		res, err := r.pollResult(ctx, resultURL, owner)
		if err != nil {
			return err
		}
		r.keys = append(r.keys, layout.DayIndexKey(res.EventTime, res.ID))
		r.dayIndex = true
		switch {
		case res.SHA256 != wantSHA:
			return fmt.Errorf("result has sha256 %q, want %q (the file's)", res.SHA256, wantSHA)
		case res.Size != int64(len(content)):
			return fmt.Errorf("result has size %d, want %d", res.Size, len(content))
		case res.ID != created.ID:
			return fmt.Errorf("result has id %q, want %q", res.ID, created.ID)
		}
		return nil
	}); err != nil {
		return err
	}

	if c.Identity == nil {
		r.skip("GET /uploads/{id} as user 2 is 404", "no user pool")
		return nil
	}
	if err := r.step("GET /uploads/{id} as user 2 is 404", func() error {
		status, body, err := r.send(ctx, http.MethodGet, resultURL, other, "", nil, nil)
		return want(status, body, err, http.StatusNotFound)
	}); err != nil {
		return err
	}
	return r.step("GET /uploads/{id} without a token is 401", func() error {
		status, body, err := r.send(ctx, http.MethodGet, resultURL, "", "", nil, nil)
		return want(status, body, err, http.StatusUnauthorized)
	})
}

// signedInUser creates a user, remembered for the cleanup, and returns the
// Authorization header of its token.
func (r *run) signedInUser(ctx context.Context, label string) (string, error) {
	var u User
	if err := r.step("create "+label, func() error {
		var err error
		u, err = r.cfg.Identity.CreateUser(ctx)
		if u.Name != "" {
			r.users = append(r.users, u)
		}
		return err
	}); err != nil {
		return "", err
	}
	var token string
	err := r.step("token of "+label, func() error {
		var err error
		token, err = r.cfg.Identity.Token(ctx, u)
		return err
	})
	return "Bearer " + token, err
}

// pollResult reads the result until it is there (200), the API answers
// anything but 404, or ResultTimeout passes.
func (r *run) pollResult(ctx context.Context, url, authorization string) (processor.Result, error) {
	var res processor.Result
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, r.cfg.ResultTimeout)
	defer cancel()
	last := "none"
	for n := 1; ; n++ {
		status, body, err := r.send(ctx, http.MethodGet, url, authorization, "", nil, nil)
		switch {
		case err == nil && status == http.StatusOK:
			if err := json.Unmarshal(body, &res); err != nil {
				return res, fmt.Errorf("result %s is not JSON: %w", clip(body), err)
			}
			return res, nil
		case err == nil && status != http.StatusNotFound:
			return res, want(status, body, nil, http.StatusOK)
		case err == nil:
			last = fmt.Sprintf("%d %s", status, clip(body))
		case ctx.Err() == nil:
			return res, err
		}
		select {
		case <-ctx.Done():
			if parent.Err() != nil {
				return res, parent.Err()
			}
			return res, fmt.Errorf("no result after %d reads in %s (last answer: %s)", n, r.cfg.ResultTimeout, last)
		case <-time.After(r.cfg.PollInterval):
		}
	}
}

// cleanup deletes every object and user the run created, each a printed
// step; it goes on after a failure and returns all of them.
func (r *run) cleanup(ctx context.Context) error {
	var errs []error
	keys := r.keys
	if len(keys) > 0 && !r.dayIndex && !r.putAt.IsZero() {
		// The processor may have indexed the upload under the day of the
		// PUT's event, which the run never read: every day since then.
		for day := r.putAt.UTC().Truncate(24 * time.Hour); !day.After(r.cfg.Now().UTC()); day = day.Add(24 * time.Hour) {
			keys = append(keys, layout.DayIndexKey(day, r.uploadID))
		}
	}
	for _, k := range keys {
		errs = append(errs, r.step("cleanup: delete s3://"+r.cfg.Objects.String()+"/"+k, func() error { return r.cfg.Objects.Delete(ctx, k) }))
	}
	for i, u := range r.users {
		errs = append(errs, r.step(fmt.Sprintf("cleanup: delete user %d", i+1), func() error { return r.cfg.Identity.DeleteUser(ctx, u) }))
	}
	return errors.Join(errs...)
}

// send makes one request and reads at most maxBodyBytes of the answer.
func (r *run) send(ctx context.Context, method, url, authorization, contentType string, headers map[string]string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	for k, v := range headers {
		if !strings.EqualFold(k, "Content-Length") { // set from the body
			req.Header.Set(k, v)
		}
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := r.cfg.HTTP.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
	return resp.StatusCode, b, err
}

// want turns an answer other than status into an error.
func want(status int, body []byte, err error, wantStatus int) error {
	if err != nil {
		return err
	}
	if status != wantStatus {
		return fmt.Errorf("answer %d %s, want %d", status, clip(body), wantStatus)
	}
	return nil
}

// clip shortens a body for a message.
func clip(b []byte) string {
	const n = 300
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// newContent is the uploaded file: a line with 128 random bits, so that
// its SHA-256 is the run's own.
func newContent() ([]byte, error) {
	line, err := randomName("go-lambda-cdk smoke test ")
	return []byte(line + "\n"), err
}
