package scaffold

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/declare"
)

func TestParseTrigger(t *testing.T) {
	tests := []struct {
		spec    string
		want    functions.Trigger
		wantErr string
	}{
		{"none", nil, ""},
		{"api:/items", functions.API{Paths: []string{"/items"}}, ""},
		{"api:/items, /items/{id}", functions.API{Paths: []string{"/items", "/items/{id}"}}, ""},
		{"s3:images/", functions.ObjectCreated{Prefix: "images/"}, ""},
		{"schedule:0 6 * * ? *", functions.Schedule{Cron: "0 6 * * ? *"}, ""},
		{"schedule:cron(0 6 * * ? *)", functions.Schedule{Cron: "0 6 * * ? *"}, ""},
		{"api:items", nil, `path "items" must start with "/"`},
		{"s3:images", nil, `prefix "images" is not a key prefix`},
		{"schedule:0 6 * * *", nil, "has 5 fields"},
		{"schedule:0 6 1 * MON *", nil, "exactly one of day-of-month and day-of-week"},
		{"sqs:queue", nil, `unknown kind "sqs"`},
		{"api", nil, "want api:/path"},
		{"", nil, "want api:/path"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := ParseTrigger(tt.spec)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseTrigger = %v, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseTrigger = %#v, %v; want %#v", got, err, tt.want)
			}
		})
	}
}

const declaredSrc = `package functions

var declared = []Declaration{
	{
		Name:           "api",
		Description:    "REST API",
		Triggers:       []Trigger{API{Paths: []string{"/health"}}},
		TimeoutSeconds: 10,
	},
	// make new-function appends here.
}
`

// newModule writes a module skeleton: go.mod and the declarations file.
func newModule(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write(t, dir, "go.mod", "module example.com/app\n\ngo 1.26\n")
	write(t, dir, declare.File, declaredSrc)
	return dir
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	path := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// tree lists every file under dir with its content.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(path)
			rel, _ := filepath.Rel(dir, path)
			out[filepath.ToSlash(rel)] = string(data)
		}
		return err
	})
	return out
}

var existing = []functions.Declaration{{Name: "api", Description: "REST API", TimeoutSeconds: 10,
	Triggers: []functions.Trigger{functions.API{Paths: []string{"/health"}}}}}

