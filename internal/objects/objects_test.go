package objects_test

import (
	"context"
	"errors"
	"testing"

	"go-lambda-cdk/internal/objects"
	"go-lambda-cdk/internal/objects/objectstest"
)

func TestGetJSON(t *testing.T) {
	store := &objectstest.Store{}
	store.Set("ok", objectstest.Object{Data: []byte(`{"n":1}`)})
	store.Set("big", objectstest.Object{Data: []byte(`{"n":1}   `)})
	store.Set("bad", objectstest.Object{Data: []byte(`{"n":`)})
	for _, tc := range []struct {
		key      string
		check    func(error) bool
		wantName string
	}{
		{"ok", func(err error) bool { return err == nil }, "nil"},
		{"big", func(err error) bool { return errors.Is(err, objects.ErrTooLarge) }, "ErrTooLarge"},
		{"bad", func(err error) bool { return errors.Is(err, objects.ErrMalformed) }, "ErrMalformed"},
		{"missing", objects.IsNotFound, "not found"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			var v struct{ N int }
			err := objects.GetJSON(context.Background(), store, "b", tc.key, 8, &v)
			if !tc.check(err) {
				t.Fatalf("GetJSON(%s) = %v, want %s", tc.key, err, tc.wantName)
			}
			if err == nil && v.N != 1 {
				t.Errorf("decoded %+v", v)
			}
		})
	}
}

func TestPutJSONIsStable(t *testing.T) {
	store := &objectstest.Store{}
	v := map[string]int{"b": 2, "a": 1}
	for range 2 {
		if err := objects.PutJSON(context.Background(), store, "b", "k", v); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := store.Get("k")
	if string(got.Data) != "{\n  \"a\": 1,\n  \"b\": 2\n}\n" || got.ContentType != "application/json" {
		t.Errorf("stored %q as %s", got.Data, got.ContentType)
	}
}
