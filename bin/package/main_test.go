package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go-lambda-cdk/internal/cli"
	"go-lambda-cdk/internal/fixture"
)

// newModule writes a module with the functions a and b and, when broken,
// one that does not compile, and makes it the working directory.
func newModule(t *testing.T, broken bool) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":           "module example\n\ngo 1.26\n",
		"lambda/a/main.go": "package main\n\nfunc main() { println(\"a\") }\n",
		"lambda/b/main.go": "package main\n\nfunc main() { println(\"b\") }\n",
	}
	if broken {
		files["lambda/broken/main.go"] = "package main\n\nfunc main() { undefinedThing() }\n"
	}
	fixture.WriteFiles(t, dir, files)
	t.Chdir(dir)
	return dir
}

func TestRun(t *testing.T) {
	tests := []struct {
		name      string
		broken    bool
		extra     map[string]string // more files in the module
		declared  []string          // default a, b (and broken)
		args      []string
		wantErr   string // "": success
		wantUsage bool
		wantRows  []string // function and arch of each table row
		wantZips  []string
		// wantWarnings are the folders stderr warns about as undeclared.
		wantWarnings []string
	}{
		{
			name:     "all functions",
			args:     []string{"-out", "out"},
			wantRows: []string{"a  arm64", "b  arm64"},
			wantZips: []string{"a.zip", "b.zip"},
		},
		{
			name:     "named function, amd64",
			args:     []string{"-arch", "amd64", "b"},
			wantRows: []string{"b  amd64"},
			wantZips: []string{"b.zip"},
		},
		{
			name:     "one broken function",
			broken:   true,
			args:     []string{"-out", "out"},
			wantErr:  "build broken: compile: ",
			wantRows: []string{"a  arm64", "b  arm64", "broken  arm64"},
			wantZips: []string{"a.zip", "b.zip"},
		},
		{
			name: "architecture from the stage's configuration in cdk.json",
			extra: map[string]string{
				"lambda/report/main.go": "package main\n\nfunc main() {}\n",
				"cdk.json":              `{"app": "go run ./bin/app", "context": {"functions.report.architecture": "x86_64"}}`,
			},
			declared: []string{"a", "b", "report"},
			args:     []string{"-stage", "prod", "report", "a"},
			wantRows: []string{"report  amd64", "a  arm64"},
			wantZips: []string{"a.zip", "report.zip"},
		},
		{
			name:         "undeclared folder",
			declared:     []string{"a"},
			args:         []string{"-out", "out"},
			wantRows:     []string{"a  arm64"},
			wantZips:     []string{"a.zip"},
			wantWarnings: []string{"lambda/b"},
		},
		{
			name:    "unknown stage",
			args:    []string{"-stage", "qa"},
			wantErr: `stage: "qa" is not a known stage; allowed: "dev", "prod"`,
		},
		{
			name:    "bad architecture in cdk.json",
			extra:   map[string]string{"cdk.json": `{"context": {"functions.api.architecture": 64}}`},
			wantErr: "context functions.api.architecture: value 64",
		},
		{
			name:      "unknown architecture",
			args:      []string{"-arch", "x86_64"},
			wantErr:   `-arch "x86_64": allowed: arm64, amd64`,
			wantUsage: true,
		},
		{
			name:      "unknown function",
			args:      []string{"a", "nope"},
			wantErr:   `unknown function "nope"; known: a, b`,
			wantUsage: true,
		},
		{
			name:      "unknown flag",
			args:      []string{"-fast"},
			wantErr:   "flag provided but not defined: -fast",
			wantUsage: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := newModule(t, tt.broken)
			fixture.WriteFiles(t, dir, tt.extra)
			var stdout, stderr bytes.Buffer
			declared := tt.declared
			if declared == nil {
				declared = []string{"a", "b"}
				if tt.broken {
					declared = append(declared, "broken")
				}
			}
			err := run(context.Background(), tt.args, declared, &stdout, &stderr)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("run: %v\nstderr:\n%s", err, &stderr)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("run = %v, want an error containing %q", err, tt.wantErr)
			}
			if got := errors.As(err, new(cli.UsageError)); got != tt.wantUsage {
				t.Errorf("usage error: %v, want %v (%v)", got, tt.wantUsage, err)
			}
			var warned []string
			for _, line := range strings.Split(stderr.String(), "\n") {
				if rest, ok := strings.CutPrefix(line, "warning: "); ok {
					folder, _, _ := strings.Cut(rest, " ")
					warned = append(warned, folder)
					if !strings.Contains(rest, "make new-function NAME="+filepath.Base(folder)) {
						t.Errorf("warning %q does not say how to declare %s", line, folder)
					}
				}
			}
			if !slices.Equal(warned, tt.wantWarnings) {
				t.Errorf("warnings about %q, want %q; stderr:\n%s", warned, tt.wantWarnings, &stderr)
			}
			rows := strings.Split(strings.TrimSpace(stdout.String()), "\n")[1:]
			if len(rows) != len(tt.wantRows) {
				t.Fatalf("table rows %q, want %d", rows, len(tt.wantRows))
			}
			for i, want := range tt.wantRows {
				if !strings.HasPrefix(strings.Join(strings.Fields(rows[i])[:2], "  "), want) {
					t.Errorf("row %q, want it to start with %q", rows[i], want)
				}
			}
			out := "dist"
			if len(tt.args) > 1 && tt.args[0] == "-out" {
				out = tt.args[1]
			}
			zips, _ := filepath.Glob(filepath.Join(dir, out, "*.zip"))
			for i := range zips {
				zips[i] = filepath.Base(zips[i])
			}
			if strings.Join(zips, ",") != strings.Join(tt.wantZips, ",") {
				t.Errorf("zips %v, want %v", zips, tt.wantZips)
			}
		})
	}
}
