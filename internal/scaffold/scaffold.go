// Package scaffold creates a new function: lambda/<name>/main.go that only
// wires, internal/<name>/ with a handler struct over small interfaces, its
// unit test and an AWS-shaped event fixture, and the function's
// declaration in functions/declared.go. It is what
// `make new-function` runs (bin/new-function).
//
// Every check runs before anything is written; if writing fails half-way,
// what was written is removed and the declarations file is left as it was.
package scaffold

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/format"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"text/template"
	"time"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/declare"
	"go-lambda-cdk/internal/local/events"
)

// Options describe the function to create.
type Options struct {
	// ModuleDir is the root of the Go module (the folder with go.mod).
	ModuleDir string
	// Name is the function's name: its folders lambda/<name> and
	// internal/<name>. Required; see declare.ValidateName.
	Name string
	// Trigger is as ParseTrigger reads it. Required.
	Trigger string
	// Description is the function's description. Default: one derived from
	// the trigger.
	Description string
	// Declared are the functions the module declares now; the new one must
	// fit among them (name, API paths). Default: none besides those in the
	// declarations file.
	Declared []functions.Declaration
	// Now stamps the event fixtures. Default: time.Now.
	Now time.Time
}

// File is one file to write, with a path relative to the module.
type File struct {
	Path string
	Data []byte
	// Replace: the file exists and is replaced; otherwise it must not
	// exist.
	Replace bool
}

