package layout

// CORS rules that the api function's preflight answer and the bucket's CORS
// rule for presigned uploads share, so that a browser gets the same answer
// from both. The allowed origins are configuration (api.corsAllowedOrigins);
// these are not.

// CORSMaxAgeSeconds is how long a browser may cache a preflight answer:
// 3600 s (one hour). Browsers cap it (Chromium at 7200 s, Firefox at 86400 s).
const CORSMaxAgeSeconds = 3600

// CORSAllowedHeaders returns the request headers a cross-origin request may
// carry: Content-Type (of a JSON body or of an uploaded file) and
// Authorization (a bearer token, once the API has an authorizer). Browsers
// set Content-Length themselves and never ask for it.
func CORSAllowedHeaders() []string { return []string{"Content-Type", "Authorization"} }
