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

// Lifetime of presigned upload URLs: a URL can PUT again and again until
// it expires, so it is kept short.
const (
	// DefaultURLExpiry is how long a presigned upload URL stays valid
	// unless configured.
	DefaultURLExpiry = 5 * time.Minute
	// MaxURLExpiry is the longest lifetime allowed.
	MaxURLExpiry = time.Hour
)

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
	// URLExpiry is how long upload URLs stay valid
	// (layout.EnvUploadURLExpirySeconds, whole seconds). Default
	// DefaultURLExpiry when 0; 1 s to MaxURLExpiry.
	URLExpiry time.Duration
	// AuthMode is layout.AuthModeCognito, where every upload route needs
	// the authorizer's sub claim, or layout.AuthModeNone, where callers
	// without claims share layout.AnonymousOwner (layout.EnvAuthMode).
	// Default layout.AuthModeNone when "".
	AuthMode string
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
	if v, ok := lookup(layout.EnvUploadURLExpirySeconds); ok && v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("environment variable %s: %q is not a positive whole number of seconds; allowed 1 to %d",
				layout.EnvUploadURLExpirySeconds, v, int64(MaxURLExpiry.Seconds())))
		} else {
			cfg.URLExpiry = time.Duration(min(n, 1<<32)) * time.Second
		}
	}
	if v, ok := lookup(layout.EnvAuthMode); ok {
		cfg.AuthMode = v
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
	if c.URLExpiry < 0 || c.URLExpiry > MaxURLExpiry || c.URLExpiry%time.Second != 0 {
		errs = append(errs, fmt.Errorf("URLExpiry (%s) is %s; allowed whole seconds from 1s to %s (0 means the default %s)",
			layout.EnvUploadURLExpirySeconds, c.URLExpiry, MaxURLExpiry, DefaultURLExpiry))
	}
	switch c.AuthMode {
	case "", layout.AuthModeCognito, layout.AuthModeNone:
	default:
		errs = append(errs, fmt.Errorf("AuthMode (%s) is %q; allowed %q or %q", layout.EnvAuthMode, c.AuthMode, layout.AuthModeCognito, layout.AuthModeNone))
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
