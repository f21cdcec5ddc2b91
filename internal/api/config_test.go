package api_test

import (
	"strings"
	"testing"

	"go-lambda-cdk/internal/api"
	"go-lambda-cdk/internal/lambdaenv"
)

func TestConfigFromEnv(t *testing.T) {
	valid := map[string]string{
		"BUCKET_NAME":           "app-bucket",
		"ALLOWED_CONTENT_TYPES": "image/png, audio/mpeg",
		"MAX_UPLOAD_BYTES":      "1048576",
		"CORS_ALLOWED_ORIGINS":  "https://app.example.com",
	}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for kk, vv := range valid {
			m[kk] = vv
		}
		if v == "<unset>" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name    string
		env     map[string]string
		wantErr []string // each must appear in the error
	}{
		{"valid", valid, nil},
		{"nothing set", map[string]string{}, []string{"BUCKET_NAME", "ALLOWED_CONTENT_TYPES", "MAX_UPLOAD_BYTES", "CORS_ALLOWED_ORIGINS"}},
		{"bucket unset", with("BUCKET_NAME", "<unset>"), []string{"BUCKET_NAME is not set"}},
		{"bucket empty", with("BUCKET_NAME", ""), []string{"BUCKET_NAME is not set"}},
		{"size not a number", with("MAX_UPLOAD_BYTES", "10MB"), []string{"MAX_UPLOAD_BYTES", `"10MB"`}},
		{"size zero", with("MAX_UPLOAD_BYTES", "0"), []string{"MAX_UPLOAD_BYTES", "at least 1"}},
		{"bad content type", with("ALLOWED_CONTENT_TYPES", "image/png,png"), []string{"ALLOWED_CONTENT_TYPES", `"png"`}},
		{"bad origin", with("CORS_ALLOWED_ORIGINS", "app.example.com"), []string{"CORS_ALLOWED_ORIGINS", `"app.example.com"`}},
		{"only commas", with("CORS_ALLOWED_ORIGINS", ",,"), []string{"CORS_ALLOWED_ORIGINS"}},
		{"http origin, which the stack refuses too", with("CORS_ALLOWED_ORIGINS", "http://app.example.com"), []string{"CORS_ALLOWED_ORIGINS", `"http://app.example.com" is not https`}},
		{"star with others", with("CORS_ALLOWED_ORIGINS", "*,https://app.example.com"), []string{"CORS_ALLOWED_ORIGINS", "only origin"}},
		{"expiry an hour", with("UPLOAD_URL_EXPIRY_SECONDS", "3600"), nil},
		{"expiry over an hour", with("UPLOAD_URL_EXPIRY_SECONDS", "3601"), []string{"UPLOAD_URL_EXPIRY_SECONDS", "1h0m1s", "1h0m0s"}},
		{"expiry zero", with("UPLOAD_URL_EXPIRY_SECONDS", "0"), []string{"UPLOAD_URL_EXPIRY_SECONDS", `"0"`}},
		{"expiry not a number", with("UPLOAD_URL_EXPIRY_SECONDS", "5m"), []string{"UPLOAD_URL_EXPIRY_SECONDS", `"5m"`}},
		{"auth mode cognito", with("AUTH_MODE", "cognito"), nil},
		{"auth mode unknown", with("AUTH_MODE", "iam"), []string{"AUTH_MODE", `"iam"`, `"cognito"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := api.ConfigFromEnv(lambdaenv.MapLookup(tc.env))
			if tc.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if cfg.Bucket != "app-bucket" || cfg.MaxUploadBytes != 1048576 || len(cfg.AllowedContentTypes) != 2 || cfg.AllowedContentTypes[1] != "audio/mpeg" {
					t.Errorf("config %+v", cfg)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, config %+v", cfg)
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}
