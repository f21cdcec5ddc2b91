// Package api is the upload API behind API Gateway (REST, proxy
// integration): it presigns uploads into the bucket and serves their
// processing results.
//
//	POST /uploads       {"filename","contentType","size"} -> 201 {"id","key","uploadUrl","expiresAt",...}
//	GET  /uploads/{id}  -> 200 the caller's result, 404 while there is none or when another caller owns it
//	GET  /health        -> 200
//
// Uploads belong to the caller that created them: the sub claim of API
// Gateway's Cognito user pools authorizer is part of the upload's key (see
// package layout), and GET /uploads/{id} reads only the caller's own
// results.
//
// Every error body is {"error": {"code", "message", "requestId"}}; internal
// details go to the log only.
package api

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
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/internal/metrics"
	"go-lambda-cdk/internal/objects"
)

// MaxBodyBytes is the largest request body accepted, after base64 decoding.
const MaxBodyBytes = 16 << 10

// maxResultBytes bounds how much of a result object GET reads.
const maxResultBytes = 1 << 20

// Presigner presigns S3 PUTs; *s3.PresignClient satisfies it.
type Presigner interface {
	PresignPutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error)
}

var _ Presigner = (*s3.PresignClient)(nil)

// Handler serves the API. Build it once with New.
type Handler struct {
	cfg     Config
	presign Presigner
	results ResultStore
	log     *slog.Logger
	now     func() time.Time
	// Metrics records the uploads presigned; nil records nothing.
	Metrics *metrics.Recorder
}

// ResultStore reads results. Listing is needed to tell a missing result
// from a denied one: the api's role may list results/ only, and S3 answers a
// GET of a missing key with 403 to a role that cannot list the whole bucket.
type ResultStore interface {
	objects.Getter
	objects.Lister
}

// New validates cfg and returns a Handler that presigns with presign and
// reads results with results.
func New(cfg Config, presign Presigner, results ResultStore, log *slog.Logger) (*Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("api config: %w", err)
	}
	if cfg.URLExpiry == 0 {
		cfg.URLExpiry = DefaultURLExpiry
	}
	if cfg.AuthMode == "" {
		cfg.AuthMode = layout.AuthModeNone
	}
	return &Handler{cfg: cfg, presign: presign, results: results, log: log, now: time.Now}, nil
}

