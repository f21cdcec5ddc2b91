package processor_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"go-lambda-cdk/internal/fixture"
	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/internal/objects/objectstest"
	"go-lambda-cdk/internal/processor"
)

// FuzzKey feeds arbitrary URL-encoded keys through the JSON decoding of a
// real S3 event: the processor must not panic, and must write the result
// of a key it accepted and nothing for any other key.
func FuzzKey(f *testing.F) {
	for _, seed := range []string{
		"uploads/alice/0123456789abcdef0123456789abcdef/my+song+%C3%A9t%C3%A9.mp3",
		"uploads/alice/0123456789abcdef0123456789abcdef/a%2Fb",
		"uploads/alice/0123456789abcdef0123456789abcdef/%2E%2E",
		"uploads/alice/0123456789abcdef0123456789abcdef/%ZZ",
		"uploads/alice/0123456789abcdef0123456789abcdef/%00",
		"results/0123456789abcdef0123456789abcdef.json",
		"", "%", "uploads/",
	} {
		f.Add(seed)
	}
	raw := string(fixture.Bytes(f, "s3-put.json"))
	const fixtureKey = "uploads/2f1e8c4a-0b7d-4e2f-9a31-5c6d7e8f9a0b/0123456789abcdef0123456789abcdef/my+song+%C3%A9t%C3%A9.mp3"
	f.Fuzz(func(t *testing.T, key string) {
		quoted, _ := json.Marshal(key)
		payload := strings.Replace(raw, `"`+fixtureKey+`"`, string(quoted), 1)
		var ev events.S3Event
		if err := json.Unmarshal([]byte(payload), &ev); err != nil {
			return // the runtime would refuse the event before the handler
		}
		store := &objectstest.Store{}
		decoded := ev.Records[0].S3.Object.URLDecodedKey
		store.Set(decoded, objectstest.Object{Data: []byte("data"), ETag: ev.Records[0].S3.Object.ETag})
		err := processor.New(store, "app-bucket", discard).Handle(context.Background(), ev)
		up, perr := layout.ParseUploadKey(decoded)
		switch {
		case perr != nil && (err != nil || store.Puts() != 0):
			t.Fatalf("key %q is not an upload, but Handle = %v with %d writes", decoded, err, store.Puts())
		case perr == nil && err != nil:
			t.Fatalf("upload %q: %v", decoded, err)
		case perr == nil:
			if _, ok := store.Get(layout.ResultKey(up.Owner, up.ID)); !ok {
				t.Fatalf("upload %q: no result", decoded)
			}
		}
	})
}
