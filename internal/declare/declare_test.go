package declare

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/fixture"
)

func TestDeclaredFunctionsAreValid(t *testing.T) {
	if err := Validate(functions.All()); err != nil {
		t.Fatal(err)
	}
}

// TestValidate has one case per rule: each changes a valid
// declaration and expects no error or one containing every fragment.
func TestValidate(t *testing.T) {
	valid := func() functions.Declaration {
		return functions.Declaration{
			Name: "thumbnail", Description: "Makes thumbnails", TimeoutSeconds: 30,
			Triggers: []functions.Trigger{functions.ObjectCreated{Prefix: "images/", Suffixes: []string{".png"}}},
			Access:   []functions.Access{{Prefix: "images/", Read: true}, {Prefix: "thumbnails/", Write: true}},
		}
	}
	tests := []struct {
		name   string
		change func(*functions.Declaration)
		others []functions.Declaration
		want   []string
	}{
		{"valid", func(f *functions.Declaration) {}, nil, nil},
		{"name with a dash", func(f *functions.Declaration) { f.Name = "thumb-nail" }, nil, []string{`function "thumb-nail"`, "Name", "not a lower-case Go package name"}},
		{"upper-case name", func(f *functions.Declaration) { f.Name = "Thumbnail" }, nil, []string{"not a lower-case Go package name"}},
		{"keyword", func(f *functions.Declaration) { f.Name = "func" }, nil, []string{"Go keyword"}},
		{"main", func(f *functions.Declaration) { f.Name = "main" }, nil, []string{"reserved"}},
		{"too long", func(f *functions.Declaration) { f.Name = strings.Repeat("a", 25) }, nil, []string{"25 characters", "at most 24"}},
		{"declared twice", func(f *functions.Declaration) {}, []functions.Declaration{valid()}, []string{"declared twice"}},
		{"no description", func(f *functions.Declaration) { f.Description = "" }, nil, []string{"Description", "allowed 1 to 256"}},
		{"timeout over 900", func(f *functions.Declaration) { f.TimeoutSeconds = 901 }, nil, []string{"TimeoutSeconds", "901", "1 to 900"}},
		{"api trigger: timeout over 29", func(f *functions.Declaration) {
			f.Triggers = []functions.Trigger{functions.API{Paths: []string{"/thumbs"}}}
		}, nil, []string{"TimeoutSeconds", "30", "1 to 29"}},
		{"two triggers of a kind", func(f *functions.Declaration) {
			f.Triggers = append(f.Triggers, functions.ObjectCreated{Prefix: "other/"})
		}, nil, []string{"Triggers[1]", "second s3 trigger"}},
		{"nil trigger", func(f *functions.Declaration) { f.Triggers = []functions.Trigger{nil} }, nil, []string{"Triggers[0]", "nil"}},
		{"bad path", func(f *functions.Declaration) {
			f.TimeoutSeconds = 10
			f.Triggers = []functions.Trigger{functions.API{Paths: []string{"thumbs/"}}}
		}, nil, []string{"Triggers[0].Paths[0]", `"thumbs/"`, `must start with "/"`}},
		{"greedy parameter in the middle", func(f *functions.Declaration) {
			f.TimeoutSeconds = 10
			f.Triggers = []functions.Trigger{functions.API{Paths: []string{"/a/{proxy+}/b"}}}
		}, nil, []string{"greedy"}},
		{"public path and upload route", func(f *functions.Declaration) {
			f.TimeoutSeconds = 10
			f.Triggers = []functions.Trigger{functions.API{Paths: []string{"/ping", "/items"}, Public: []string{"/ping"}, UploadRoutes: []functions.Route{{Method: "PUT", Path: "/items"}}}}
		}, nil, nil},
		{"public path not routed", func(f *functions.Declaration) {
			f.TimeoutSeconds = 10
			f.Triggers = []functions.Trigger{functions.API{Paths: []string{"/items"}, Public: []string{"/health"}}}
		}, nil, []string{"Triggers[0].Public[0]", `"/health" is not one of the trigger's Paths ["/items"]`}},
		{"public path twice", func(f *functions.Declaration) {
			f.TimeoutSeconds = 10
			f.Triggers = []functions.Trigger{functions.API{Paths: []string{"/items"}, Public: []string{"/items", "/items"}}}
		}, nil, []string{"Triggers[0].Public[1]", "given twice"}},
		{"upload route on another path", func(f *functions.Declaration) {
			f.TimeoutSeconds = 10
			f.Triggers = []functions.Trigger{functions.API{Paths: []string{"/items"}, UploadRoutes: []functions.Route{{Method: "POST", Path: "/uploads"}}}}
		}, nil, []string{"Triggers[0].UploadRoutes[0]", `"POST /uploads"`, `path "/uploads" is not one of`}},
		{"upload route on ANY", func(f *functions.Declaration) {
			f.TimeoutSeconds = 10
			f.Triggers = []functions.Trigger{functions.API{Paths: []string{"/items"}, UploadRoutes: []functions.Route{{Method: "ANY", Path: "/items"}}}}
		}, nil, []string{"Triggers[0].UploadRoutes[0]", `method "ANY" is not allowed`, `"POST"`}},
		{"upload route twice", func(f *functions.Declaration) {
			f.TimeoutSeconds = 10
			r := functions.Route{Method: "POST", Path: "/items"}
			f.Triggers = []functions.Trigger{functions.API{Paths: []string{"/items"}, UploadRoutes: []functions.Route{r, r}}}
		}, nil, []string{"Triggers[0].UploadRoutes[1]", "given twice"}},
		{"path routed twice", func(f *functions.Declaration) {
			f.TimeoutSeconds = 10
			f.Triggers = []functions.Trigger{functions.API{Paths: []string{"/items/{id}"}}}
		}, []functions.Declaration{{Name: "items", Description: "x", TimeoutSeconds: 10, Triggers: []functions.Trigger{functions.API{Paths: []string{"/items/{id}"}}}}},
			[]string{`"/items/{id}" is already routed to the items function`}},
		{"api without paths", func(f *functions.Declaration) {
			f.TimeoutSeconds = 10
			f.Triggers = []functions.Trigger{functions.API{}}
		}, nil, []string{"Paths", "at least one path"}},
		{"prefix without slash", func(f *functions.Declaration) {
			f.Triggers = []functions.Trigger{functions.ObjectCreated{Prefix: "images"}}
		}, nil, []string{"Triggers[0].Prefix", `"images"`, "not a key prefix"}},
		{"wildcard suffix", func(f *functions.Declaration) {
			f.Triggers = []functions.Trigger{functions.ObjectCreated{Prefix: "images/", Suffixes: []string{"*.png"}}}
		}, nil, []string{"Suffixes[0]", "no wildcards"}},
		{"bad cron", func(f *functions.Declaration) {
			f.Triggers = []functions.Trigger{functions.Schedule{Cron: "0 0 * * *"}}
		}, nil, []string{"Triggers[0].Cron", "5 fields; want 6"}},
		{"access granting nothing", func(f *functions.Declaration) { f.Access = []functions.Access{{Prefix: "images/"}} }, nil, []string{"Access[0]", "grants nothing"}},
		{"access prefix twice", func(f *functions.Declaration) {
			f.Access = []functions.Access{{Prefix: "images/", Read: true}, {Prefix: "images/", Write: true}}
		}, nil, []string{"Access[1].Prefix", "given twice"}},
		{"access on the whole bucket", func(f *functions.Declaration) { f.Access = []functions.Access{{Prefix: "", Read: true}} }, nil, []string{"Access[0].Prefix", "not a key prefix"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := valid()
			tt.change(&f)
			err := Validate(append(tt.others, f))
			fixture.ErrorContains(t, err, tt.want)
		})
	}
}

