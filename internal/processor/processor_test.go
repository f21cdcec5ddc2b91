package processor_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"go-lambda-cdk/internal/fixture"
	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/internal/objects/objectstest"
	"go-lambda-cdk/internal/processor"
)

const (
	id    = "0123456789abcdef0123456789abcdef"
	owner = "2f1e8c4a-0b7d-4e2f-9a31-5c6d7e8f9a0b"
	// fixtureETag is the eTag in testdata/s3-put.json.
	fixtureETag = "d41d8cd98f00b204e9800998ecf8427e"
)

var fixtureKey = layout.Upload{Owner: owner, ID: id, Filename: "my song été.mp3"}.Key()

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestPutEvent(t *testing.T) {
	mp3 := append([]byte("ID3\x04\x00\x00\x00\x00\x00\x00"), make([]byte, 1014)...)
	tests := []struct {
		name, key string
		data      []byte
		wantType  string
	}{
		{"mp3 with encoded key", fixtureKey, mp3, "audio/mpeg"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store := &objectstest.Store{}
			store.Set(tc.key, objectstest.Object{Data: tc.data, ContentType: "application/octet-stream", ETag: fixtureETag})
			var ev events.S3Event
			fixture.Load(t, "s3-put.json", &ev)
			h := processor.New(store, "app-bucket", discard)
			if err := h.Handle(context.Background(), ev); err != nil {
				t.Fatal(err)
			}
			obj, ok := store.Get(layout.ResultKey(owner, id))
			if !ok {
				t.Fatalf("no result object; keys %v", store.Keys())
			}
			eventTime := time.Date(2026, 11, 24, 21, 14, 5, 123e6, time.UTC)
			if idx, ok := store.Get(layout.DayIndexKey(eventTime, id)); !ok || string(idx.Data) != string(obj.Data) {
				t.Errorf("index entry %s missing or not the result; keys %v", layout.DayIndexKey(eventTime, id), store.Keys())
			}
			var got processor.Result
			if err := json.Unmarshal(obj.Data, &got); err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(tc.data)
			want := processor.Result{
				ID: id, Owner: owner, Key: tc.key, ETag: fixtureETag, Size: int64(len(tc.data)), SHA256: hex.EncodeToString(sum[:]),
				ContentType: tc.wantType, EventTime: eventTime,
			}
			if got != want {
				t.Errorf("result = %+v\nwant     %+v", got, want)
			}
			if obj.ContentType != "application/json" {
				t.Errorf("result content type %q", obj.ContentType)
			}

			// The same event again (a Lambda retry) writes the same bytes.
			if err := h.Handle(context.Background(), ev); err != nil {
				t.Fatal(err)
			}
			again, _ := store.Get(layout.ResultKey(owner, id))
			if string(again.Data) != string(obj.Data) || len(store.Keys()) != 3 {
				t.Errorf("second run wrote\n%s\nfirst run\n%s\nkeys %v", again.Data, obj.Data, store.Keys())
			}
		})
	}
}

func TestSizes(t *testing.T) {
	for _, size := range []int{0, 1, processor.SniffBytes - 1, processor.SniffBytes, processor.SniffBytes + 1, 1 << 20} {
		data := []byte(strings.Repeat("a", size))
		key := layout.Upload{Owner: owner, ID: id, Filename: "f.txt"}.Key()
		store := &objectstest.Store{}
		store.Set(key, objectstest.Object{Data: data})
		ev := events.S3Event{Records: []events.S3EventRecord{{
			EventName: "ObjectCreated:Put",
			S3:        events.S3Entity{Bucket: events.S3Bucket{Name: "app-bucket"}, Object: events.S3Object{Key: key}},
		}}}
		if err := processor.New(store, "app-bucket", discard).Handle(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
		obj, _ := store.Get(layout.ResultKey(owner, id))
		var got processor.Result
		if err := json.Unmarshal(obj.Data, &got); err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		sum := sha256.Sum256(data)
		if got.Size != int64(size) || got.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("size %d: got size %d sha %s", size, got.Size, got.SHA256)
		}
	}
}

func TestIgnoredRecords(t *testing.T) {
	store := &objectstest.Store{}
	var ev events.S3Event
	fixture.Load(t, "s3-ignored.json", &ev)
	if err := processor.New(store, "app-bucket", discard).Handle(context.Background(), ev); err != nil {
		t.Fatalf("ignored records gave error %v", err)
	}
	if store.Puts() != 0 {
		t.Errorf("ignored records wrote %v", store.Keys())
	}
}

func TestFailuresAreReturned(t *testing.T) {
	boom := errors.New("boom")
	key := fixtureKey
	for _, tc := range []struct {
		name  string
		store *objectstest.Store
		want  error
	}{
		{"object missing", &objectstest.Store{}, nil},
		{"get fails", &objectstest.Store{GetErr: boom}, boom},
		{"put fails", &objectstest.Store{PutErr: boom}, boom},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name != "object missing" {
				tc.store.Set(key, objectstest.Object{Data: []byte("x"), ETag: fixtureETag})
			}
			var ev events.S3Event
			fixture.Load(t, "s3-put.json", &ev)
			err := processor.New(tc.store, "app-bucket", discard).Handle(context.Background(), ev)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("Handle = %v, want an error wrapping %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), key) {
				t.Errorf("error %q does not name the key %q", err, key)
			}
		})
	}
}

