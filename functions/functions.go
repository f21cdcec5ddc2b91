// Package functions declares the app's Lambda functions as data: one
// [Declaration] per function, in [All]. Everything per function derives from
// that list: the stack's constructs (role statements and their cdk-nag
// reasons, log group, asynchronous invocation, triggers), the configuration
// keys functions.<name>.…, the zips the build step makes, the local run, the
// end-to-end harness and the tests.
//
// It is plain Go with no CDK or jsii import, so the build step, the local
// run and the tests can read it without starting the construct library.
// Package stacks turns each declaration into constructs; internal/declare
// validates them (see declare.Validate).
//
// Add a function with `make new-function NAME=<name> TRIGGER=<kind>`, which
// appends its declaration to declared.go.
package functions

import (
	"slices"
	"strings"
	"unicode"

	"go-lambda-cdk/internal/quota"
)

// Declaration declares one Lambda function: what the team writes in
// declared.go. The stage's settings for it are config.FunctionSettings.
type Declaration struct {
	// Name is the folder under lambda/ that holds the function's main
	// package, and its name everywhere else: the configuration keys
	// (functions.<name>.memoryMB), the zip (dist/<name>.zip) and, in
	// PascalCase, its construct ID ("api" -> "Api"). Required: a lower-case
	// Go package name, letters and digits starting with a letter, at most
	// [MaxNameLength] characters. Renaming a deployed function replaces it.
	Name string
	// Description is the function's description in the Lambda console.
	// Required; at most [MaxDescriptionLength] characters.
	Description string
	// Triggers are the events that invoke the function, at most one of each
	// kind. None: the function is invoked asynchronously by others.
	Triggers []Trigger
	// Access is what the function may do in the app's bucket, one entry per
	// key prefix. Default: nothing (it can still write its own logs).
	Access []Access
	// TimeoutSeconds is the function's timeout unless the configuration
	// overrides it (functions.<name>.timeoutSeconds). Required: 1 to 900,
	// at most 29 for a function behind the REST API.
	TimeoutSeconds int
}

// Trigger is one kind of event source: [API], [ObjectCreated] or
// [Schedule].
type Trigger interface {
	// Kind is "api", "s3" or "schedule", as `make new-function` spells it.
	Kind() string
}

// API routes REST API requests to the function through a Lambda proxy
// integration. Each path takes every method (ANY), so the function answers
// a wrong method itself; a path that no function declares gets API
// Gateway's own 403. With auth.mode cognito every method needs a user
// pool token except on the Public paths and except OPTIONS (CORS
// preflights carry no token), which the stack routes to the function too.
type API struct {
	// Paths are resource paths such as "/uploads/{id}". Required; each
	// path belongs to one function.
	Paths []string
	// Public are the paths of Paths that anyone may call without a token,
	// such as a health check. Default: none.
	Public []string
	// UploadRoutes are the routes, each a method on one of Paths, that
	// hand out upload URLs: each becomes its own API Gateway method beside
	// the path's ANY, throttled on its own (api.uploadThrottleRateLimit,
	// api.uploadThrottleBurstLimit). Default: none.
	UploadRoutes []Route
}

// Route is one HTTP method on one resource path.
type Route struct {
	// Method is an HTTP method in upper case, such as "POST"; not ANY or
	// OPTIONS.
	Method string
	// Path is a resource path of the trigger's Paths.
	Path string
}

// String returns "POST /uploads".
func (r Route) String() string { return r.Method + " " + r.Path }

// Kind implements Trigger.
func (API) Kind() string { return KindAPI }

// ObjectCreated invokes the function asynchronously for every object
// created under a key prefix of the app's bucket.
type ObjectCreated struct {
	// Prefix is the key prefix, ending in "/" (e.g. layout.UploadsPrefix).
	// Required.
	Prefix string
	// Suffixes restricts the trigger to keys ending with one of these
	// literal suffixes (".csv"). Default: none, every key under Prefix. The
	// configuration may override them per stage
	// (functions.<name>.notificationSuffixes).
	Suffixes []string
}

// Kind implements Trigger.
func (ObjectCreated) Kind() string { return KindS3 }

// Schedule invokes the function asynchronously on an EventBridge schedule.
type Schedule struct {
	// Cron is an EventBridge cron expression of six fields without the
	// "cron(...)" wrapper, e.g. "0 0 * * ? *" (daily at 00:00 UTC).
	// Required. The configuration may override it per stage
	// (functions.<name>.schedule).
	Cron string
}

// Kind implements Trigger.
func (Schedule) Kind() string { return KindSchedule }

// Trigger kinds, as [Trigger.Kind] returns them. KindNone is a function
// without triggers.
const (
	KindAPI      = "api"
	KindS3       = "s3"
	KindSchedule = "schedule"
	KindNone     = "none"
)

// Limits of a declaration, from the AWS Lambda API reference
// (https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html)
// and the API Gateway quotas
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html).
const (
	// MaxNameLength keeps the function's name readable in the physical
	// names CloudFormation generates for its function and role (stack
	// name, logical ID and a random suffix, cut to 64 characters).
	MaxNameLength        = 24
	MaxDescriptionLength = 256
)

// Access is what a function may do with the objects under one key prefix
// of the app's bucket. Each flag becomes one role statement (see
// [Declaration.Statements]).
type Access struct {
	// Prefix is the key prefix, ending in "/" (e.g. layout.ResultsPrefix).
	Prefix string
	// List allows s3:ListBucket limited to Prefix. Listing also lets S3
	// answer "no such key" (404) instead of 403 for a missing object.
	List bool
	// Read allows s3:GetObject on objects under Prefix.
	Read bool
	// Write allows s3:PutObject on objects under Prefix (also what a
	// presigned upload URL needs).
	Write bool
}

