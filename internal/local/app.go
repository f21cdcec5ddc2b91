// Package local runs a synthesized stack on this machine without Docker or
// an AWS account: every Go function's bootstrap under the AWS Lambda Runtime
// Interface Emulator, the bucket on a local S3-protocol server, the REST API
// on 127.0.0.1 with API Gateway's proxy semantics, the bucket notifications
// with Lambda's asynchronous retries, and the schedules on demand. All of
// it is read from the CloudFormation template, so what runs locally is wired
// as what deploys.
package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/bundle"
	"go-lambda-cdk/internal/local/apigw"
	"go-lambda-cdk/internal/local/auth"
	"go-lambda-cdk/internal/local/events"
	"go-lambda-cdk/internal/local/notify"
	"go-lambda-cdk/internal/local/template"
	"go-lambda-cdk/internal/rie"
	"go-lambda-cdk/internal/s3local"
)

// Defaults of Options.
const (
	DefaultAPIAddr  = "127.0.0.1:3000"
	DefaultS3Addr   = "127.0.0.1:3001"
	DefaultStateDir = ".local"
)

// Options configure Start.
type Options struct {
	// Template is the synthesized stack. Required.
	Template *template.Template
	// ModuleDir is the Go module whose lambda/<name> folders build the
	// functions. Default: found by walking up from the working directory.
	ModuleDir string
	// StateDir holds build/ (host bootstraps), s3/ (the bucket's objects,
	// kept across runs), failed/ (async failure records) and issuer/ (the
	// local token issuer's key, see IssuerDir).
	// Default "<ModuleDir>/.local".
	StateDir string
	// API serves the REST API on APIAddr (default DefaultAPIAddr; use
	// "127.0.0.1:0" for a free port). Without it only the functions, S3 and
	// the notifications run.
	API     bool
	APIAddr string
	// S3Addr is the local S3 server's address. Default DefaultS3Addr.
	S3Addr string
	// LambdaAddr, when set, serves Lambda's Invoke API for the functions
	// there (DefaultLambdaAddr in `make local`; "127.0.0.1:0" for a free
	// port). Default "": not served.
	LambdaAddr string
	// Functions limits the functions started; default all of the template.
	Functions []string
	// Concurrency is the number of emulators per function, each serving one
	// invocation at a time; more requests queue. Default 1.
	Concurrency int
	// RetryDelay is the wait before async retry n; default n seconds
	// (Lambda waits minutes).
	RetryDelay func(n int) time.Duration
	// Logs receives every function's output and the local run's own log,
	// each line prefixed with "<function> | " or "local | ". Nil discards.
	Logs io.Writer
	// Reload rebuilds a function when a file of its dependency graph
	// changes (bundle.ListInputs: the files the build cache keys on, in the
	// module and in locally replaced modules) and swaps its emulators once
	// the new build runs, while the API, the bucket and the other
	// functions keep serving; a failed build is printed and the last good
	// build keeps serving. Default false: built once.
	Reload bool
	// ReloadInterval is how often Reload checks the files' modification
	// times and sizes. Default DefaultReloadInterval.
	ReloadInterval time.Duration
	// RestartOn are files and folders, relative to ModuleDir or absolute,
	// whose change Reload cannot apply because the template comes from
	// them (the stack's code, its configuration): it prints that a restart
	// is needed. A file counts by its modification time and size, a folder
	// by the Go source files it holds, as the go command sees them (one
	// added or removed; not tests or editor files, not subfolders): list a
	// folder's files too to watch their content (bin/local lists the CDK
	// app's build inputs, files and folders). Default none.
	RestartOn []string
}

// App is a running local stack.
type App struct {
	tpl     *template.Template
	s3      *s3local.Server
	pools   map[string]*pool
	async   *notify.Async
	targets map[string]notify.Target
	api     *http.Server
	apiURL  string
	lambda  *lambdaServer
	served  chan error
	logger  *slog.Logger
	writers []*lineWriter
	failed  string
	state   string
	// own is the local run's own log ("local | ").
	own *lineWriter
	// module is the Go module that builds the functions.
	module string
	// stopWatch stops the reload watcher; watched is closed once it has
	// returned. Both nil without Options.Reload.
	stopWatch context.CancelFunc
	watched   chan struct{}
	// retiring counts the replaced generations not yet stopped; closing
	// is closed by Close to stop them at once.
	retiring sync.WaitGroup
	closing  chan struct{}
}