// TestUndeclaredWarnings: a lambda/<name> folder with a main package and no
// declaration gets one warning naming the folder and how to declare it;
// declared folders, folders of another package or without Go files, and a
// module without lambda/ get none.
func TestUndeclaredWarnings(t *testing.T) {
	module := func(t *testing.T, files map[string]string) string {
		t.Helper()
		dir := t.TempDir()
		for name, content := range files {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	const mainPkg = "package main\n\nfunc main() {}\n"
	tests := []struct {
		name     string
		files    map[string]string
		declared []string
		want     [][]string // fragments of each warning, in folder order
	}{
		{"every folder declared", map[string]string{"lambda/a/main.go": mainPkg, "lambda/b/main.go": mainPkg}, []string{"a", "b"}, nil},
		{"one folder undeclared", map[string]string{"lambda/a/main.go": mainPkg, "lambda/thumbs/main.go": mainPkg}, []string{"a"}, [][]string{{
			"lambda/thumbs holds a main package but no function \"thumbs\" is declared, so make package and make synth leave it out",
			`add {Name: "thumbs", ...} to ` + File, "make new-function NAME=thumbs TRIGGER="}}},
		{"two undeclared, sorted", map[string]string{"lambda/z/main.go": mainPkg, "lambda/y/main.go": mainPkg}, nil, [][]string{{"lambda/y "}, {"lambda/z "}}},
		{"not a main package, no Go files, a file", map[string]string{
			"lambda/a/main.go": mainPkg, "lambda/lib/lib.go": "package lib\n", "lambda/docs/README.md": "notes\n", "lambda/notes.txt": "x\n"}, []string{"a"}, nil},
		{"no lambda folder", map[string]string{"go.mod": "module example\n"}, []string{"a"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := UndeclaredWarnings(module(t, tt.files), tt.declared)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("warnings %q, want %d", got, len(tt.want))
			}
			for i, frags := range tt.want {
				for _, f := range frags {
					if !strings.Contains(got[i], f) {
						t.Errorf("warning %q lacks %q", got[i], f)
					}
				}
			}
		})
	}
}
