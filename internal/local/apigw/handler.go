package apigw

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Invoker runs one synchronous invocation of a function. A function error
// (the function returned an error or crashed) is returned as err.
type Invoker interface {
	Invoke(ctx context.Context, function string, payload []byte) ([]byte, error)
}

// Limits API Gateway applies to REST APIs.
const (
	// MaxPayloadBytes is API Gateway's 10 MB request payload limit.
	MaxPayloadBytes = 10 << 20
	// DefaultIntegrationTimeout is API Gateway's default 29 s integration timeout.
	DefaultIntegrationTimeout = 29 * time.Second
)

// TokenVerifier checks a Cognito user pool token as API Gateway's
// authorizer does and returns its claims; *auth.Issuer satisfies it.
type TokenVerifier interface {
	Verify(token string, now time.Time) (map[string]string, error)
}

// Config configures the emulated REST API.
type Config struct {
	// Stage is the deployment stage: requests are served under /<Stage>/.
	Stage string
	// Routes are the API's methods; at least one.
	Routes []Route
	// BinaryMediaTypes are the RestApi's binary media types (optional).
	BinaryMediaTypes []string
	// Invoker runs the functions.
	Invoker Invoker
	// Tokens verifies the tokens of routes with an Authorizer; required
	// when any route has one.
	Tokens TokenVerifier
	// ErrorHeaders4XX and ErrorHeaders5XX are added to API Gateway's own
	// 4XX and 5XX answers (401 from an authorizer, 403 for an unknown
	// route, 502, 504), as the REST API's DEFAULT_4XX and DEFAULT_5XX
	// gateway responses declare them. Default: none.
	ErrorHeaders4XX, ErrorHeaders5XX map[string]string
	// APIID is the REST API id put in events; default "local".
	APIID string
	// IntegrationTimeout bounds each invocation; default DefaultIntegrationTimeout.
	IntegrationTimeout time.Duration
	// Logger receives one line per request and the reason of every 5xx;
	// nil discards.
	Logger *slog.Logger
	// Now and NewRequestID default to time.Now and random UUIDs.
	Now          func() time.Time
	NewRequestID func() string
}

// Validate reports every problem of the configuration at once.
func (c Config) Validate() error {
	var errs []error
	if c.Stage == "" || strings.Contains(c.Stage, "/") {
		errs = append(errs, fmt.Errorf("stage %q must be a non-empty path segment", c.Stage))
	}
	if len(c.Routes) == 0 {
		errs = append(errs, errors.New("routes: none given"))
	}
	if c.Invoker == nil {
		errs = append(errs, errors.New("invoker: nil"))
	}
	for _, r := range c.Routes {
		if r.Authorizer != nil && c.Tokens == nil {
			errs = append(errs, fmt.Errorf("route %s %s: authorizer %s, but no token verifier", r.Method, r.Path, r.Authorizer.Name))
			break
		}
	}
	if c.IntegrationTimeout < 0 {
		errs = append(errs, fmt.Errorf("integration timeout %s must not be negative", c.IntegrationTimeout))
	}
	return errors.Join(errs...)
}

// Handler serves the REST API.
type Handler struct {
	cfg    Config
	router *router
}

var _ http.Handler = (*Handler)(nil)

// New checks cfg and returns the API's handler.
func New(cfg Config) (*Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("apigw: %w", err)
	}
	rt, err := newRouter(cfg.Routes)
	if err != nil {
		return nil, fmt.Errorf("apigw: %w", err)
	}
	if cfg.IntegrationTimeout == 0 {
		cfg.IntegrationTimeout = DefaultIntegrationTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewRequestID == nil {
		cfg.NewRequestID = uuid.NewString
	}
	return &Handler{cfg: cfg, router: rt}, nil
}

// ServeHTTP routes one request and answers it as API Gateway would.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := h.cfg.Now()
	reqID := h.cfg.NewRequestID()
	w.Header().Set("x-amzn-RequestId", reqID)
	status := h.serve(w, r, reqID, start)
	h.cfg.Logger.Info("api", "method", r.Method, "path", r.URL.Path, "status", status,
		"requestId", reqID, "duration", h.cfg.Now().Sub(start).Round(time.Microsecond).String())
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, reqID string, start time.Time) int {
	route, m, p, ok := h.route(r)
	if !ok {
		return h.gatewayError(w, http.StatusForbidden, "MissingAuthenticationTokenException", "Missing Authentication Token")
	}
	var claims map[string]string
	if a := route.Authorizer; a != nil {
		token := r.Header.Get(a.Header)
		if token == "" {
			return h.gatewayError(w, http.StatusUnauthorized, "UnauthorizedException", "Unauthorized")
		}
		var err error
		if claims, err = h.cfg.Tokens.Verify(token, start); err != nil {
			h.cfg.Logger.Info("api: authorizer refused the token", "authorizer", a.Name, "requestId", reqID, "reason", err.Error())
			return h.gatewayError(w, http.StatusUnauthorized, "UnauthorizedException", "Unauthorized")
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayloadBytes+1))
	if err != nil {
		return h.gatewayError(w, http.StatusBadRequest, "BadRequestException", "Could not read request body")
	}
	if len(body) > MaxPayloadBytes {
		return h.gatewayError(w, http.StatusRequestEntityTooLarge, "RequestTooLarge", "Request Too Long")
	}
	if route.Mock != nil {
		for k, v := range route.Mock.Headers {
			w.Header().Set(k, v)
		}
		w.WriteHeader(route.Mock.StatusCode)
		return route.Mock.StatusCode
	}
	ev := NewEvent(r, body, EventInput{
		Stage: h.cfg.Stage, Resource: m.node.path, Path: p, PathParameters: m.params,
		BinaryMediaTypes: h.cfg.BinaryMediaTypes, APIID: h.cfg.APIID, RequestID: reqID, Time: start, Claims: claims,
	})
	payload, err := json.Marshal(ev)
	if err != nil {
		h.cfg.Logger.Error("api: marshal event", "requestId", reqID, "error", err)
		return h.internalError(w)
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.cfg.IntegrationTimeout)
	defer cancel()
	out, err := h.cfg.Invoker.Invoke(ctx, route.Function, payload)
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		h.cfg.Logger.Error("api: Execution failed: integration timeout", "function", route.Function, "requestId", reqID)
		return h.gatewayError(w, http.StatusGatewayTimeout, "IntegrationTimeout", "Endpoint request timed out")
	case err != nil:
		h.cfg.Logger.Error("api: Lambda execution failed", "function", route.Function, "requestId", reqID, "error", err)
		return h.internalError(w)
	}
	resp, err := ParseResponse(out)
	if err != nil {
		h.cfg.Logger.Error("api: Execution failed due to configuration error: Malformed Lambda proxy response",
			"function", route.Function, "requestId", reqID, "error", err)
		return h.internalError(w)
	}
	resp.Write(w)
	return resp.StatusCode
}

