package lambdaenv_test

import (
	"context"
	"strings"
	"testing"

	"go-lambda-cdk/internal/lambdaenv"
)

func TestRequired(t *testing.T) {
	env := lambdaenv.MapLookup(map[string]string{"A": "1", "EMPTY": ""})
	got, err := lambdaenv.Required(env, "A")
	if err != nil || got["A"] != "1" {
		t.Fatalf("Required(A) = %v, %v", got, err)
	}
	_, err = lambdaenv.Required(env, "A", "EMPTY", "MISSING")
	if err == nil || !strings.Contains(err.Error(), "EMPTY is not set") || !strings.Contains(err.Error(), "MISSING is not set") {
		t.Errorf("error %v, want both EMPTY and MISSING named", err)
	}
}

func TestBucketClient(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"ok", map[string]string{"BUCKET_NAME": "b", "S3_FORCE_PATH_STYLE": "true"}, ""},
		{"no bucket", map[string]string{}, "BUCKET_NAME is not set"},
		{"bad path style", map[string]string{"BUCKET_NAME": "b", "S3_FORCE_PATH_STYLE": "yes please"}, "S3_FORCE_PATH_STYLE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("AWS_REGION", "eu-west-1")
			bucket, client, err := lambdaenv.BucketClient(context.Background(), lambdaenv.MapLookup(tc.env))
			if tc.wantErr == "" {
				if err != nil || bucket != "b" || !client.Options().UsePathStyle {
					t.Errorf("got %q, path style %v, %v", bucket, err == nil && client.Options().UsePathStyle, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %v, want it to name %s", err, tc.wantErr)
			}
		})
	}
}
