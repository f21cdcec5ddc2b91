package declare

import (
	"fmt"
	"slices"

	"go-lambda-cdk/functions"
)

// uploadRouteMethods are the methods an upload route may name: real HTTP
// methods that API Gateway can route on their own, not ANY (the path's
// catch-all) or OPTIONS (the CORS preflight the stack adds).
var uploadRouteMethods = []string{"DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"}

// validateAPIRoutes checks an API trigger's public paths and upload routes:
// each on one of its Paths, none twice.
func validateAPIRoutes(field string, t functions.API, add func(string, string, ...any)) {
	for k, p := range t.Public {
		f := fmt.Sprintf("%s.Public[%d]", field, k)
		switch {
		case !slices.Contains(t.Paths, p):
			add(f, "%q is not one of the trigger's Paths %q", p, t.Paths)
		case slices.Index(t.Public, p) < k:
			add(f, "%q is given twice", p)
		}
	}
	for k, r := range t.UploadRoutes {
		f := fmt.Sprintf("%s.UploadRoutes[%d]", field, k)
		if !slices.Contains(t.Paths, r.Path) {
			add(f, "%q: path %q is not one of the trigger's Paths %q", r, r.Path, t.Paths)
		}
		if !slices.Contains(uploadRouteMethods, r.Method) {
			add(f, "%q: method %q is not allowed; allowed: %s", r, r.Method, quoteList(uploadRouteMethods))
		}
		if slices.Index(t.UploadRoutes, r) < k {
			add(f, "%q is given twice", r)
		}
	}
}
