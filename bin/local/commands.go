package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go-lambda-cdk/internal/bundle"
	"go-lambda-cdk/internal/cli"

	"go-lambda-cdk/internal/local"
	"go-lambda-cdk/internal/local/auth"
	"go-lambda-cdk/internal/local/events"
	"go-lambda-cdk/internal/local/template"
	"go-lambda-cdk/internal/s3local"
)

// common are the flags of the commands that run functions.
type common struct {
	cdkOut, stack, state string
	concurrency          int
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.cdkOut, "cdk-out", "cdk.out", "cloud assembly written by `cdk synth`")
	fs.StringVar(&c.stack, "stack", "", "stack to run (default: the only stack in -cdk-out)")
	fs.StringVar(&c.state, "state", local.DefaultStateDir, "folder for host builds, the local bucket's objects and failure records")
	fs.IntVar(&c.concurrency, "concurrency", 1, "emulators per function (each serves one invocation at a time)")
}

func (c *common) options() (local.Options, error) {
	tpl, err := template.Load(c.cdkOut, c.stack)
	if err != nil {
		return local.Options{}, err
	}
	if c.concurrency < 1 {
		return local.Options{}, cli.Usagef("-concurrency must be at least 1, got %d", c.concurrency)
	}
	return local.Options{Template: tpl, StateDir: c.state, Concurrency: c.concurrency}, nil
}

// parse parses flags; -h prints the flags and is not an error.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) (bool, error) {
	if err := cli.Parse(fs, args, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return false, nil
		}
		return false, err
	}
	if fs.NArg() > 0 {
		return false, cli.Usagef("%s: unexpected arguments %q", fs.Name(), fs.Args())
	}
	return true, nil
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var c common
	c.register(fs)
	port := fs.Int("port", 3000, "port of the REST API on 127.0.0.1 (0: a free port)")
	s3Port := fs.Int("s3-port", 3001, "port of the local S3 server on 127.0.0.1 (0: a free port)")
	lambdaPort := fs.Int("lambda-port", 3002, "port of Lambda's Invoke API for the functions on 127.0.0.1 (0: a free port; make redrive LOCAL=1 uses it)")
	reload := fs.Bool("reload", true, "rebuild a function and swap it in when a file it is built from changes")
	if ok, err := parse(fs, args, stderr); !ok {
		return err
	}
	opts, err := c.options()
	if err != nil {
		return err
	}
	opts.API = true
	opts.APIAddr = fmt.Sprintf("127.0.0.1:%d", *port)
	opts.S3Addr = fmt.Sprintf("127.0.0.1:%d", *s3Port)
	opts.LambdaAddr = fmt.Sprintf("127.0.0.1:%d", *lambdaPort)
	opts.Logs = stderr
	opts.Reload = *reload
	var appDirs []string
	if opts.Reload {
		if opts.RestartOn, appDirs, err = restartOn(ctx); err != nil {
			return err
		}
	}
	app, err := local.Start(ctx, opts)
	if err != nil {
		return err
	}
	banner(stdout, opts.Template, app)
	if opts.Reload {
		fmt.Fprintf(stdout, "Saving a function's source rebuilds and reloads that function; a change to the CDK app's sources (%s) or to cdk.json needs a restart.\n", strings.Join(appDirs, ", "))
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "stopping")
	return app.Close()
}

// restartOn lists what the template is synthesized from, which a reload
// cannot apply: the files and folders of the CDK app's build (bin/app and
// every package of the module it imports, as bundle.ListInputs lists a
// function's), cdk.json and cdk.context.json. dirs are the app's package
// folders relative to the module, for the banner.
func restartOn(ctx context.Context) (paths, dirs []string, err error) {
	moduleDir, err := bundle.FindModuleDir()
	if err != nil {
		return nil, nil, err
	}
	inputs, err := bundle.ListInputs(ctx, bundle.Options{ModuleDir: moduleDir}, bundle.Target{Name: "app", Dir: "bin/app"})
	if err != nil {
		return nil, nil, fmt.Errorf("the CDK app's sources: %w", err)
	}
	paths = append(slices.Clone(inputs[0].Files), filepath.Join(moduleDir, "cdk.json"), filepath.Join(moduleDir, "cdk.context.json"))
	for _, d := range inputs[0].Dirs {
		paths = append(paths, d)
		if rel, err := filepath.Rel(moduleDir, d); err == nil {
			dirs = append(dirs, rel)
		}
	}
	return paths, dirs, nil
}

