// Package origin is the one rule for the CORS origins the app allows,
// shared by the stack's configuration check (internal/config) and the api
// function's own (internal/api): "*" alone, or https origins.
package origin

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Any allows every origin. It must be the only one listed.
const Any = "*"

// Allowed describes what Check accepts, for messages.
const Allowed = `"*" or an https origin such as "https://app.example.com"`

// Problem is one thing wrong with a list of origins.
type Problem struct {
	// Index is the position of the origin in the list; -1 for the list as
	// a whole.
	Index int
	Err   error
}

// Check reports every problem of a list of allowed origins: an empty list,
// "*" together with others, and any origin that is not https with a host
// and nothing after it (a port is fine, a path is not).
func Check(origins []string) []Problem {
	var out []Problem
	if len(origins) == 0 {
		out = append(out, Problem{-1, fmt.Errorf("must list at least one origin: %s", Allowed)})
	}
	for i, o := range origins {
		if o == Any {
			if len(origins) > 1 {
				out = append(out, Problem{i, errors.New(`"*" must be the only origin when used`)})
			}
			continue
		}
		if err := checkOne(o); err != nil {
			out = append(out, Problem{i, fmt.Errorf("%q %v; allowed: %s", o, err, Allowed)})
		}
	}
	return out
}

func checkOne(o string) error {
	u, err := url.Parse(o)
	if err != nil {
		return errors.New("is not a URL")
	}
	if u.Scheme != "https" {
		return errors.New("is not https")
	}
	if u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return errors.New("is not an origin (scheme and host only)")
	}
	if strings.HasSuffix(o, "/") {
		return errors.New("must not end with a slash")
	}
	return nil
}
