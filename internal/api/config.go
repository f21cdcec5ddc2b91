package api

import (
	"errors"
	"fmt"
	"mime"
	"strconv"
	"strings"
	"time"

	"go-lambda-cdk/internal/lambdaenv"
	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/internal/origin"
)

// DefaultURLExpiry is how long a presigned upload URL stays valid.
const DefaultURLExpiry = 15 * time.Minute

// Config is what the API needs besides its clients.
type Config struct {
	// Bucket holds uploads and results (layout.EnvBucketName).
	Bucket string
	// AllowedContentTypes are the media types an upload may declare, e.g.
	// "image/png"; parameters such as charset are not compared
	// (layout.EnvAllowedContentTypes, comma-separated).
	AllowedContentTypes []string
	// MaxUploadBytes is the largest upload presigned
	// (layout.EnvMaxUploadBytes).
	MaxUploadBytes int64
	// CORSAllowedOrigins are the origins answered with CORS headers, or
	// ["*"] for any (layout.EnvCORSAllowedOrigins, comma-separated).
	CORSAllowedOrigins []string
	// URLExpiry is how long upload URLs stay valid. Default
	// DefaultURLExpiry; at most 7 days (the SigV4 limit).
	URLExpiry time.Duration
}

// ConfigFromEnv reads the Config from the variables the stack sets and
// validates it. The error names every missing or invalid variable.
func ConfigFromEnv(lookup lambdaenv.Lookup) (Config, error) {
	vars, err := lambdaenv.Required(lookup, layout.EnvBucketName, layout.EnvAllowedContentTypes,
		layout.EnvMaxUploadBytes, layout.EnvCORSAllowedOrigins)
	errs := []error{err}
	cfg := Config{
		Bucket:              vars[layout.EnvBucketName],
		AllowedContentTypes: splitList(vars[layout.EnvAllowedContentTypes]),
		CORSAllowedOrigins:  splitList(vars[layout.EnvCORSAllowedOrigins]),
	}
	if v, ok := vars[layout.EnvMaxUploadBytes]; ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("environment variable %s: %q is not a whole number of bytes", layout.EnvMaxUploadBytes, v))
		}
		cfg.MaxUploadBytes = n
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// Validate reports every problem of c at once, each naming its field.
func (c Config) Validate() error {
	var errs []error
	if c.Bucket == "" {
		errs = append(errs, fmt.Errorf("Bucket (%s) is empty", layout.EnvBucketName))
	}
	if len(c.AllowedContentTypes) == 0 {
		errs = append(errs, fmt.Errorf("AllowedContentTypes (%s) is empty", layout.EnvAllowedContentTypes))
	}
	for _, ct := range c.AllowedContentTypes {
		if mt, ok := mediaType(ct); !ok || mt != ct {
			errs = append(errs, fmt.Errorf("AllowedContentTypes (%s): %q is not a lower-case media type like image/png", layout.EnvAllowedContentTypes, ct))
		}
	}
	if c.MaxUploadBytes < 1 {
		errs = append(errs, fmt.Errorf("MaxUploadBytes (%s) is %d, must be at least 1", layout.EnvMaxUploadBytes, c.MaxUploadBytes))
	}
	for _, p := range origin.Check(c.CORSAllowedOrigins) {
		errs = append(errs, fmt.Errorf("CORSAllowedOrigins (%s): %w", layout.EnvCORSAllowedOrigins, p.Err))
	}
	if c.URLExpiry < 0 || c.URLExpiry > 7*24*time.Hour {
		errs = append(errs, fmt.Errorf("URLExpiry is %s, must be between 0 (default %s) and 168h", c.URLExpiry, DefaultURLExpiry))
	}
	return errors.Join(errs...)
}

// mediaType returns the lower-case type/subtype of a Content-Type value,
// without parameters, and whether it is well-formed.
func mediaType(s string) (string, bool) {
	mt, _, err := mime.ParseMediaType(s)
	typ, sub, ok := strings.Cut(mt, "/")
	return mt, err == nil && ok && typ != "" && sub != ""
}