// Start builds the functions for this machine and starts everything. On
// error nothing is left running.
func Start(ctx context.Context, opts Options) (_ *App, err error) {
	if opts, err = opts.withDefaults(); err != nil {
		return nil, err
	}
	logs := &syncWriter{w: orDiscard(opts.Logs)}
	a := &App{tpl: opts.Template, pools: map[string]*pool{}, targets: map[string]notify.Target{},
		failed: filepath.Join(opts.StateDir, "failed"), state: opts.StateDir, module: opts.ModuleDir, closing: make(chan struct{})}
	own := a.writer(logs, "local")
	a.own = own
	a.logger = slog.New(slog.NewTextHandler(own, nil))
	defer func() {
		if err != nil {
			a.Close()
		}
	}()

	fns, err := selectFunctions(opts.Template, opts.Functions)
	if err != nil {
		return nil, err
	}
	bootstraps, err := Build(ctx, opts.ModuleDir, filepath.Join(opts.StateDir, "build"), fns, own)
	if err != nil {
		return nil, err
	}
	if err := a.startS3(opts, fns); err != nil {
		return nil, err
	}
	for _, f := range fns {
		if err := a.startFunction(ctx, f, bootstraps[f.Name], opts.Concurrency, logs); err != nil {
			return nil, err
		}
	}
	if opts.API {
		if err := a.startAPI(opts.APIAddr); err != nil {
			return nil, err
		}
	}
	if opts.LambdaAddr != "" {
		if err := a.startLambdaAPI(opts.LambdaAddr); err != nil {
			return nil, err
		}
	}
	if opts.Reload {
		a.startWatcher(opts, fns)
	}
	return a, nil
}

// withDefaults checks opts and fills in the defaults.
func (opts Options) withDefaults() (Options, error) {
	if opts.Template == nil {
		return opts, errors.New("local: no template")
	}
	if opts.ModuleDir == "" {
		dir, err := bundle.FindModuleDir()
		if err != nil {
			return opts, fmt.Errorf("local: %w", err)
		}
		opts.ModuleDir = dir
	}
	if opts.StateDir == "" {
		opts.StateDir = filepath.Join(opts.ModuleDir, DefaultStateDir)
	}
	if opts.S3Addr == "" {
		opts.S3Addr = DefaultS3Addr
	}
	if opts.APIAddr == "" {
		opts.APIAddr = DefaultAPIAddr
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 1
	}
	if opts.ReloadInterval <= 0 {
		opts.ReloadInterval = DefaultReloadInterval
	}
	return opts, nil
}

// startS3 starts the local S3 server with the template's buckets, and the
// notifications that invoke fns asynchronously, with their retries.
func (a *App) startS3(opts Options, fns []template.LambdaFunction) error {
	var err error
	if a.async, err = notify.NewAsync(notify.AsyncOptions{
		Invoker: a, FailedDir: a.failed, Region: s3local.Region, RetryDelay: opts.RetryDelay, Logger: a.logger,
	}); err != nil {
		return err
	}
	var rules []template.Notification
	for _, n := range opts.Template.Notifications {
		if slices.ContainsFunc(fns, func(f template.LambdaFunction) bool { return f.Name == n.Function }) {
			rules = append(rules, n)
		}
	}
	for _, f := range fns {
		a.targets[f.Name] = notify.Target{Function: f.Name, Qualifier: f.Alias, RetryAttempts: f.RetryAttempts, MaxEventAge: f.MaxEventAge}
	}
	notifier, err := notify.NewNotifier(rules, a.targets, a.async, s3local.Region, a.logger)
	if err != nil {
		return err
	}
	var buckets []string
	for _, b := range opts.Template.Buckets {
		buckets = append(buckets, b.Name)
	}
	a.s3, err = s3local.Start(s3local.Options{
		Addr: opts.S3Addr, Dir: filepath.Join(opts.StateDir, "s3"), Buckets: buckets,
		OnObjectCreated: func(o s3local.ObjectCreated) {
			notifier.ObjectCreated(notify.Object{Bucket: o.Bucket, Key: o.Key, Size: o.Size, ETag: o.ETag, EventName: o.EventName, Time: o.Time})
		},
	})
	return err
}

