// Package lambdaapi serves the local run's functions through Lambda's
// Invoke API (POST /2015-03-31/functions/{name}/invocations), so that the
// AWS SDK, the AWS CLI (--endpoint-url) and `make redrive LOCAL=1` reach a
// running `make local` as they reach Lambda.
//
// Both invocation types are served: RequestResponse waits and answers 200
// with the response (a function error with the X-Amz-Function-Error header,
// as Lambda does); Event queues the invocation with the function's
// asynchronous retries and failure record, and answers 202 at once. DryRun
// answers 204. A qualifier (":live", "?Qualifier=") is accepted and ignored:
// locally there is one version of each function.
package lambdaapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"go-lambda-cdk/internal/destination"
)

// Payload limits of Lambda's invocation types (AWS Lambda developer guide,
// "Lambda quotas").
const (
	MaxSyncPayload  = 6 << 20 // RequestResponse: 6 MB
	MaxAsyncPayload = 1 << 20 // Event: 1 MB
)

// Functions runs the local functions.
type Functions interface {
	// Has reports whether a function of that name runs.
	Has(function string) bool
	// Invoke runs one invocation and waits for it; functionError reports a
	// function error, with out holding the error document.
	Invoke(ctx context.Context, function string, payload []byte) (out []byte, functionError bool, err error)
	// InvokeEvent queues one asynchronous invocation and returns at once.
	InvokeEvent(function string, payload []byte)
}

// New returns the Invoke API over fns; logger may be nil.
func New(fns Functions, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2015-03-31/functions/{name}/invocations", func(w http.ResponseWriter, r *http.Request) {
		invoke(w, r, fns, logger)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		apiError(w, http.StatusNotFound, "UnknownOperationException", fmt.Sprintf("the local Lambda endpoint serves only Invoke (POST /2015-03-31/functions/NAME/invocations), not %s %s", r.Method, r.URL.Path))
	})
	return mux
}

func invoke(w http.ResponseWriter, r *http.Request, fns Functions, logger *slog.Logger) {
	name := functionName(r.PathValue("name"))
	if !fns.Has(name) {
		apiError(w, http.StatusNotFound, "ResourceNotFoundException", fmt.Sprintf("Function not found: %s (not running locally)", r.PathValue("name")))
		return
	}
	typ := r.Header.Get("X-Amz-Invocation-Type")
	limit := int64(MaxSyncPayload)
	switch typ {
	case "", "RequestResponse":
	case "Event":
		limit = MaxAsyncPayload
	case "DryRun":
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		apiError(w, http.StatusBadRequest, "InvalidParameterValueException", fmt.Sprintf("X-Amz-Invocation-Type %q is not one of RequestResponse, Event, DryRun", typ))
		return
	}
	payload, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		apiError(w, http.StatusBadRequest, "InvalidRequestContentException", "could not read the request body: "+err.Error())
		return
	}
	if int64(len(payload)) > limit {
		apiError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", fmt.Sprintf("request payload exceeds the %d bytes allowed for this invocation type", limit))
		return
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	if !json.Valid(payload) {
		apiError(w, http.StatusBadRequest, "InvalidRequestContentException", "could not parse request body into json")
		return
	}
	if typ == "Event" {
		logger.Info("invoke api: event queued", "function", name, "bytes", len(payload))
		fns.InvokeEvent(name, payload)
		w.WriteHeader(http.StatusAccepted)
		return
	}
	out, functionError, err := fns.Invoke(r.Context(), name, payload)
	if err != nil {
		apiError(w, http.StatusBadGateway, "ServiceException", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	if functionError {
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}

// functionName accepts what Lambda accepts as FunctionName: a name, a name
// with a qualifier, a partial or a full ARN.
func functionName(s string) string {
	if name, _, err := destination.FunctionName(s); err == nil {
		return name
	}
	parts := strings.Split(s, ":")
	if len(parts) >= 3 && parts[1] == "function" { // ACCOUNT:function:NAME[:QUALIFIER]
		return parts[2]
	}
	return parts[0] // NAME[:QUALIFIER]
}

// apiError writes an error as Lambda's REST-JSON protocol does, so the AWS
// SDK reads its code.
func apiError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"Type": "User", "message": message})
}
