package smoke_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go-lambda-cdk/internal/api"
	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/internal/processor"
	"go-lambda-cdk/internal/smoke"
)

// fakeIdentity hands out users "u1", "u2", ... whose token is their name.
type fakeIdentity struct {
	mu               sync.Mutex
	created, deleted []string
	// failCreate makes the n-th CreateUser fail after the user exists.
	failCreate int
}

var _ smoke.Identity = (*fakeIdentity)(nil)

func (f *fakeIdentity) CreateUser(context.Context) (smoke.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := smoke.User{Name: fmt.Sprintf("u%d", len(f.created)+1)}
	f.created = append(f.created, u.Name)
	if len(f.created) == f.failCreate {
		return u, errors.New("set password: InvalidPasswordException")
	}
	return u, nil
}

func (f *fakeIdentity) Token(_ context.Context, u smoke.User) (string, error) { return u.Name, nil }

func (f *fakeIdentity) DeleteUser(_ context.Context, u smoke.User) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deleted = append(f.deleted, u.Name)
	return nil
}

// fakeObjects records the keys deleted.
type fakeObjects struct {
	mu      sync.Mutex
	deleted []string
	err     error
}

var _ smoke.Objects = (*fakeObjects)(nil)

func (f *fakeObjects) Delete(_ context.Context, key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deleted = append(f.deleted, key)
	return f.err
}

func (f *fakeObjects) String() string { return "fake-bucket" }

// faults break one step of fakeAPI each.
type faults struct {
	health       int  // status of /health; default 200
	createStatus int  // status of POST /uploads; default 201
	putStatus    int  // status of the PUT; default 200
	results404   int  // reads answered 404 before the result appears; -1: never
	wrongSHA     bool // the result's sha256 is not the file's
	othersSee    bool // GET of another owner's result answers 200
	resultStatus int  // when set, GET /uploads/{id} answers this
	public       bool // no authorizer: no token is needed
}

// fakeAPI serves the upload API over HTTP as the stack does, with the
// caller's token as its owner: the presigned URL points back at it, and
// the result appears after results404 reads.
type fakeAPI struct {
	faults
	onRead    func() // called at each GET /uploads/{id}
	eventTime time.Time
	mu        sync.Mutex
	reads     int
	uploads   map[string][]byte // by id
	owners    map[string]string // id -> owner
	requests  []string
}

func newFakeAPI(f faults, eventTime time.Time) *fakeAPI {
	return &fakeAPI{faults: f, eventTime: eventTime, uploads: map[string][]byte{}, owners: map[string]string{}}
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	owner := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	path := strings.TrimPrefix(r.URL.Path, "/dev")
	switch {
	case owner == "" && !f.public && strings.HasPrefix(path, "/uploads"):
		http.Error(w, `{"message":"Unauthorized"}`, http.StatusUnauthorized)
		return
	case owner == "":
		owner = layout.AnonymousOwner
	}
	switch {
	case path == "/health":
		w.WriteHeader(or(f.health, http.StatusOK))
	case path == "/uploads" && r.Method == http.MethodPost:
		var in api.CreateRequest
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.ContentType == "" || in.Size < 1 {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if s := or(f.createStatus, http.StatusCreated); s != http.StatusCreated {
			http.Error(w, `{"error":{"code":"forbidden"}}`, s)
			return
		}
		id := layout.NewUploadID()
		f.owners[id] = owner
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(api.CreateResponse{
			ID: id, Key: layout.Upload{Owner: owner, ID: id, Filename: in.Filename}.Key(),
			UploadURL: "http://" + r.Host + "/put/" + id, Method: http.MethodPut,
			Headers: map[string]string{"Content-Type": in.ContentType},
		})
	case strings.HasPrefix(path, "/put/") && r.Method == http.MethodPut:
		if s := or(f.putStatus, http.StatusOK); s != http.StatusOK {
			http.Error(w, "<Error><Code>SignatureDoesNotMatch</Code></Error>", s)
			return
		}
		b, _ := io.ReadAll(r.Body)
		f.uploads[strings.TrimPrefix(path, "/put/")] = b
	case strings.HasPrefix(path, "/uploads/") && r.Method == http.MethodGet:
		id := strings.TrimPrefix(path, "/uploads/")
		if f.onRead != nil {
			f.onRead()
		}
		if f.resultStatus != 0 {
			w.WriteHeader(f.resultStatus)
			return
		}
		if f.owners[id] != owner && !f.othersSee {
			http.Error(w, `{"error":{"code":"not_found"}}`, http.StatusNotFound)
			return
		}
		f.reads++
		content, ok := f.uploads[id]
		if !ok || f.results404 < 0 || f.reads <= f.results404 {
			http.Error(w, `{"error":{"code":"not_found"}}`, http.StatusNotFound)
			return
		}
		sum := sha256.Sum256(content)
		if f.wrongSHA {
			sum = sha256.Sum256(append(content, '!'))
		}
		json.NewEncoder(w).Encode(processor.Result{ID: id, Owner: f.owners[id], Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:]), EventTime: f.eventTime})
	default:
		http.Error(w, `{"message":"Missing Authentication Token"}`, http.StatusForbidden)
	}
}