// Statement is one role statement on the app's bucket, as plain data.
type Statement struct {
	// Sid names the statement, e.g. "ReadResults".
	Sid string
	// Actions, e.g. ["s3:GetObject"].
	Actions []string
	// Prefix is the key prefix the statement is scoped to.
	Prefix string
	// OnBucket: the resource is the bucket itself, with an s3:prefix
	// condition limiting it to Prefix; otherwise it is the objects under
	// Prefix ("<bucket ARN>/<Prefix>*").
	OnBucket bool
}

// Statements are the role statements the function's Access needs, in
// declaration order: per prefix List, then Read, then Write.
func (f Declaration) Statements() []Statement {
	var out []Statement
	for _, a := range f.Access {
		p := pascal(a.Prefix)
		if a.List {
			out = append(out, Statement{Sid: "List" + p, Actions: []string{"s3:ListBucket"}, Prefix: a.Prefix, OnBucket: true})
		}
		if a.Read {
			out = append(out, Statement{Sid: "Read" + p, Actions: []string{"s3:GetObject"}, Prefix: a.Prefix})
		}
		if a.Write {
			out = append(out, Statement{Sid: "Write" + p, Actions: []string{"s3:PutObject"}, Prefix: a.Prefix})
		}
	}
	return out
}

// ObjectPrefixes are the prefixes the function's role holds object
// wildcards for ("<bucket ARN>/<prefix>*"), in declaration order.
func (f Declaration) ObjectPrefixes() []string {
	var out []string
	for _, a := range f.Access {
		if (a.Read || a.Write) && !slices.Contains(out, a.Prefix) {
			out = append(out, a.Prefix)
		}
	}
	return out
}

// WildcardReason is the cdk-nag reason for the object wildcards of the
// function's role, naming its prefixes.
func (f Declaration) WildcardReason() string {
	return "Object keys are generated at run time; the " + f.Name + " function's access is scoped to the key prefixes " +
		strings.Join(f.ObjectPrefixes(), ", ") + " of the app's own bucket, the narrowest scope known at deploy time."
}

// MetadataKey is the key of the Metadata entry that the stack writes on
// each function's AWS::Lambda::Function resource, with the function's Name
// as its value: {"Metadata": {"go-lambda-cdk:function": "api"}}. The local
// run and the redrive read it to find the function's lambda/<name> folder
// and to call the function by name.
const MetadataKey = "go-lambda-cdk:function"

// ConstructID is the ID of the function's construct: its name in
// PascalCase ("api" -> "Api"). Construct IDs are a public contract: the
// logical IDs of its role, log group and function derive from it.
func (f Declaration) ConstructID() string { return pascal(f.Name) }

// API returns the function's REST API trigger, if it has one.
func (f Declaration) API() (API, bool) { return trigger[API](f) }

// ObjectCreated returns the function's S3 trigger, if it has one.
func (f Declaration) ObjectCreated() (ObjectCreated, bool) { return trigger[ObjectCreated](f) }

// Schedule returns the function's schedule, if it has one.
func (f Declaration) Schedule() (Schedule, bool) { return trigger[Schedule](f) }

func trigger[T Trigger](f Declaration) (T, bool) {
	for _, t := range f.Triggers {
		if v, ok := t.(T); ok {
			return v, true
		}
	}
	var zero T
	return zero, false
}

// Async reports whether the function is invoked asynchronously (by S3, by
// EventBridge or, with no trigger, by others), and so gets the stack's
// asynchronous invocation settings and failure destination.
func (f Declaration) Async() bool {
	_, api := f.API()
	return !api || len(f.Triggers) > 1
}

// MaxTimeoutSeconds is the largest timeout the function may have: 29 s
// behind the REST API, else Lambda's 900 s.
func (f Declaration) MaxTimeoutSeconds() int {
	if _, ok := f.API(); ok {
		return quota.MaxAPITimeoutSeconds
	}
	return quota.MaxTimeoutSeconds
}

// Kinds lists the function's trigger kinds, or [KindNone].
func (f Declaration) Kinds() []string {
	if len(f.Triggers) == 0 {
		return []string{KindNone}
	}
	var out []string
	for _, t := range f.Triggers {
		out = append(out, t.Kind())
	}
	return out
}

// All returns the declared functions, in declaration order. The slice is a
// copy: changing it changes nothing else.
func All() []Declaration { return slices.Clone(declared) }

// Names returns the declared functions' names, in declaration order.
func Names() []string {
	names := make([]string, len(declared))
	for i, f := range declared {
		names[i] = f.Name
	}
	return names
}

// Lookup returns the declared function called name.
func Lookup(name string) (Declaration, bool) {
	i := slices.IndexFunc(declared, func(f Declaration) bool { return f.Name == name })
	if i < 0 {
		return Declaration{}, false
	}
	return declared[i], true
}

// pascal turns "results/" or "user-data/" into "Results" or "UserData":
// letters and digits only, each run starting upper-case.
func pascal(s string) string {
	var b strings.Builder
	upper := true
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			upper = true
			continue
		}
		if upper {
			r = unicode.ToUpper(r)
			upper = false
		}
		b.WriteRune(r)
	}
	return b.String()
}