// route finds the route for r and the request path without the stage.
func (h *Handler) route(r *http.Request) (Route, match, string, bool) {
	p := r.URL.Path
	prefix := "/" + h.cfg.Stage
	if p != prefix && !strings.HasPrefix(p, prefix+"/") {
		return Route{}, match{}, "", false
	}
	p = strings.TrimPrefix(p, prefix)
	if p == "" {
		p = "/"
	}
	if !knownMethods[r.Method] {
		return Route{}, match{}, "", false
	}
	segs := splitPath(p)
	if n := len(segs); n > 0 && segs[n-1] == "" {
		segs = segs[:n-1] // API Gateway ignores one trailing slash
	}
	m, ok := h.router.find(segs)
	if !ok {
		return Route{}, match{}, "", false
	}
	route, ok := m.node.method(r.Method)
	return route, m, p, ok
}

// Response is a validated Lambda proxy response.
type Response struct {
	StatusCode int
	Header     http.Header // headers and multiValueHeaders merged
	Body       []byte      // decoded when isBase64Encoded
}

// wireResponse is the proxy response as a function returns it.
type wireResponse struct {
	StatusCode        *int                `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Body              *string             `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

// ParseResponse checks a function's output the way API Gateway does: a JSON
// object with only statusCode (required, 100-599), headers (strings),
// multiValueHeaders (lists of strings), body (a string) and isBase64Encoded.
// Anything else is a malformed Lambda proxy response. When a header is set
// in both maps, only the multiValueHeaders values are kept.
func ParseResponse(out []byte) (Response, error) {
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	var wr wireResponse
	if err := dec.Decode(&wr); err != nil {
		return Response{}, fmt.Errorf("decode: %w", err)
	}
	if dec.More() {
		return Response{}, errors.New("trailing data after the response object")
	}
	if wr.StatusCode == nil {
		return Response{}, errors.New("statusCode is missing")
	}
	if *wr.StatusCode < 100 || *wr.StatusCode > 599 {
		return Response{}, fmt.Errorf("statusCode %d is not between 100 and 599", *wr.StatusCode)
	}
	resp := Response{StatusCode: *wr.StatusCode, Header: http.Header{}}
	for k, vs := range wr.MultiValueHeaders {
		for _, v := range vs {
			resp.Header.Add(k, v)
		}
	}
	for k, v := range wr.Headers {
		if _, ok := resp.Header[http.CanonicalHeaderKey(k)]; !ok {
			resp.Header.Set(k, v)
		}
	}
	if wr.Body != nil {
		resp.Body = []byte(*wr.Body)
		if wr.IsBase64Encoded {
			b, err := base64.StdEncoding.DecodeString(*wr.Body)
			if err != nil {
				return Response{}, fmt.Errorf("body: isBase64Encoded but not base64: %w", err)
			}
			resp.Body = b
		}
	}
	return resp, nil
}

// Write sends the response, with Content-Type application/json when the
// function set none, as API Gateway does.
func (resp Response) Write(w http.ResponseWriter) {
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(resp.Body)))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(resp.Body)
}

func (h *Handler) internalError(w http.ResponseWriter) int {
	return h.gatewayError(w, http.StatusBadGateway, "InternalServerErrorException", "Internal server error")
}

// gatewayError writes one of API Gateway's own error answers, with the
// headers of its class's gateway response.
func (h *Handler) gatewayError(w http.ResponseWriter, status int, errorType, message string) int {
	extra := h.cfg.ErrorHeaders4XX
	if status >= 500 {
		extra = h.cfg.ErrorHeaders5XX
	}
	for k, v := range extra {
		w.Header().Set(k, v)
	}
	b, _ := json.Marshal(map[string]string{"message": message})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-ErrorType", errorType)
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return status
}