func (a *App) writer(out *syncWriter, name string) *lineWriter {
	w := newLineWriter(out, name)
	a.writers = append(a.writers, w)
	return w
}

func (a *App) startFunction(ctx context.Context, f template.LambdaFunction, bootstrap string, n int, logs *syncWriter) error {
	env, err := a.tpl.Environment(f, s3local.Region)
	if err != nil {
		return err
	}
	envList := make([]string, 0, len(env))
	for k, v := range env {
		envList = append(envList, k+"="+v)
	}
	slices.Sort(envList)
	envList = append(envList, a.s3.Env()...)
	w := a.writer(logs, f.Name)
	p := &pool{fn: f, n: n, emulator: rie.Options{
		FunctionName: f.Name, Env: envList, Timeout: f.Timeout, MemoryMB: f.MemoryMB, Stdout: w, Stderr: w,
	}}
	g, err := p.start(ctx, bootstrap)
	if err != nil {
		return err
	}
	p.cur = g
	a.pools[f.Name] = p
	return nil
}

func (a *App) startAPI(addr string) error {
	api := a.tpl.API
	if api == nil {
		return errors.New("local: the template has no REST API")
	}
	var routes []apigw.Route
	var tokens apigw.TokenVerifier
	for _, r := range api.Routes {
		if r.Mock != nil || a.pools[r.Function] != nil {
			routes = append(routes, r)
		}
		if r.Authorizer != nil && tokens == nil {
			issuer, err := auth.LoadOrCreate(IssuerDir(a.state))
			if err != nil {
				return err
			}
			tokens = issuer
		}
	}
	h, err := apigw.New(apigw.Config{
		Stage: api.Stage, Routes: routes, BinaryMediaTypes: api.BinaryMediaTypes,
		Invoker: a, Tokens: tokens, Logger: a.logger,
		ErrorHeaders4XX: api.ErrorHeaders4XX, ErrorHeaders5XX: api.ErrorHeaders5XX,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("local: api: %w", err)
	}
	a.apiURL = "http://" + ln.Addr().String() + "/" + api.Stage
	a.api = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	a.served = make(chan error, 1)
	go func() { a.served <- a.api.Serve(ln) }()
	return nil
}

// IssuerDir is the folder of the local token issuer's key under a state
// folder: methods with a Cognito user pools authorizer accept the tokens it
// signs (`go run ./bin/local token -sub alice`).
func IssuerDir(stateDir string) string { return filepath.Join(stateDir, "issuer") }

// APIURL is the REST API's base URL including the stage, e.g.
// http://127.0.0.1:3000/dev; "" without the API.
func (a *App) APIURL() string { return a.apiURL }

// S3 is the local S3 server.
func (a *App) S3() *s3local.Server { return a.s3 }

// FailedDir is where async failure records go.
func (a *App) FailedDir() string { return a.failed }

// FunctionError is an invocation that ended in a function error or crash.
type FunctionError struct {
	Function, Type, Message string
}

func (e *FunctionError) Error() string {
	return fmt.Sprintf("function %s: %s: %s", e.Function, e.Type, e.Message)
}

// Invoke runs one invocation of a function and returns its response. A
// function error is a *FunctionError, with the error document as out.
func (a *App) Invoke(ctx context.Context, function string, payload []byte) ([]byte, error) {
	p, ok := a.pools[function]
	if !ok {
		return nil, fmt.Errorf("local: no function %q running", function)
	}
	resp, err := p.invoke(ctx, payload)
	if err != nil {
		return nil, fmt.Errorf("local: invoke %s: %w", function, err)
	}
	if resp.ErrorType != "" || resp.StatusCode != http.StatusOK {
		typ := resp.ErrorType
		if typ == "" {
			typ = fmt.Sprintf("HTTP %d", resp.StatusCode)
		}
		return resp.Body, &FunctionError{Function: function, Type: typ, Message: resp.ErrorMessage}
	}
	return resp.Body, nil
}

// InvokeAsync runs one asynchronous invocation (Event type) with the
// function's retries and waits for its outcome; a function that fails every
// attempt leaves a record in FailedDir.
func (a *App) InvokeAsync(ctx context.Context, function string, payload []byte) (notify.Outcome, error) {
	t, ok := a.targets[function]
	if !ok {
		return notify.Outcome{}, fmt.Errorf("local: no function %q running", function)
	}
	return a.async.Run(ctx, t, payload)
}

// InvokeSchedule fires a schedule's target now with an EventBridge
// scheduled event, asynchronously as EventBridge does (retries, failure
// record), and waits for the outcome. rule is the rule's logical ID; it may
// be "" when the template has exactly one schedule.
func (a *App) InvokeSchedule(ctx context.Context, rule string, now time.Time) (template.Schedule, notify.Outcome, error) {
	var found []template.Schedule
	var rules []string
	for _, s := range a.tpl.Schedules {
		rules = append(rules, s.Rule)
		if (rule == "" || s.Rule == rule) && a.targets[s.Function].Function != "" {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		return template.Schedule{}, notify.Outcome{}, fmt.Errorf("local: %d schedules match rule %q among the running functions; the template has: %s",
			len(found), rule, strings.Join(rules, ", "))
	}
	s := found[0]
	payload := []byte(s.Input)
	if s.Input == "" {
		var err error
		if payload, err = json.Marshal(events.Schedule(a.tpl.StackName, s.Rule, s3local.Region, now)); err != nil {
			return s, notify.Outcome{}, err
		}
	}
	out, err := a.InvokeAsync(ctx, s.Function, payload)
	return s, out, err
}

// Close stops the API, the S3 server, pending async invocations and every
// emulator with its function, and flushes the logs.
func (a *App) Close() error {
	if a.stopWatch != nil {
		a.stopWatch()
		<-a.watched
	}
	errs := []error{a.lambda.close()}
	if a.api != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		errs = append(errs, a.api.Shutdown(ctx))
		cancel()
		if err := <-a.served; !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	if a.s3 != nil {
		errs = append(errs, a.s3.Close())
	}
	if a.async != nil {
		a.async.Close()
	}
	close(a.closing)
	for _, p := range a.pools {
		errs = append(errs, p.current().close())
	}
	a.retiring.Wait()
	for _, w := range a.writers {
		w.Flush()
	}
	return errors.Join(errs...)
}

func selectFunctions(tpl *template.Template, names []string) ([]template.LambdaFunction, error) {
	if len(names) == 0 {
		return tpl.Functions, nil
	}
	var fns []template.LambdaFunction
	for _, n := range names {
		f, ok := tpl.Function(n)
		if !ok {
			var known []string
			for _, f := range tpl.Functions {
				known = append(known, f.Name)
			}
			return nil, fmt.Errorf("local: the template has no function %q; it has: %s", n, strings.Join(known, ", "))
		}
		fns = append(fns, f)
	}
	return fns, nil
}

// Build compiles each function's lambda/<name> folder for this machine's
// GOARCH (the template's functions are usually arm64; the emulator runs the
// host's binaries) with the project's build step, and returns the path of
// every bootstrap by function name.
func Build(ctx context.Context, moduleDir, outDir string, fns []template.LambdaFunction, progress io.Writer) (map[string]string, error) {
	var bfs []bundle.Target
	for _, f := range fns {
		bf := hostFunction(f)
		if _, err := os.Stat(filepath.Join(moduleDir, bf.Dir)); err != nil {
			return nil, fmt.Errorf("local: function %s (%s) is named %q (Metadata %q) but there is no folder %s to build it from", f.LogicalID, f.CDKPath, f.Name, functions.MetadataKey, bf.Dir)
		}
		bfs = append(bfs, bf)
	}
	paths, err := bundle.Bootstraps(ctx, bundle.Options{ModuleDir: moduleDir, OutDir: outDir, Progress: progress}, bfs...)
	if err != nil {
		return nil, fmt.Errorf("local: build: %w", err)
	}
	return paths, nil
}

// hostFunction is the build of f's lambda/<name> folder for this machine.
func hostFunction(f template.LambdaFunction) bundle.Target {
	return bundle.ForFunction(f.Name, runtime.GOARCH)
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
