// Package events builds sample events in the shapes AWS sends them, like
// `sam local generate-event`: an S3 put notification, a REST API proxy
// request and an EventBridge scheduled event.
package events

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/google/uuid"

	"go-lambda-cdk/internal/local/apigw"
	"go-lambda-cdk/internal/local/notify"
	"go-lambda-cdk/internal/local/template"
)

// S3Put returns an S3 event with one ObjectCreated:Put record for key
// (given as stored; the record carries it URL-encoded) and the object's
// eTag (without quotes; "" leaves it out, which S3 never does).
func S3Put(bucket, key string, size int64, eTag, region string, now time.Time) notify.Event {
	o := notify.Object{
		Bucket: bucket, Key: key, Size: size, EventName: "ObjectCreated:Put", Time: now, ETag: eTag,
	}
	return notify.Event{Records: []notify.Record{notify.NewRecord(o, region, "sample-notification", strings.ToUpper(strings.ReplaceAll(uuid.NewString(), "-", "")[:16]))}}
}

// APIRequest describes a sample REST API request.
type APIRequest struct {
	Method string // default GET
	// Path is the request path without the stage, e.g. "/uploads/123?x=1".
	Path string
	// Resource is the matched resource, e.g. "/uploads/{id}"; default: the
	// path without its query. Path parameters are taken from the segments
	// of Path that stand where Resource has {name} or {name+}.
	Resource string
	Stage    string // default "dev"
	Body     string
	Headers  []string // "Name: value"
	// Sub, when set, is the sub claim of the caller, as API Gateway's
	// Cognito user pools authorizer passes it.
	Sub string
}

// API returns the REST proxy event API Gateway would send for r.
func API(r APIRequest, now time.Time) (apigw.Event, error) {
	if r.Method == "" {
		r.Method = http.MethodGet
	}
	if r.Stage == "" {
		r.Stage = "dev"
	}
	if !strings.HasPrefix(r.Path, "/") {
		return apigw.Event{}, fmt.Errorf("path %q must start with /", r.Path)
	}
	var body io.Reader
	if r.Body != "" {
		body = strings.NewReader(r.Body)
	}
	req := httptest.NewRequest(strings.ToUpper(r.Method), "http://localhost:3000/"+r.Stage+r.Path, body)
	req.Header.Set("User-Agent", "curl/8.5.0")
	req.Header.Set("Accept", "*/*")
	for _, h := range r.Headers {
		k, v, ok := strings.Cut(h, ":")
		if !ok {
			return apigw.Event{}, fmt.Errorf("header %q is not \"Name: value\"", h)
		}
		req.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	p := strings.TrimPrefix(req.URL.Path, "/"+r.Stage)
	if r.Resource == "" {
		r.Resource = p
	}
	params, err := pathParameters(r.Resource, p)
	if err != nil {
		return apigw.Event{}, err
	}
	var claims map[string]string
	if r.Sub != "" {
		claims = map[string]string{"sub": r.Sub, "token_use": "id", "cognito:username": r.Sub}
	}
	return apigw.NewEvent(req, []byte(r.Body), apigw.EventInput{
		Stage: r.Stage, Resource: r.Resource, Path: p, PathParameters: params,
		RequestID: uuid.NewString(), Time: now, Claims: claims,
	}), nil
}

func pathParameters(resource, path string) (map[string]string, error) {
	rs := strings.Split(strings.Trim(resource, "/"), "/")
	ps := strings.Split(strings.Trim(path, "/"), "/")
	params := map[string]string{}
	for i, seg := range rs {
		if !strings.HasPrefix(seg, "{") || !strings.HasSuffix(seg, "}") {
			if i >= len(ps) || ps[i] != seg {
				return nil, fmt.Errorf("path %q does not match resource %q", path, resource)
			}
			continue
		}
		name := strings.Trim(seg, "{}")
		if greedy, ok := strings.CutSuffix(name, "+"); ok && i < len(ps) {
			params[greedy] = strings.Join(ps[i:], "/")
			return params, nil
		}
		if i >= len(ps) {
			return nil, fmt.Errorf("path %q has no segment for %s of resource %q", path, seg, resource)
		}
		params[name] = ps[i]
	}
	if len(ps) != len(rs) {
		return nil, fmt.Errorf("path %q does not match resource %q", path, resource)
	}
	if len(params) == 0 {
		return nil, nil
	}
	return params, nil
}

// Scheduled is an EventBridge "Scheduled Event".
type Scheduled struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// Schedule returns the event EventBridge sends when the rule fires at now.
// The rule name is CloudFormation's generated one without its random
// suffix (<stack>-<logical id>).
func Schedule(stack, ruleLogicalID, region string, now time.Time) Scheduled {
	return Scheduled{
		Version:    "0",
		ID:         uuid.NewString(),
		DetailType: "Scheduled Event",
		Source:     "aws.events",
		Account:    template.LocalAccountID,
		Time:       now.UTC().Format(time.RFC3339),
		Region:     region,
		Resources:  []string{fmt.Sprintf("arn:aws:events:%s:%s:rule/%s-%s", region, template.LocalAccountID, stack, ruleLogicalID)},
		Detail:     json.RawMessage(`{}`),
	}
}