// TestExactObject checks that the processor reads the object the event
// names and skips, without error, an event whose object was replaced.
func TestExactObject(t *testing.T) {
	key := fixtureKey
	at := time.Date(2026, 11, 24, 21, 14, 5, 0, time.UTC)
	event := func(o objectstest.Object) events.S3Event {
		return events.S3Event{Records: []events.S3EventRecord{{
			EventName: "ObjectCreated:Put", EventTime: at,
			S3: events.S3Entity{Bucket: events.S3Bucket{Name: "app-bucket"}, Object: events.S3Object{
				Key: key, ETag: o.ETag, VersionID: o.VersionID,
			}},
		}}}
	}
	first, second := []byte("first upload"), []byte("second, longer upload")
	for _, tc := range []struct {
		name      string
		versioned bool
	}{{"unversioned bucket: If-Match on the eTag", false}, {"versioned bucket: the event's version", true}} {
		t.Run(tc.name, func(t *testing.T) {
			store := &objectstest.Store{Versioned: tc.versioned}
			h := processor.New(store, "app-bucket", discard)
			v1 := store.Set(key, objectstest.Object{Data: first})
			ev1 := event(v1)
			if err := h.Handle(context.Background(), ev1); err != nil {
				t.Fatal(err)
			}
			res := resultOf(t, store)
			if res.Size != int64(len(first)) || res.ETag != v1.ETag || res.VersionID != v1.VersionID {
				t.Fatalf("result %+v does not describe the first object %s/%s", res, v1.VersionID, v1.ETag)
			}

			// The URL PUTs again: the first event, retried or late, is
			// now superseded; the second event's object is processed.
			v2 := store.Set(key, objectstest.Object{Data: second})
			puts := store.Puts()
			if err := h.Handle(context.Background(), ev1); err != nil {
				t.Fatalf("superseded event: %v, want it skipped without error", err)
			}
			if store.Puts() != puts {
				t.Fatalf("a superseded event wrote %d objects", store.Puts()-puts)
			}
			if err := h.Handle(context.Background(), event(v2)); err != nil {
				t.Fatal(err)
			}
			res = resultOf(t, store)
			if res.Size != int64(len(second)) || res.ETag != v2.ETag || res.VersionID != v2.VersionID {
				t.Errorf("result %+v does not describe the second object %s/%s", res, v2.VersionID, v2.ETag)
			}
			// Idempotent per version: the same event again writes the same bytes.
			before, _ := store.Get(layout.ResultKey(owner, id))
			if err := h.Handle(context.Background(), event(v2)); err != nil {
				t.Fatal(err)
			}
			if after, _ := store.Get(layout.ResultKey(owner, id)); string(after.Data) != string(before.Data) {
				t.Errorf("reprocessing the same version changed the result:\n%s\n%s", before.Data, after.Data)
			}
		})
	}
	t.Run("versioned bucket without s3:GetObjectVersion", func(t *testing.T) {
		store := &objectstest.Store{Versioned: true, DenyVersions: true}
		h := processor.New(store, "app-bucket", discard)
		v1 := store.Set(key, objectstest.Object{Data: first})
		if err := h.Handle(context.Background(), event(v1)); err != nil {
			t.Fatal(err)
		}
		if res := resultOf(t, store); res.Size != int64(len(first)) || res.VersionID != v1.VersionID || res.ETag != v1.ETag {
			t.Errorf("result %+v, want the first version's", res)
		}
		store.Set(key, objectstest.Object{Data: second})
		puts := store.Puts()
		if err := h.Handle(context.Background(), event(v1)); err != nil || store.Puts() != puts {
			t.Errorf("superseded version: %v, %d writes", err, store.Puts()-puts)
		}
	})
	t.Run("server ignores If-Match but shows the ETag", func(t *testing.T) {
		store := &objectstest.Store{}
		v1 := store.Set(key, objectstest.Object{Data: first})
		store.Set(key, objectstest.Object{Data: second})
		// ignoringIfMatch drops the condition, as gofakes3 does on GET.
		h := processor.New(ignoringIfMatch{store}, "app-bucket", discard)
		if err := h.Handle(context.Background(), event(v1)); err != nil || store.Puts() != 0 {
			t.Errorf("Handle = %v with %d writes, want the event skipped", err, store.Puts())
		}
	})
}

type ignoringIfMatch struct{ *objectstest.Store }

func (s ignoringIfMatch) GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	c := *in
	c.IfMatch = nil
	return s.Store.GetObject(ctx, &c, opts...)
}

func resultOf(t *testing.T, store *objectstest.Store) processor.Result {
	t.Helper()
	obj, ok := store.Get(layout.ResultKey(owner, id))
	if !ok {
		t.Fatalf("no result; keys %v", store.Keys())
	}
	var res processor.Result
	if err := json.Unmarshal(obj.Data, &res); err != nil {
		t.Fatal(err)
	}
	return res
}
