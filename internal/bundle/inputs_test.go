package bundle

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestListInputsFollowsEachFunctionsImports: each function's inputs are
// the files of the packages it imports from the module, and only those,
// plus go.mod and its declared extra files; a file of a package it does
// not import, or excluded by a build constraint, is not among them.
func TestListInputsFollowsEachFunctionsImports(t *testing.T) {
	dir := newModule(t, map[string]string{
		"internal/shared/shared.go":         "package shared\n\nfunc Hi() string { return \"hi\" }\n",
		"internal/shared/windows.go":        "//go:build windows\n\npackage shared\n",
		"internal/only/only.go":             "package only\n\nconst X = 1\n",
		"lambda/uses/main.go":               "package main\n\nimport (\n\t\"fmt\"\n\t\"example/internal/shared\"\n)\n\nfunc main() { fmt.Println(shared.Hi()) }\n",
		"lambda/alone/main.go":              helloMain,
		"lambda/alone/config.json":          "{}",
		"lambda/alone/main_test.go":         "package main\n",
		"lambda/uses/testdata/ignored.json": "{}",
	})
	got, err := ListInputs(context.Background(), Options{ModuleDir: dir},
		Target{Name: "uses", Dir: "lambda/uses"},
		Target{Name: "alone", Dir: "lambda/alone", GOARCH: "amd64", Files: []string{"config.json"}})
	if err != nil {
		t.Fatal(err)
	}
	abs := func(names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, filepath.Join(dir, filepath.FromSlash(n)))
		}
		slices.Sort(out)
		return out
	}
	for i, want := range []Inputs{
		{Function: "uses", Files: abs("go.mod", "internal/shared/shared.go", "lambda/uses/main.go"), Dirs: abs("internal/shared", "lambda/uses")},
		{Function: "alone", Files: abs("go.mod", "lambda/alone/config.json", "lambda/alone/main.go"), Dirs: abs("lambda/alone")},
	} {
		t.Run(want.Function, func(t *testing.T) {
			if got[i].Function != want.Function || !slices.Equal(got[i].Files, want.Files) || !slices.Equal(got[i].Dirs, want.Dirs) {
				t.Errorf("inputs %+v\nwant %+v", got[i], want)
			}
		})
	}
}

// TestListInputsBadFunction: a broken import is an error naming the
// function, not an empty watch list.
func TestListInputsBadFunction(t *testing.T) {
	dir := newModule(t, map[string]string{"lambda/bad/main.go": "package main\n\nimport \"example/missing\"\n\nfunc main() { missing.X() }\n"})
	_, err := ListInputs(context.Background(), Options{ModuleDir: dir}, Target{Name: "bad", Dir: "lambda/bad"})
	if err == nil || !strings.Contains(err.Error(), "inputs of bad") {
		t.Errorf("ListInputs = %v, want an error naming function bad", err)
	}
}