func or(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// TestRun walks the flow against a fake API whose fields break one step
// each, and checks that the run stops at that step with its name, prints
// it as FAIL, and deletes every user and object it created all the same.
func TestRun(t *testing.T) {
	day := time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC)
	// The upload, its result and its day index entry: the day of the
	// result's event time, or of the PUT when no result was read.
	uploadAndResults := func(owner string) func(id string) []string {
		return func(id string) []string {
			return []string{layout.Upload{Owner: owner, ID: id, Filename: smoke.DefaultFilename}.Key(), layout.ResultKey(owner, id), layout.DayIndexKey(day, id)}
		}
	}
	tests := []struct {
		name       string
		api        faults
		public     bool // no Identity: auth.mode none
		failCreate int
		objectsErr error
		wantErr    string // "" for success
		wantUsers  []string
		wantKeys   func(id string) []string // nil: none
	}{
		{name: "passes", wantUsers: []string{"u1", "u2"}, wantKeys: uploadAndResults("u1")},
		{name: "public API skips the users", public: true, api: faults{public: true}, wantKeys: uploadAndResults(layout.AnonymousOwner)},
		{name: "result after a few 404s", api: faults{results404: 3}, wantUsers: []string{"u1", "u2"}, wantKeys: uploadAndResults("u1")},
		{name: "health fails", api: faults{health: http.StatusBadGateway}, wantErr: "GET /health: answer 502"},
		{name: "second user's password fails", failCreate: 2, wantErr: "create user 2: set password", wantUsers: []string{"u1", "u2"}},
		{name: "POST refused", api: faults{createStatus: http.StatusForbidden}, wantErr: "POST /uploads: answer 403", wantUsers: []string{"u1", "u2"}},
		{name: "PUT refused", api: faults{putStatus: http.StatusForbidden}, wantErr: "PUT the file to the presigned URL: answer 403",
			wantUsers: []string{"u1", "u2"}, wantKeys: uploadAndResults("u1")},
		{name: "hash mismatch", api: faults{wrongSHA: true}, wantErr: "GET /uploads/{id} until 200 with the SHA-256: result has sha256",
			wantUsers: []string{"u1", "u2"}, wantKeys: uploadAndResults("u1")},
		{name: "result never comes", api: faults{results404: -1}, wantErr: "no result after",
			wantUsers: []string{"u1", "u2"}, wantKeys: uploadAndResults("u1")},
		{name: "result read fails", api: faults{resultStatus: http.StatusInternalServerError}, wantErr: "answer 500",
			wantUsers: []string{"u1", "u2"}, wantKeys: uploadAndResults("u1")},
		{name: "second user sees the result", api: faults{othersSee: true}, wantErr: "GET /uploads/{id} as user 2 is 404: answer 200",
			wantUsers: []string{"u1", "u2"}, wantKeys: uploadAndResults("u1")},
		{name: "cleanup failure fails a passing run", objectsErr: errors.New("AccessDenied"), wantErr: "cleanup: delete s3://fake-bucket/",
			wantUsers: []string{"u1", "u2"}, wantKeys: uploadAndResults("u1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fa := newFakeAPI(tt.api, day)
			srv := httptest.NewServer(fa)
			defer srv.Close()
			ids := &fakeIdentity{failCreate: tt.failCreate}
			objs := &fakeObjects{err: tt.objectsErr}
			var out strings.Builder
			cfg := smoke.Config{
				APIURL: srv.URL + "/dev/", Identity: ids, Objects: objs, Out: &out,
				PollInterval: time.Millisecond, ResultTimeout: 200 * time.Millisecond,
				Now: func() time.Time { return day },
			}
			if tt.public {
				cfg.Identity = nil
			}
			err := smoke.Run(context.Background(), cfg)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Run = %v, want error containing %q\n%s", err, tt.wantErr, out.String())
			}
			if tt.wantErr != "" && !strings.Contains(out.String(), "FAIL ") {
				t.Errorf("no FAIL line printed:\n%s", out.String())
			}
			if !slices.Equal(ids.deleted, tt.wantUsers) || !slices.Equal(ids.created, tt.wantUsers) {
				t.Errorf("users created %v, deleted %v; want %v both\n%s", ids.created, ids.deleted, tt.wantUsers, out.String())
			}
			var want []string
			if tt.wantKeys != nil {
				var id string
				for id = range fa.owners {
				}
				want = tt.wantKeys(id)
			}
			if !slices.Equal(objs.deleted, want) {
				t.Errorf("objects deleted %v, want %v\n%s", objs.deleted, want, out.String())
			}
		})
	}
}