func banner(w io.Writer, tpl *template.Template, app *local.App) {
	fmt.Fprintf(w, "stack %s running locally\n", tpl.StackName)
	fmt.Fprintf(w, "  API   %s/\n", app.APIURL())
	for _, r := range tpl.API.Routes {
		target := r.Function
		if r.Mock != nil {
			target = fmt.Sprintf("mock %d", r.Mock.StatusCode)
		}
		if r.Authorizer != nil {
			target += " (Cognito authorizer: go run ./bin/local token -sub NAME)"
		}
		fmt.Fprintf(w, "          %-7s %-20s -> %s\n", r.Method, r.Path, target)
	}
	fmt.Fprintf(w, "  S3    %s\n", app.S3().URL())
	for _, b := range tpl.Buckets {
		fmt.Fprintf(w, "          bucket %s\n", b.Name)
	}
	for _, n := range tpl.Notifications {
		fmt.Fprintf(w, "          %s %s*%s -> %s\n", strings.Join(n.Events, ","), n.Prefix, n.Suffix, n.Function)
	}
	for _, s := range tpl.Schedules {
		fmt.Fprintf(w, "  rule  %s %s -> %s (fire it: make invoke-schedule)\n", s.Rule, s.Expression, s.Function)
	}
	fmt.Fprintf(w, "  Lambda Invoke API %s (make redrive LOCAL=1 FN=... replays failed events through it)\n", app.LambdaURL())
	fmt.Fprintf(w, "  failed async events go to %s\nCtrl-C stops everything.\n", app.FailedDir())
}

func invoke(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	var c common
	c.register(fs)
	fn := fs.String("fn", "", "function to invoke, e.g. api (required)")
	eventFile := fs.String("event", "", "file with the event JSON, - for stdin (required); see `local event`")
	async := fs.Bool("async", false, "invoke asynchronously like S3 and EventBridge: retries, then a failure record")
	if ok, err := parse(fs, args, stderr); !ok {
		return err
	}
	if *fn == "" || *eventFile == "" {
		return cli.Usagef("invoke: -fn and -event are required")
	}
	payload, err := readEvent(*eventFile, stdin)
	if err != nil {
		return err
	}
	opts, err := c.options()
	if err != nil {
		return err
	}
	opts.Functions, opts.S3Addr, opts.Logs = []string{*fn}, "127.0.0.1:0", stderr
	app, err := local.Start(ctx, opts)
	if err != nil {
		return err
	}
	defer app.Close()
	if *async {
		out, err := app.InvokeAsync(ctx, *fn, payload)
		if err != nil {
			return err
		}
		return report(stdout, out.Output, out.FunctionErr, out.FailureRecord)
	}
	out, err := app.Invoke(ctx, *fn, payload)
	var fe *local.FunctionError
	if err != nil && !errors.As(err, &fe) {
		return err
	}
	return report(stdout, out, err, "")
}

// report prints a response, indented when it is JSON, and turns a function
// error into the command's error.
func report(w io.Writer, out []byte, fnErr error, record string) error {
	var buf bytes.Buffer
	if json.Indent(&buf, out, "", "  ") != nil {
		buf.Reset()
		buf.Write(out)
	}
	fmt.Fprintln(w, buf.String())
	if fnErr != nil {
		if record != "" {
			return fmt.Errorf("%w (failure record: %s)", fnErr, record)
		}
		return fnErr
	}
	return nil
}

func readEvent(name string, stdin io.Reader) ([]byte, error) {
	var b []byte
	var err error
	if name == "-" {
		b, err = io.ReadAll(stdin)
	} else {
		b, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, fmt.Errorf("read event: %w", err)
	}
	if !json.Valid(b) {
		return nil, fmt.Errorf("event %s is not JSON", name)
	}
	return b, nil
}