// Plan checks the options against the module and returns the new function's
// declaration and every file to write: the new files, then the edited
// declarations file. It writes nothing.
func Plan(opts Options) (functions.Declaration, []File, error) {
	var errs []error
	if err := declare.ValidateName(opts.Name); err != nil {
		errs = append(errs, fmt.Errorf("NAME: %w", err))
	}
	trigger, err := ParseTrigger(opts.Trigger)
	if err != nil {
		errs = append(errs, fmt.Errorf("TRIGGER: %w", err))
	}
	module, err := modulePath(opts.ModuleDir)
	if err != nil {
		errs = append(errs, err)
	}
	declPath := filepath.Join(opts.ModuleDir, filepath.FromSlash(declare.File))
	src, err := os.ReadFile(declPath)
	if err != nil {
		return functions.Declaration{}, nil, errors.Join(append(errs, fmt.Errorf("read the declarations: %w", err))...)
	}
	names, err := declaredNames(src)
	if err != nil {
		return functions.Declaration{}, nil, errors.Join(append(errs, fmt.Errorf("%s: %w", declare.File, err))...)
	}
	for _, d := range opts.Declared {
		names = append(names, d.Name)
	}
	if slices.Contains(names, opts.Name) {
		errs = append(errs, fmt.Errorf("NAME: a function %q is already declared in %s", opts.Name, declare.File))
	}
	for _, dir := range []string{path.Join("lambda", opts.Name), path.Join("internal", opts.Name)} {
		if _, err := os.Stat(filepath.Join(opts.ModuleDir, filepath.FromSlash(dir))); err == nil && opts.Name != "" {
			errs = append(errs, fmt.Errorf("NAME: %s already exists", dir))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return functions.Declaration{}, nil, err
	}
	fn := newDeclaration(opts.Name, opts.Description, trigger)
	if err := declare.Validate(append(slices.Clone(opts.Declared), fn)); err != nil {
		return fn, nil, err
	}

	files, err := generate(module, fn, opts.Now)
	if err != nil {
		return fn, nil, err
	}
	declared, err := appendDeclaration(src, fn)
	if err != nil {
		return fn, nil, fmt.Errorf("%s: %w", declare.File, err)
	}
	return fn, append(files, File{Path: declare.File, Data: declared, Replace: true}), nil
}

// newDeclaration is the declaration the scaffold writes: timeout 10 s
// behind the API, else 60 s; an S3-triggered function may read its prefix,
// a scheduled one write under <name>/, others nothing.
func newDeclaration(name, description string, t functions.Trigger) functions.Declaration {
	fn := functions.Declaration{Name: name, Description: description, TimeoutSeconds: 60}
	if t != nil {
		fn.Triggers = []functions.Trigger{t}
	}
	derived := "Invoked asynchronously by other functions"
	switch t := t.(type) {
	case functions.API:
		fn.TimeoutSeconds = 10
		derived = "Answers the REST API's " + strings.Join(t.Paths, ", ")
	case functions.ObjectCreated:
		fn.Access = []functions.Access{{Prefix: t.Prefix, Read: true}}
		derived = "Processes each object created under " + t.Prefix
	case functions.Schedule:
		fn.Access = []functions.Access{{Prefix: name + "/", Write: true}}
		derived = "Runs on the schedule cron(" + t.Cron + ")"
	}
	if fn.Description == "" {
		fn.Description = derived
	}
	return fn
}

// generate renders the new function's files.
func generate(module string, fn functions.Declaration, now time.Time) ([]File, error) {
	if now.IsZero() {
		now = time.Now()
	}
	kind := fn.Kinds()[0]
	data := map[string]any{"Module": module, "Name": fn.Name, "Description": fn.Description}
	if a, ok := fn.API(); ok {
		data["Paths"] = a.Paths
	}
	if o, ok := fn.ObjectCreated(); ok {
		data["Prefix"] = o.Prefix
	}
	if s, ok := fn.Schedule(); ok {
		data["Cron"] = s.Cron
	}
	var files []File
	for _, g := range []struct{ path, text string }{
		{path.Join("lambda", fn.Name, "main.go"), mainTemplates[kind]},
		{path.Join("internal", fn.Name, fn.Name+".go"), handlerTemplates[kind]},
		{path.Join("internal", fn.Name, fn.Name+"_test.go"), testTemplates[kind]},
	} {
		src, err := render(g.path, g.text, data)
		if err != nil {
			return nil, err
		}
		files = append(files, File{Path: g.path, Data: src})
	}
	name, event, err := fixture(fn, now)
	if err != nil {
		return nil, err
	}
	return append(files, File{Path: path.Join("internal", fn.Name, "testdata", name), Data: event}), nil
}

func render(name, text string, data any) ([]byte, error) {
	tpl, err := template.New(name).Funcs(template.FuncMap{"join": strings.Join}).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("template of %s: %w", name, err)
	}
	var buf bytes.Buffer
	if err := tpl.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("template of %s: %w", name, err)
	}
	src, err := format.Source(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("generated %s does not format: %w", name, err)
	}
	return src, nil
}

// fixtureRegion and fixtureBucket appear in the generated event fixtures.
const (
	fixtureRegion = "eu-west-1"
	fixtureBucket = "app-bucket"
)

// fixture is the AWS-shaped event for the function's trigger, and its file
// name under testdata/.
func fixture(fn functions.Declaration, now time.Time) (string, []byte, error) {
	var name string
	var event any
	switch kind := fn.Kinds()[0]; kind {
	case functions.KindAPI:
		a, _ := fn.API()
		ev, err := events.API(events.APIRequest{Path: examplePath(a.Paths[0]), Resource: a.Paths[0]}, now)
		if err != nil {
			return "", nil, fmt.Errorf("api event for %s: %w", a.Paths[0], err)
		}
		name, event = "api-request.json", ev
	case functions.KindS3:
		o, _ := fn.ObjectCreated()
		name, event = "s3-put.json", events.S3Put(fixtureBucket, o.Prefix+"example file.txt", 5, "5d41402abc4b2a76b9719d911017c592", fixtureRegion, now)
	case functions.KindSchedule:
		name, event = "scheduled.json", events.Schedule("GoLambdaCdk-dev", fn.ConstructID()+"Schedule", fixtureRegion, now)
	default:
		name, event = "invocation.json", map[string]any{"source": "another-function", "detail": map[string]any{}}
	}
	data, err := json.MarshalIndent(event, "", "  ")
	if err != nil {
		return "", nil, err
	}
	return name, append(data, '\n'), nil
}

