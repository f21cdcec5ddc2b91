package s3local

import (
	"net/http/httptest"
	"testing"
	"time"
)

// TestCheckPresignedAWSExample checks the verifier against the example of
// AWS's documentation ("Authenticating Requests: Using Query Parameters
// (AWS Signature Version 4)", Amazon S3 API reference): a GET of
// examplebucket/test.txt presigned with the documented example key, whose
// signature AWS computed independently of this code.
func TestCheckPresignedAWSExample(t *testing.T) {
	const target = "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request" +
		"&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host" +
		"&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
	secret := func(id string) (string, bool) {
		return "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", id == "AKIAIOSFODNN7EXAMPLE"
	}
	at := time.Date(2013, 5, 24, 0, 0, 1, 0, time.UTC)
	for _, tc := range []struct {
		name, host string
		at         time.Time
		code       string
	}{
		{"as documented", "examplebucket.s3.amazonaws.com", at, ""},
		{"another host", "otherbucket.s3.amazonaws.com", at, "SignatureDoesNotMatch"},
		{"a day later", "examplebucket.s3.amazonaws.com", at.Add(24 * time.Hour), "AccessDenied"},
	} {
		r := httptest.NewRequest("GET", "https://"+tc.host+target, nil)
		r.RequestURI = target // as a server sees it
		if code, msg := checkPresigned(r, r.URL.Query(), tc.at, secret); code != tc.code {
			t.Errorf("%s: checkPresigned = %q %q, want %q", tc.name, code, msg, tc.code)
		}
	}
}