// CreateRequest is the body of POST /uploads.
type CreateRequest struct {
	Filename    string `json:"filename"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
}

// CreateResponse is the body of a 201 from POST /uploads. The client PUTs
// the file to UploadURL with exactly Headers (the signature covers them).
type CreateResponse struct {
	ID        string            `json:"id"`
	Key       string            `json:"key"`
	UploadURL string            `json:"uploadUrl"`
	Method    string            `json:"method"`
	Headers   map[string]string `json:"headers"`
	ExpiresAt time.Time         `json:"expiresAt"`
}

// ErrorBody is the body of every error response.
type ErrorBody struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		RequestID string `json:"requestId"`
	} `json:"error"`
}

// apiError is an error the client sees.
type apiError struct {
	status        int
	code, message string
	allow         []string // for 405
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func fail(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

type route struct {
	methods []string
	handle  func(h *Handler, ctx context.Context, req *events.APIGatewayProxyRequest, id string) (int, any, error)
}

var (
	healthRoute = route{[]string{http.MethodGet, http.MethodHead}, (*Handler).health}
	createRoute = route{[]string{layout.CreateUploadMethod}, (*Handler).create}
	resultRoute = route{[]string{http.MethodGet}, (*Handler).result}
)

// Resources of the REST API, as API Gateway puts them in the event's
// "resource" field; the declaration of the api function creates them.
const (
	ResourceHealth  = layout.ResourceHealth
	ResourceUploads = layout.ResourceUploads
	ResourceUpload  = layout.ResourceUpload
)

// match finds the route for the request's resource and the {id} path
// parameter it carries. It routes on the REST API's resource and path
// parameters, never on the raw path, which carries a custom domain's base
// path ("/v1/uploads") when there is one.
func match(req *events.APIGatewayProxyRequest) (route, string, bool) {
	switch req.Resource {
	case ResourceHealth:
		return healthRoute, "", true
	case ResourceUploads:
		return createRoute, "", true
	case ResourceUpload:
		return resultRoute, req.PathParameters["id"], true
	}
	return route{}, "", false
}

// Handle answers one API Gateway proxy request. It never returns an error:
// failures become JSON error responses, and internal ones are logged.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayProxyRequest) (resp events.APIGatewayProxyResponse, _ error) {
	reqID := requestID(ctx, &req)
	log := h.log.With("requestId", reqID, "method", req.HTTPMethod, "resource", req.Resource, "path", req.Path)
	defer func() {
		if p := recover(); p != nil {
			log.ErrorContext(ctx, "panic", "panic", fmt.Sprint(p))
			resp = h.errorResponse(&req, reqID, fail(http.StatusInternalServerError, "internal", "internal error"))
		}
	}()
	rt, id, ok := match(&req)
	if !ok {
		return h.errorResponse(&req, reqID, fail(http.StatusNotFound, "not_found", "no route for resource %q", req.Resource)), nil
	}
	if req.HTTPMethod == http.MethodOptions {
		return h.preflight(&req, rt), nil
	}
	if !slices.Contains(rt.methods, req.HTTPMethod) {
		e := fail(http.StatusMethodNotAllowed, "method_not_allowed", "%s does not allow %s", req.Resource, req.HTTPMethod)
		e.allow = rt.methods
		return h.errorResponse(&req, reqID, e), nil
	}
	status, body, err := rt.handle(h, ctx, &req, id)
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			log.ErrorContext(ctx, "request failed", "error", err.Error())
			ae = fail(http.StatusInternalServerError, "internal", "internal error")
		}
		return h.errorResponse(&req, reqID, ae), nil
	}
	log.InfoContext(ctx, "request", "status", status)
	return h.respond(&req, status, body), nil
}

func (h *Handler) health(context.Context, *events.APIGatewayProxyRequest, string) (int, any, error) {
	return http.StatusOK, map[string]string{"status": "ok"}, nil
}

func (h *Handler) create(ctx context.Context, req *events.APIGatewayProxyRequest, _ string) (int, any, error) {
	owner, err := h.owner(req)
	if err != nil {
		return 0, nil, err
	}
	in, err := decodeCreate(req)
	if err != nil {
		return 0, nil, err
	}
	if err := h.checkCreate(in); err != nil {
		return 0, nil, err
	}
	id := layout.NewUploadID()
	key := layout.Upload{Owner: owner, ID: id, Filename: in.Filename}.Key()
	expiry := h.cfg.URLExpiry
	expiresAt := h.now().Add(expiry).UTC().Truncate(time.Second)
	signed, err := h.presign.PresignPutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(h.cfg.Bucket),
		Key:           aws.String(key),
		ContentType:   aws.String(in.ContentType),
		ContentLength: aws.Int64(in.Size),
	}, func(o *s3.PresignOptions) { o.Expires = expiry })
	if err != nil {
		return 0, nil, fmt.Errorf("presign put s3://%s/%s: %w", h.cfg.Bucket, key, err)
	}
	headers := map[string]string{}
	for k, vs := range signed.SignedHeader {
		if !strings.EqualFold(k, "Host") && len(vs) > 0 {
			headers[http.CanonicalHeaderKey(k)] = vs[0]
		}
	}
	h.Metrics.Emit(ctx, metrics.UploadsPresigned.Of(1))
	return http.StatusCreated, CreateResponse{
		ID: id, Key: key, UploadURL: signed.URL, Method: signed.Method, Headers: headers, ExpiresAt: expiresAt,
	}, nil
}

// decodeCreate parses the body of POST /uploads: JSON, at most MaxBodyBytes,
// base64 when API Gateway says so, no unknown fields, nothing after it.
func decodeCreate(req *events.APIGatewayProxyRequest) (CreateRequest, error) {
	var in CreateRequest
	if ct := header(req, "Content-Type"); ct != "" {
		if mt, _ := mediaType(ct); mt != "application/json" {
			return in, fail(http.StatusUnsupportedMediaType, "unsupported_media_type", "request body must be application/json, not %q", ct)
		}
	}
	if len(req.Body) > base64.StdEncoding.EncodedLen(MaxBodyBytes) {
		return in, fail(http.StatusRequestEntityTooLarge, "body_too_large", "request body is over %d bytes", MaxBodyBytes)
	}
	body := []byte(req.Body)
	if req.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(req.Body); err != nil {
			return in, fail(http.StatusBadRequest, "invalid_body", "request body is not valid base64")
		}
	}
	if len(body) > MaxBodyBytes {
		return in, fail(http.StatusRequestEntityTooLarge, "body_too_large", "request body is over %d bytes", MaxBodyBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return in, fail(http.StatusBadRequest, "invalid_json", "request body is not the expected JSON: %s", jsonProblem(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return in, fail(http.StatusBadRequest, "invalid_json", "request body has data after the JSON object")
	}
	return in, nil
}

// jsonProblem describes a decoding error without echoing Go type names.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return "syntax error at byte " + strconv.FormatInt(syn.Offset, 10)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q has the wrong type", typ.Field)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "body is empty or cut short"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return strings.TrimPrefix(err.Error(), "json: ")
	}
	return "malformed"
}

func (h *Handler) checkCreate(in CreateRequest) error {
	if err := layout.CheckFilename(in.Filename); err != nil {
		return fail(http.StatusBadRequest, "invalid_filename", "%s", err)
	}
	if mt, ok := mediaType(in.ContentType); !ok || !slices.Contains(h.cfg.AllowedContentTypes, mt) {
		return fail(http.StatusUnsupportedMediaType, "unsupported_content_type",
			"contentType %q is not allowed; allowed: %s", in.ContentType, strings.Join(h.cfg.AllowedContentTypes, ", "))
	}
	if in.Size < 1 {
		return fail(http.StatusBadRequest, "invalid_size", "size must be at least 1 byte, got %d", in.Size)
	}
	if in.Size > h.cfg.MaxUploadBytes {
		return fail(http.StatusRequestEntityTooLarge, "upload_too_large", "size %d is over the limit of %d bytes", in.Size, h.cfg.MaxUploadBytes)
	}
	return nil
}

// result answers GET /uploads/{id} from the caller's own results only: an
// id of another owner is not found, exactly like an id that never existed.
func (h *Handler) result(ctx context.Context, req *events.APIGatewayProxyRequest, id string) (int, any, error) {
	owner, err := h.owner(req)
	if err != nil {
		return 0, nil, err
	}
	if !layout.ValidUploadID(id) {
		return 0, nil, fail(http.StatusBadRequest, "invalid_id", "upload id must be %d lower-case hex digits", layout.UploadIDLen)
	}
	key := layout.ResultKey(owner, id)
	data, err := objects.GetBytes(ctx, h.results, h.cfg.Bucket, key, maxResultBytes)
	if objects.IsAccessDenied(err) {
		if exists, lerr := objects.Exists(ctx, h.results, h.cfg.Bucket, key); lerr == nil && !exists {
			return 0, nil, fail(http.StatusNotFound, "not_found", "upload %s has no result yet", id)
		}
	}
	switch {
	case objects.IsNotFound(err):
		return 0, nil, fail(http.StatusNotFound, "not_found", "upload %s has no result yet", id)
	case err != nil:
		return 0, nil, err
	case !json.Valid(data):
		return 0, nil, fmt.Errorf("result of %s is not JSON", id)
	}
	return http.StatusOK, json.RawMessage(data), nil
}

func (h *Handler) respond(req *events.APIGatewayProxyRequest, status int, body any) events.APIGatewayProxyResponse {
	data, err := json.Marshal(body)
	if err != nil { // only our own types reach here
		status, data = http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	resp := events.APIGatewayProxyResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"},
		Body:       string(data),
	}
	h.cors(req, resp.Headers)
	return resp
}

func (h *Handler) errorResponse(req *events.APIGatewayProxyRequest, reqID string, e *apiError) events.APIGatewayProxyResponse {
	var body ErrorBody
	body.Error.Code, body.Error.Message, body.Error.RequestID = e.code, e.message, reqID
	resp := h.respond(req, e.status, body)
	if len(e.allow) > 0 {
		resp.Headers["Allow"] = strings.Join(append(slices.Clone(e.allow), http.MethodOptions), ", ")
	}
	return resp
}

// preflight answers a CORS preflight for rt.
func (h *Handler) preflight(req *events.APIGatewayProxyRequest, rt route) events.APIGatewayProxyResponse {
	methods := strings.Join(append(slices.Clone(rt.methods), http.MethodOptions), ", ")
	resp := events.APIGatewayProxyResponse{StatusCode: http.StatusNoContent, Headers: map[string]string{"Allow": methods}}
	if h.cors(req, resp.Headers) {
		resp.Headers["Access-Control-Allow-Methods"] = methods
		resp.Headers["Access-Control-Allow-Headers"] = strings.Join(layout.CORSAllowedHeaders(), ", ")
		resp.Headers["Access-Control-Max-Age"] = strconv.Itoa(layout.CORSMaxAgeSeconds)
	}
	return resp
}

// cors adds the CORS response headers when the request's origin is allowed
// and reports whether it did.
func (h *Handler) cors(req *events.APIGatewayProxyRequest, headers map[string]string) bool {
	if slices.Contains(h.cfg.CORSAllowedOrigins, "*") {
		headers["Access-Control-Allow-Origin"] = "*"
		return true
	}
	headers["Vary"] = "Origin"
	origin := header(req, "Origin")
	if origin == "" || !slices.Contains(h.cfg.CORSAllowedOrigins, origin) {
		return false
	}
	headers["Access-Control-Allow-Origin"] = origin
	return true
}

// header returns the first value of a request header, whatever its case,
// from Headers or, failing that, MultiValueHeaders.
func header(req *events.APIGatewayProxyRequest, name string) string {
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	for k, vs := range req.MultiValueHeaders {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// requestID is API Gateway's request id, or Lambda's when there is none.
func requestID(ctx context.Context, req *events.APIGatewayProxyRequest) string {
	if req.RequestContext.RequestID != "" {
		return req.RequestContext.RequestID
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		return lc.AwsRequestID
	}
	return ""
}