// examplePath fills a resource path's parameters: "/items/{id}" gives
// "/items/example".
func examplePath(resource string) string {
	parts := strings.Split(resource, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, "{") {
			parts[i] = "example"
		}
	}
	return strings.Join(parts, "/")
}

// modulePath reads the module path from dir/go.mod.
func modulePath(dir string) (string, error) {
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return "", fmt.Errorf("read go.mod: %w", err)
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	return "", errors.New("go.mod has no module line")
}

// Write writes files under moduleDir: a new file must not exist; a file to
// replace (the declarations file) is replaced through a temporary file.
// On error, the files and folders it created are removed and replaced files
// keep their content.
func Write(moduleDir string, files []File) (err error) {
	var created []string // files and folders, in creation order
	defer func() {
		if err != nil {
			for i := len(created) - 1; i >= 0; i-- {
				os.Remove(created[i])
			}
		}
	}()
	for _, f := range files {
		target := filepath.Join(moduleDir, filepath.FromSlash(f.Path))
		if f.Replace {
			if err := replace(target, f.Data); err != nil {
				return err
			}
			continue
		}
		dirs, err := mkdirAll(filepath.Dir(target))
		created = append(created, dirs...)
		if err != nil {
			return err
		}
		out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return err
		}
		created = append(created, target)
		_, err = out.Write(f.Data)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", f.Path, err)
		}
	}
	return nil
}

// mkdirAll creates dir and its missing parents and returns those it
// created, outermost first.
func mkdirAll(dir string) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || filepath.Dir(d) == d {
			break
		}
		missing = append([]string{d}, missing...)
	}
	var created []string
	for _, d := range missing {
		if err := os.Mkdir(d, 0o755); err != nil {
			return created, err
		}
		created = append(created, d)
	}
	return created, nil
}

// replace writes data to path through a temporary file in the same folder.
func replace(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".new-function-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return nil
}

// RefusedError is bad input that Run refused before writing anything.
type RefusedError struct{ Err error }

func (e *RefusedError) Error() string { return "nothing was created:\n" + e.Err.Error() }
func (e *RefusedError) Unwrap() error { return e.Err }

// Run plans and writes the new function, then prints what was created and
// what to do next. Bad input is a *RefusedError.
func Run(opts Options, stdout io.Writer) error {
	fn, files, err := Plan(opts)
	if err != nil {
		return &RefusedError{err}
	}
	if err := Write(opts.ModuleDir, files); err != nil {
		return fmt.Errorf("nothing was created: %w", err)
	}
	fmt.Fprintf(stdout, "new function %s (%s): %s\n", fn.Name, strings.Join(fn.Kinds(), ", "), fn.Description)
	for _, f := range files[:len(files)-1] {
		fmt.Fprintf(stdout, "  created   %s\n", f.Path)
	}
	fmt.Fprintf(stdout, "  declared  in %s: timeout %d s, bucket access %s\n", declare.File, fn.TimeoutSeconds, describeAccess(fn))
	handler := path.Join("internal", fn.Name, fn.Name+".go")
	fmt.Fprintf(stdout, `next:
  1. write the handler in %s and its test: go test ./internal/%s/
  2. adjust its declaration (bucket access, timeout, description) in %s
  3. make synth             # the size table and cdk.out/ show it with its own role, log group and trigger
  4. make update-snapshots  # rewrites the stack snapshots and the local run's template fixture;
                            # review: git diff test/__snapshots__ internal/local/template/testdata
  5. make test
`, handler, fn.Name, declare.File)
	return nil
}

func describeAccess(fn functions.Declaration) string {
	if len(fn.Access) == 0 {
		return "none"
	}
	var parts []string
	for _, s := range fn.Statements() {
		parts = append(parts, strings.Join(s.Actions, ",")+" on "+s.Prefix)
	}
	return strings.Join(parts, "; ")
}