func invokeSchedule(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("invoke-schedule", flag.ContinueOnError)
	var c common
	c.register(fs)
	rule := fs.String("rule", "", "logical ID of the rule (default: the template's only schedule)")
	if ok, err := parse(fs, args, stderr); !ok {
		return err
	}
	opts, err := c.options()
	if err != nil {
		return err
	}
	var fns []string
	for _, s := range opts.Template.Schedules {
		if *rule == "" || s.Rule == *rule {
			fns = append(fns, s.Function)
		}
	}
	if len(fns) != 1 {
		return fmt.Errorf("invoke-schedule: %d schedules match rule %q", len(fns), *rule)
	}
	opts.Functions, opts.S3Addr, opts.Logs = fns, "127.0.0.1:0", stderr
	app, err := local.Start(ctx, opts)
	if err != nil {
		return err
	}
	defer app.Close()
	s, out, err := app.InvokeSchedule(ctx, *rule, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "fired %s (%s) -> %s, %d attempt(s)\n", s.Rule, s.Expression, s.Function, out.Attempts)
	return report(stdout, out.Output, out.FunctionErr, out.FailureRecord)
}

func event(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return cli.Usagef("event: which one? s3-put, api or schedule")
	}
	var v any
	now := time.Now()
	fs := flag.NewFlagSet("event "+args[0], flag.ContinueOnError)
	region := fs.String("region", s3local.Region, "awsRegion / region of the event")
	switch args[0] {
	case "s3-put":
		bucket := fs.String("bucket", "example-bucket", "bucket name")
		key := fs.String("key", "uploads/_anonymous/0123456789abcdef0123456789abcdef/hello world.txt", "object key as stored (it is URL-encoded in the event)")
		size := fs.Int64("size", 1024, "object size in bytes")
		eTag := fs.String("etag", "", "the object's ETag; the processor skips the event as superseded when the object's differs (default: none, the processor reads the current object)")
		if ok, err := parse(fs, args[1:], stderr); !ok {
			return err
		}
		v = events.S3Put(*bucket, *key, *size, *eTag, *region, now)
	case "api":
		var r events.APIRequest
		var headers headerFlags
		fs.StringVar(&r.Method, "method", "GET", "HTTP method")
		fs.StringVar(&r.Path, "path", "/health", "request path without the stage, with an optional ?query")
		fs.StringVar(&r.Resource, "resource", "", "resource with {params}, e.g. /uploads/{id} (default: the path)")
		fs.StringVar(&r.Stage, "stage", "dev", "API stage")
		fs.StringVar(&r.Body, "body", "", "request body")
		fs.StringVar(&r.Sub, "sub", "", "caller's sub claim, put in requestContext.authorizer.claims as the Cognito authorizer does (default: no caller)")
		fs.Var(&headers, "H", "header \"Name: value\" (repeatable)")
		if ok, err := parse(fs, args[1:], stderr); !ok {
			return err
		}
		r.Headers = headers
		ev, err := events.API(r, now)
		if err != nil {
			return cli.Usagef("event api: %v", err)
		}
		v = ev
	case "schedule":
		stack := fs.String("stack", "GoLambdaCdk-dev", "stack name (part of the rule ARN)")
		rule := fs.String("rule", "ReportSchedule", "rule logical ID (part of the rule ARN)")
		if ok, err := parse(fs, args[1:], stderr); !ok {
			return err
		}
		v = events.Schedule(*stack, *rule, *region, now)
	default:
		return cli.Usagef("event: unknown event %q; want s3-put, api or schedule", args[0])
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, string(b))
	return err
}

type headerFlags []string

func (h *headerFlags) String() string     { return strings.Join(*h, ", ") }
func (h *headerFlags) Set(v string) error { *h = append(*h, v); return nil }

// token prints an ID token of the local issuer, creating its key in the
// state folder on first use.
func token(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	state := fs.String("state", local.DefaultStateDir, "state folder of `make local` (the issuer's key is in its issuer/ folder)")
	sub := fs.String("sub", "", "the caller's sub claim, e.g. alice (required)")
	ttl := fs.Duration("ttl", auth.DefaultTTL, fmt.Sprintf("lifetime of the token, at most %s", auth.MaxTTL))
	if ok, err := parse(fs, args, stderr); !ok {
		return err
	}
	if *sub == "" {
		return cli.Usagef("token: -sub is required, e.g. -sub alice")
	}
	if *ttl <= 0 || *ttl > auth.MaxTTL {
		return cli.Usagef("token: -ttl %s: allowed 1s to %s", *ttl, auth.MaxTTL)
	}
	issuer, err := auth.LoadOrCreate(local.IssuerDir(*state))
	if err != nil {
		return err
	}
	tok, err := issuer.Token(*sub, *ttl, time.Now())
	if err != nil {
		return cli.Usagef("token: %v", err)
	}
	fmt.Fprintln(stdout, tok)
	return nil
}