// TestRefusedBeforeWriting: bad input leaves the module exactly as it was.
func TestRefusedBeforeWriting(t *testing.T) {
	tests := []struct {
		name, fn, trigger string
		setup             func(t *testing.T, dir string)
		want              []string
	}{
		{"declared name", "api", "none", nil, []string{`a function "api" is already declared`}},
		{"name with a dash", "thumb-nail", "none", nil, []string{"not a lower-case Go package name"}},
		{"upper case", "Thumbs", "none", nil, []string{"not a lower-case Go package name"}},
		{"Go keyword", "type", "none", nil, []string{"Go keyword"}},
		{"too long for Lambda", strings.Repeat("a", 30), "none", nil, []string{"at most 24"}},
		{"unknown trigger", "thumbs", "sqs:x", nil, []string{`unknown kind "sqs"`}},
		{"bad cron", "nightly", "schedule:0 0 * * *", nil, []string{"has 5 fields"}},
		{"path of another function", "health", "api:/health", nil, []string{`"/health" is already routed to the api function`}},
		{"folder exists", "thumbs", "none", func(t *testing.T, dir string) { write(t, dir, "internal/thumbs/x.go", "package thumbs\n") }, []string{"internal/thumbs already exists"}},
		{"every problem at once", "Bad", "cron:x", nil, []string{"NAME:", "TRIGGER:"}},
		{"a declared name and a bad trigger at once", "api", "cron:x", nil, []string{`a function "api" is already declared`, `TRIGGER: trigger "cron:x"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := newModule(t)
			if tt.setup != nil {
				tt.setup(t, dir)
			}
			before := tree(t, dir)
			err := Run(Options{ModuleDir: dir, Name: tt.fn, Trigger: tt.trigger, Declared: existing}, new(strings.Builder))
			if refused := new(RefusedError); !errors.As(err, &refused) {
				t.Fatalf("error %v, want a *RefusedError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if after := tree(t, dir); !reflect.DeepEqual(before, after) {
				t.Errorf("files changed although the input was refused")
			}
		})
	}
}

func TestCreatesEveryKind(t *testing.T) {
	now := time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC)
	tests := []struct {
		name, trigger, fixture string
		want                   functions.Declaration
	}{
		{"items", "api:/items/{id}", "api-request.json", functions.Declaration{Name: "items", Description: "Answers the REST API's /items/{id}", TimeoutSeconds: 10,
			Triggers: []functions.Trigger{functions.API{Paths: []string{"/items/{id}"}}}}},
		{"thumbs", "s3:images/", "s3-put.json", functions.Declaration{Name: "thumbs", Description: "Processes each object created under images/", TimeoutSeconds: 60,
			Triggers: []functions.Trigger{functions.ObjectCreated{Prefix: "images/"}}, Access: []functions.Access{{Prefix: "images/", Read: true}}}},
		{"nightly", "schedule:0 6 * * ? *", "scheduled.json", functions.Declaration{Name: "nightly", Description: "Runs on the schedule cron(0 6 * * ? *)", TimeoutSeconds: 60,
			Triggers: []functions.Trigger{functions.Schedule{Cron: "0 6 * * ? *"}}, Access: []functions.Access{{Prefix: "nightly/", Write: true}}}},
		{"worker", "none", "invocation.json", functions.Declaration{Name: "worker", Description: "Invoked asynchronously by other functions", TimeoutSeconds: 60}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := newModule(t)
			var out strings.Builder
			if err := Run(Options{ModuleDir: dir, Name: tt.name, Trigger: tt.trigger, Declared: existing, Now: now}, &out); err != nil {
				t.Fatal(err)
			}
			files := tree(t, dir)
			for _, f := range []string{"lambda/" + tt.name + "/main.go", "internal/" + tt.name + "/" + tt.name + ".go",
				"internal/" + tt.name + "/" + tt.name + "_test.go", "internal/" + tt.name + "/testdata/" + tt.fixture} {
				if files[f] == "" {
					t.Errorf("%s not created; files: %v", f, keys(files))
				}
			}
			if main := files["lambda/"+tt.name+"/main.go"]; !strings.Contains(main, `"example.com/app/internal/`+tt.name+`"`) {
				t.Errorf("main.go does not import the module's handler package:\n%s", main)
			}
			names, err := declaredNames([]byte(files[declare.File]))
			if err != nil || !slices.Equal(names, []string{"api", tt.name}) {
				t.Fatalf("declared names %v (%v), want api then %s:\n%s", names, err, tt.name, files[declare.File])
			}
			if want := declarationSource(tt.want); !strings.Contains(strings.Join(strings.Fields(files[declare.File]), " "), strings.Join(strings.Fields(want), " ")) {
				t.Errorf("declarations lack\n%s\ngot\n%s", want, files[declare.File])
			}
			for _, w := range []string{"created   lambda/" + tt.name + "/main.go", "make update-snapshots", "make test"} {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestWriteRollsBack: a failure half-way removes what was written and
// keeps the file to replace as it was.
func TestWriteRollsBack(t *testing.T) {
	dir := newModule(t)
	before := tree(t, dir)
	err := Write(dir, []File{
		{Path: "lambda/x/main.go", Data: []byte("package main\n")},
		{Path: "internal/x/x.go", Data: []byte("package x\n")},
		{Path: "go.mod", Data: []byte("clobbered\n")}, // exists, not to replace: fails
		{Path: declare.File, Data: []byte("changed\n"), Replace: true},
	})
	if err == nil {
		t.Fatal("writing over an existing file succeeded")
	}
	if after := tree(t, dir); !reflect.DeepEqual(before, after) {
		t.Errorf("files after a failed write: %v, want %v", keys(after), keys(before))
	}
	if _, err := os.Stat(filepath.Join(dir, "lambda")); err == nil {
		t.Error("folder lambda/ left behind")
	}
}
