package s3local

import (
	"crypto/subtle"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// maxPresignExpiry is SigV4's longest presigned URL lifetime: 7 days.
const maxPresignExpiry = 7 * 24 * time.Hour

// verifyPresigned checks every request that carries a SigV4 query
// signature (a presigned URL) the way S3 does, before next sees it: the
// key must be AccessKeyID, the URL must not have expired, and the
// signature over the method, path, query and signed headers as received
// (Content-Type, Content-Length, Host, ...) must be the one computed with
// SecretAccessKey. Otherwise it answers 403 with S3's error document, so
// a PUT whose length or content type differs from what was signed is
// refused. Requests signed in the Authorization header (the SDK's own
// calls) are not checked.
func verifyPresigned(next http.Handler, now func() time.Time) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("X-Amz-Signature") == "" && q.Get("X-Amz-Algorithm") == "" {
			next.ServeHTTP(w, r)
			return
		}
		if code, msg := checkPresigned(r, q, now(), localSecret); code != "" {
			s3Error(w, http.StatusForbidden, code, msg)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// localSecret knows the server's one access key.
func localSecret(accessKeyID string) (string, bool) {
	return SecretAccessKey, accessKeyID == AccessKeyID
}

// checkPresigned returns S3's error code and message for a presigned
// request that must be refused, or "" when it is valid. secret returns the
// secret of an access key and whether the key exists.
func checkPresigned(r *http.Request, q url.Values, now time.Time, secret func(string) (string, bool)) (code, message string) {
	if q.Get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" {
		return "AuthorizationQueryParametersError", "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\""
	}
	// <key>/<yyyymmdd>/<region>/<service>/aws4_request
	scope := strings.Split(q.Get("X-Amz-Credential"), "/")
	if len(scope) != 5 || scope[4] != "aws4_request" {
		return "AuthorizationQueryParametersError", "X-Amz-Credential is malformed"
	}
	key, ok := secret(scope[0])
	if !ok {
		return "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
	}
	signed, err := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
	if err != nil || signed.Format("20060102") != scope[1] {
		return "AuthorizationQueryParametersError", "X-Amz-Date must be in the ISO8601 Long Format and match the credential's date"
	}
	secs, err := strconv.ParseInt(q.Get("X-Amz-Expires"), 10, 64)
	if err != nil || secs < 1 || time.Duration(secs)*time.Second > maxPresignExpiry {
		return "AuthorizationQueryParametersError", "X-Amz-Expires must be a number of seconds from 1 to 604800"
	}
	if now.After(signed.Add(time.Duration(secs) * time.Second)) {
		return "AccessDenied", "Request has expired"
	}

	// Sign the request as received, with only its signed headers, and
	// compare.
	u, err := url.Parse("http://" + r.Host + r.RequestURI)
	if err != nil {
		return "AccessDenied", "malformed request URI"
	}
	keep := u.Query()
	for _, k := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token"} {
		keep.Del(k)
	}
	u.RawQuery = keep.Encode()
	re, err := http.NewRequestWithContext(r.Context(), r.Method, u.String(), nil)
	if err != nil {
		return "AccessDenied", "malformed request"
	}
	re.Host = r.Host
	for _, h := range strings.Split(q.Get("X-Amz-SignedHeaders"), ";") {
		switch h {
		case "host":
		case "content-length":
			re.ContentLength = r.ContentLength
		default:
			for _, v := range r.Header.Values(h) {
				re.Header.Add(h, v)
			}
		}
	}
	creds := aws.Credentials{AccessKeyID: scope[0], SecretAccessKey: key}
	uri, _, err := v4.NewSigner().PresignHTTP(r.Context(), creds, re, "UNSIGNED-PAYLOAD", scope[3], scope[2], signed,
		func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err != nil {
		return "AccessDenied", "cannot compute the signature"
	}
	want, err := url.Parse(uri)
	if err != nil {
		return "AccessDenied", "cannot compute the signature"
	}
	wq := want.Query()
	if wq.Get("X-Amz-SignedHeaders") != q.Get("X-Amz-SignedHeaders") ||
		subtle.ConstantTimeCompare([]byte(wq.Get("X-Amz-Signature")), []byte(q.Get("X-Amz-Signature"))) != 1 {
		return "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method."
	}
	return "", ""
}

// s3Error writes S3's XML error document.
func s3Error(w http.ResponseWriter, status int, code, message string) {
	body, _ := xml.Marshal(struct {
		XMLName xml.Name `xml:"Error"`
		Code    string
		Message string
	}{Code: code, Message: message})
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, "%s%s", xml.Header, body)
}