// TestRunStopsAtFirstFailure checks that no request follows a failed step
// but the cleanup.
func TestRunStopsAtFirstFailure(t *testing.T) {
	fa := newFakeAPI(faults{createStatus: http.StatusForbidden}, time.Now())
	srv := httptest.NewServer(fa)
	defer srv.Close()
	var out strings.Builder
	err := smoke.Run(context.Background(), smoke.Config{APIURL: srv.URL + "/dev", Identity: &fakeIdentity{}, Objects: &fakeObjects{}, Out: &out})
	if err == nil {
		t.Fatal("Run passed")
	}
	if want := []string{"GET /dev/health", "POST /dev/uploads"}; !slices.Equal(fa.requests, want) {
		t.Errorf("requests %v, want %v", fa.requests, want)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := []string{"FAIL POST /uploads: answer 403", "ok   cleanup: delete user 1", "ok   cleanup: delete user 2"}
	for i, want := range last {
		l := lines[len(lines)-len(last)+i]
		status, rest, _ := strings.Cut(want, " ")
		if !strings.HasPrefix(l, status) || !strings.Contains(l, "  "+strings.TrimSpace(rest)) {
			t.Errorf("line %q, want %q with a duration\n%s", l, want, out.String())
		}
	}
}

// TestRunCleansUpAfterCancel deletes what it created even when the run's
// context is cancelled (Ctrl-C) while it waits for the result.
func TestRunCleansUpAfterCancel(t *testing.T) {
	fa := newFakeAPI(faults{results404: -1}, time.Now())
	srv := httptest.NewServer(fa)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	fa.onRead = cancel // Ctrl-C while the result is awaited
	ids := &fakeIdentity{}
	objs := &fakeObjects{}
	var out strings.Builder
	err := smoke.Run(ctx, smoke.Config{APIURL: srv.URL + "/dev", Identity: ids, Objects: objs, Out: &out, PollInterval: time.Millisecond})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want the cancelled wait's error", err)
	}
	if len(ids.deleted) != 2 || len(objs.deleted) < 3 {
		t.Errorf("after cancel deleted users %v and objects %v, want 2 users and the upload, result and day index\n%s", ids.deleted, objs.deleted, out.String())
	}
}

func TestConfigRequired(t *testing.T) {
	err := smoke.Run(context.Background(), smoke.Config{})
	for _, field := range []string{"APIURL", "Objects", "Out"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("Run(Config{}) = %v, want it to name %s", err, field)
		}
	}
}
