// Package declare checks the function declarations (package functions)
// before anything is built from them: names, descriptions, timeouts, API
// paths and routes, S3 prefixes and suffixes, schedules and bucket access.
// Every problem is reported at once, each naming the declaration file, the
// function and the field. It also warns about lambda/<name> folders that
// no declaration builds.
package declare

import (
	"go-lambda-cdk/internal/quota"

	"errors"
	"fmt"
	"go/token"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/bundle"
	"go-lambda-cdk/internal/cron"
)

// File is where the functions are declared, relative to the module, for
// messages and for the scaffold that appends to it.
const File = "functions/declared.go"

// UndeclaredWarnings warns about each lambda/<name> folder under moduleDir
// that holds a main package although no function of declared has its name:
// make package and make synth build the declared functions only, so such a
// folder would be left out without a word. Folders holding no Go files or
// another package are no function and are not mentioned; a module without
// a lambda folder gets no warning. The app and the package command print
// these to stderr like the configuration's Warnings.
func UndeclaredWarnings(moduleDir string, declared []string) ([]string, error) {
	found, err := bundle.Discover(moduleDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range found {
		if slices.Contains(declared, f.Name) {
			continue
		}
		dir := path.Join(bundle.LambdaDir, f.Name)
		out = append(out, fmt.Sprintf("%s holds a main package but no function %q is declared, so make package and make synth leave it out; "+
			"declare it: add {Name: %q, ...} to %s, or move %s aside, run make new-function NAME=%s TRIGGER=<api:/path|s3:prefix/|schedule:cron|none> and move your code back",
			dir, f.Name, f.Name, File, dir, f.Name))
	}
	return out, nil
}

var (
	namePattern = regexp.MustCompile(`^[a-z][a-z0-9]*$`)
	// A key prefix: lower-case path segments, each ending in "/".
	prefixPattern = regexp.MustCompile(`^([a-z0-9][a-z0-9._-]*/)+$`)
	// One segment of a REST API path: a literal, or a path parameter
	// ({id}), or a greedy one ({proxy+}).
	pathSegmentPattern = regexp.MustCompile(`^([A-Za-z0-9._~-]+|\{[A-Za-z_][A-Za-z0-9_]*\+?\})$`)
)

// reservedNames cannot name a function: Go keywords and "main" are no
// importable package name for internal/<name>.
var reservedNames = []string{"main", "internal", "lambda", "test"}

// ValidateName checks a function name: the folder under lambda/ and
// internal/, a lower-case Go package name, and the base of its construct
// ID.
func ValidateName(name string) error {
	switch {
	case !namePattern.MatchString(name):
		return fmt.Errorf("%q is not a lower-case Go package name; allowed: a lower-case letter, then lower-case letters and digits (no '-' or '_')", name)
	case len(name) > functions.MaxNameLength:
		return fmt.Errorf("%q has %d characters; allowed at most %d, so that it stays readable in the names CloudFormation generates (cut to 64 characters)", name, len(name), functions.MaxNameLength)
	case token.IsKeyword(name):
		return fmt.Errorf("%q is a Go keyword", name)
	}
	for _, r := range reservedNames {
		if name == r {
			return fmt.Errorf("%q is reserved (it names a folder of the project or cannot be imported)", name)
		}
	}
	return nil
}

// ValidatePath checks a REST API resource path such as "/uploads/{id}".
func ValidatePath(path string) error {
	if !strings.HasPrefix(path, "/") || path == "/" || strings.HasSuffix(path, "/") {
		return errors.New(`must start with "/", have at least one segment and no trailing "/", e.g. "/uploads/{id}"`)
	}
	segments := strings.Split(path[1:], "/")
	for i, s := range segments {
		if !pathSegmentPattern.MatchString(s) {
			return fmt.Errorf("segment %q is neither a literal (letters, digits, . _ ~ -) nor a parameter such as {id}", s)
		}
		if strings.HasSuffix(s, "+}") && i != len(segments)-1 {
			return fmt.Errorf("greedy parameter %q must be the last segment", s)
		}
	}
	return nil
}

// ValidatePrefix checks a key prefix of the app's bucket such as "uploads/".
func ValidatePrefix(prefix string) error {
	if !prefixPattern.MatchString(prefix) {
		return errors.New(`is not a key prefix: lower-case segments of letters, digits, . _ -, each ending in "/", e.g. "uploads/"`)
	}
	return nil
}

// Validate checks the declared functions and reports every
// problem at once, each naming the function and the field.
func Validate(fns []functions.Declaration) error {
	var errs []error
	names := map[string]bool{}
	paths := map[string]string{} // path -> function
	for i, f := range fns {
		where := fmt.Sprintf("%s: function %q", File, f.Name)
		if f.Name == "" {
			where = fmt.Sprintf("%s: function #%d", File, i+1)
		}
		add := func(field, format string, args ...any) {
			errs = append(errs, fmt.Errorf("%s: %s: %s", where, field, fmt.Sprintf(format, args...)))
		}
		if err := ValidateName(f.Name); err != nil {
			add("Name", "%v", err)
		}
		if names[f.Name] {
			add("Name", "declared twice")
		}
		names[f.Name] = true
		if f.Description == "" || len(f.Description) > functions.MaxDescriptionLength {
			add("Description", "has %d characters; allowed 1 to %d", len(f.Description), functions.MaxDescriptionLength)
		}
		if max := f.MaxTimeoutSeconds(); f.TimeoutSeconds < quota.MinTimeoutSeconds || f.TimeoutSeconds > max {
			add("TimeoutSeconds", "%d is out of range; allowed %d to %d seconds", f.TimeoutSeconds, quota.MinTimeoutSeconds, max)
		}
		validateTriggerDeclarations(f, paths, add)
		prefixes := map[string]bool{}
		for j, a := range f.Access {
			field := fmt.Sprintf("Access[%d]", j)
			if err := ValidatePrefix(a.Prefix); err != nil {
				add(field+".Prefix", "%q %v", a.Prefix, err)
			}
			if prefixes[a.Prefix] {
				add(field+".Prefix", "%q is given twice; put its flags in one entry", a.Prefix)
			}
			prefixes[a.Prefix] = true
			if !a.List && !a.Read && !a.Write {
				add(field, "grants nothing; set List, Read or Write")
			}
		}
	}
	return errors.Join(errs...)
}

func validateTriggerDeclarations(f functions.Declaration, paths map[string]string, add func(string, string, ...any)) {
	kinds := map[string]bool{}
	for j, t := range f.Triggers {
		field := fmt.Sprintf("Triggers[%d]", j)
		if t == nil {
			add(field, "is nil")
			continue
		}
		if kinds[t.Kind()] {
			add(field, "a second %s trigger; allowed one of each kind", t.Kind())
		}
		kinds[t.Kind()] = true
		switch t := t.(type) {
		case functions.API:
			if len(t.Paths) == 0 {
				add(field+".Paths", "must list at least one path such as \"/items\"")
			}
			for k, p := range t.Paths {
				if err := ValidatePath(p); err != nil {
					add(fmt.Sprintf("%s.Paths[%d]", field, k), "%q %v", p, err)
				} else if other, taken := paths[p]; taken {
					add(fmt.Sprintf("%s.Paths[%d]", field, k), "%q is already routed to the %s function", p, other)
				}
				paths[p] = f.Name
			}
			validateAPIRoutes(field, t, add)
		case functions.ObjectCreated:
			if err := ValidatePrefix(t.Prefix); err != nil {
				add(field+".Prefix", "%q %v", t.Prefix, err)
			}
			for k, s := range t.Suffixes {
				if err := ValidateSuffix(s); err != nil {
					add(fmt.Sprintf("%s.Suffixes[%d]", field, k), "%q %v", s, err)
				}
			}
		case functions.Schedule:
			if err := cron.Validate(t.Cron); err != nil {
				add(field+".Cron", "%q: %v", t.Cron, err)
			}
		default:
			add(field, "unknown trigger type %T", t)
		}
	}
}

// ValidateSuffix checks an S3 notification key suffix.
func ValidateSuffix(s string) error {
	if s == "" || strings.ContainsAny(s, "*?") {
		return errors.New(`must be a non-empty literal suffix such as ".csv" (no wildcards)`)
	}
	return nil
}

// quoteList is values sorted, quoted and comma-separated, for messages.
func quoteList(values []string) string {
	s := slices.Clone(values)
	slices.Sort(s)
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}
