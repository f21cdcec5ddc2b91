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

	"go-lambda-cdk/internal/fixture"
	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/internal/objects/objectstest"
	"go-lambda-cdk/internal/processor"
)

const id = "0123456789abcdef0123456789abcdef"

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestPutEvent(t *testing.T) {
	mp3 := append([]byte("ID3\x04\x00\x00\x00\x00\x00\x00"), make([]byte, 1014)...)
	tests := []struct {
		name, key string
		data      []byte
		wantType  string
	}{
		{"mp3 with encoded key", "uploads/" + id + "/my song été.mp3", mp3, "audio/mpeg"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store := &objectstest.Store{}
			store.Set(tc.key, objectstest.Object{Data: tc.data, ContentType: "application/octet-stream"})
			var ev events.S3Event
			fixture.Load(t, "s3-put.json", &ev)
			h := processor.New(store, "app-bucket", discard)
			if err := h.Handle(context.Background(), ev); err != nil {
				t.Fatal(err)
			}
			obj, ok := store.Get(layout.ResultKey(id))
			if !ok {
				t.Fatalf("no result object; keys %v", store.Keys())
			}
			var got processor.Result
			if err := json.Unmarshal(obj.Data, &got); err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(tc.data)
			want := processor.Result{
				ID: id, Key: tc.key, Size: int64(len(tc.data)), SHA256: hex.EncodeToString(sum[:]),
				ContentType: tc.wantType, EventTime: time.Date(2026, 11, 24, 21, 14, 5, 123e6, time.UTC),
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
			again, _ := store.Get(layout.ResultKey(id))
			if string(again.Data) != string(obj.Data) {
				t.Errorf("second run wrote\n%s\nfirst run\n%s", again.Data, obj.Data)
			}
		})
	}
}

func TestSizes(t *testing.T) {
	for _, size := range []int{0, 1, processor.SniffBytes - 1, processor.SniffBytes, processor.SniffBytes + 1, 1 << 20} {
		data := []byte(strings.Repeat("a", size))
		key := "uploads/" + id + "/f.txt"
		store := &objectstest.Store{}
		store.Set(key, objectstest.Object{Data: data})
		ev := events.S3Event{Records: []events.S3EventRecord{{
			EventName: "ObjectCreated:Put",
			S3:        events.S3Entity{Bucket: events.S3Bucket{Name: "app-bucket"}, Object: events.S3Object{Key: key}},
		}}}
		if err := processor.New(store, "app-bucket", discard).Handle(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
		obj, _ := store.Get(layout.ResultKey(id))
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
	key := "uploads/" + id + "/my song été.mp3"
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
				tc.store.Set(key, objectstest.Object{Data: []byte("x")})
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
