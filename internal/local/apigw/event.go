package apigw

import (
	"encoding/base64"
	"mime"
	"net"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// Event is the REST proxy event (payload format 1.0) as API Gateway sends
// it. It differs from events.APIGatewayProxyRequest only in that an empty
// body is null and isBase64Encoded is always present, as on the wire.
type Event struct {
	Resource                        string                               `json:"resource"`
	Path                            string                               `json:"path"`
	HTTPMethod                      string                               `json:"httpMethod"`
	Headers                         map[string]string                    `json:"headers"`
	MultiValueHeaders               map[string][]string                  `json:"multiValueHeaders"`
	QueryStringParameters           map[string]string                    `json:"queryStringParameters"`
	MultiValueQueryStringParameters map[string][]string                  `json:"multiValueQueryStringParameters"`
	PathParameters                  map[string]string                    `json:"pathParameters"`
	StageVariables                  map[string]string                    `json:"stageVariables"`
	RequestContext                  events.APIGatewayProxyRequestContext `json:"requestContext"`
	Body                            *string                              `json:"body"`
	IsBase64Encoded                 bool                                 `json:"isBase64Encoded"`
}

// EventInput is what API Gateway knows about a request besides the HTTP
// request itself.
type EventInput struct {
	Stage            string            // deployment stage, e.g. "dev"
	Resource         string            // matched resource path, e.g. "/uploads/{id}"
	Path             string            // request path without the stage, decoded
	PathParameters   map[string]string // nil when the resource has none
	BinaryMediaTypes []string          // the RestApi's BinaryMediaTypes, e.g. "image/*"
	APIID            string            // REST API id; default "local"
	RequestID        string
	Time             time.Time
	// Claims are the verified token's claims, put in
	// requestContext.authorizer.claims as API Gateway's Cognito user pools
	// authorizer does; nil for a method without an authorizer.
	Claims map[string]string
}

// accountID is the account the local stand-ins report.
const accountID = "123456789012"

// NewEvent builds the proxy event for r with body as its payload.
//
// Repeated headers and query keys keep every value in multiValueHeaders and
// multiValueQueryStringParameters and the last one in headers and
// queryStringParameters; maps with nothing in them are null. A body whose
// Content-Type matches one of BinaryMediaTypes, or that is not valid UTF-8,
// is base64-encoded with isBase64Encoded true. (API Gateway itself would
// mangle non-UTF-8 text when no binary media type matches; locally the bytes
// are kept.)
func NewEvent(r *http.Request, body []byte, in EventInput) Event {
	if in.APIID == "" {
		in.APIID = "local"
	}
	ev := Event{
		Resource:       in.Resource,
		Path:           in.Path,
		HTTPMethod:     r.Method,
		PathParameters: in.PathParameters,
	}
	ev.Headers, ev.MultiValueHeaders = requestHeaders(r)
	ev.QueryStringParameters, ev.MultiValueQueryStringParameters = queryParameters(r)
	if len(body) > 0 {
		s := string(body)
		if isBinary(r.Header.Get("Content-Type"), in.BinaryMediaTypes) || !utf8.Valid(body) {
			s = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
		ev.Body = &s
	}
	sourceIP, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		sourceIP = r.RemoteAddr
	}
	t := in.Time.UTC()
	ev.RequestContext = events.APIGatewayProxyRequestContext{
		AccountID:         accountID,
		ResourceID:        resourceID(in.Resource),
		Stage:             in.Stage,
		DomainName:        r.Host,
		DomainPrefix:      strings.SplitN(r.Host, ".", 2)[0],
		RequestID:         in.RequestID,
		ExtendedRequestID: in.RequestID,
		Protocol:          r.Proto,
		Identity: events.APIGatewayRequestIdentity{
			SourceIP:  sourceIP,
			UserAgent: r.UserAgent(),
		},
		ResourcePath:     in.Resource,
		Path:             path.Join("/", in.Stage, in.Path),
		HTTPMethod:       r.Method,
		RequestTime:      t.Format("02/Jan/2006:15:04:05 -0700"),
		RequestTimeEpoch: t.UnixMilli(),
		APIID:            in.APIID,
	}
	if in.Claims != nil {
		claims := make(map[string]any, len(in.Claims))
		for k, v := range in.Claims {
			claims[k] = v
		}
		ev.RequestContext.Authorizer = map[string]any{"claims": claims}
	}
	if strings.HasSuffix(in.Path, "/") && ev.RequestContext.Path[len(ev.RequestContext.Path)-1] != '/' {
		ev.RequestContext.Path += "/"
	}
	return ev
}

// requestHeaders returns the single- and multi-value header maps, with the
// Host and the X-Forwarded-* headers API Gateway adds.
func requestHeaders(r *http.Request) (map[string]string, map[string][]string) {
	h := r.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if r.Host != "" {
		h.Set("Host", r.Host)
	}
	if ip, port, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		h.Add("X-Forwarded-For", ip)
		if _, p, err := net.SplitHostPort(r.Host); err == nil {
			port = p
		} else {
			port = "80"
		}
		h.Set("X-Forwarded-Port", port)
		h.Set("X-Forwarded-Proto", "http")
	}
	return flatten(h)
}

func queryParameters(r *http.Request) (map[string]string, map[string][]string) {
	return flatten(r.URL.Query())
}

// flatten turns a multi-value map into API Gateway's pair of maps: the last
// value of each key, and all of them. Both are nil when m is empty.
func flatten[M ~map[string][]string](m M) (map[string]string, map[string][]string) {
	if len(m) == 0 {
		return nil, nil
	}
	single := make(map[string]string, len(m))
	multi := make(map[string][]string, len(m))
	for k, vs := range m {
		if len(vs) == 0 {
			continue
		}
		single[k] = vs[len(vs)-1]
		multi[k] = append([]string(nil), vs...)
	}
	return single, multi
}

// isBinary reports whether contentType matches one of the binary media
// types, which may use wildcards ("*/*", "image/*").
func isBinary(contentType string, binaryTypes []string) bool {
	if contentType == "" || len(binaryTypes) == 0 {
		return false
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.SplitN(contentType, ";", 2)[0]))
	}
	typ, _, _ := strings.Cut(mt, "/")
	for _, b := range binaryTypes {
		b = strings.ToLower(strings.ReplaceAll(b, "~1", "/")) // CloudFormation escapes "/" as "~1" in some places
		switch {
		case b == "*/*", b == mt:
			return true
		case strings.HasSuffix(b, "/*") && strings.TrimSuffix(b, "/*") == typ:
			return true
		}
	}
	return false
}

// resourceID is a stable stand-in for API Gateway's resource id.
func resourceID(resource string) string {
	var h uint32 = 2166136261
	for i := 0; i < len(resource); i++ {
		h = (h ^ uint32(resource[i])) * 16777619
	}
	return strconv.FormatUint(uint64(h%(36*36*36*36*36*36)), 36)
}
