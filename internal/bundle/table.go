package bundle

import (
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"text/tabwriter"
	"time"
)

// ForFunction is what to build for the declared function called name: its
// main package lambda/<name>, for goarch ("" is DefaultGOARCH). It is the
// one mapping from a declared function to its build.
func ForFunction(name, goarch string) Target {
	return Target{Name: name, Dir: path.Join(LambdaDir, name), GOARCH: goarch}
}

// LambdaDir is the folder, relative to the module root, that holds one
// folder per function.
const LambdaDir = "lambda"

// Discover lists the lambda/<name> folders under moduleDir that hold a main
// package, sorted by name, with GOARCH left empty (the default). Folders
// holding no Go files or another package are skipped.
func Discover(moduleDir string) ([]Target, error) {
	dirents, err := os.ReadDir(filepath.Join(moduleDir, LambdaDir))
	if err != nil {
		return nil, fmt.Errorf("discover functions: %w", err)
	}
	var fns []Target
	for _, d := range dirents {
		if !d.IsDir() {
			continue
		}
		dir := filepath.Join(LambdaDir, d.Name())
		if checkMainPackage(filepath.Join(moduleDir, dir), DefaultGOARCH) != nil {
			continue
		}
		fns = append(fns, Target{Name: d.Name(), Dir: dir})
	}
	return fns, nil
}

// WriteTable prints one row per result: function, architecture, bootstrap
// and zip bytes, the share of the zipped and unzipped limits, build time and
// status ("ok", "warning" or "FAILED"; the errors themselves are not
// printed), "cached" for a zip reused from the cache ("cached, warning" and
// so on when not ok). A size not measured is shown as "-".
func WriteTable(w io.Writer, results []Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FUNCTION\tARCH\tBOOTSTRAP BYTES\tZIP BYTES\tOF ZIPPED LIMIT\tOF UNZIPPED LIMIT\tTIME\tSTATUS")
	for _, r := range results {
		status := "ok"
		switch {
		case r.Err != nil:
			status = "FAILED"
		case len(r.Warnings) > 0:
			status = "warning"
		}
		if r.Cached {
			status = "cached, " + status
			if r.Err == nil && len(r.Warnings) == 0 {
				status = "cached"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			r.Function.Name, r.Function.GOARCH,
			sizeCell(r.BootstrapBytes), sizeCell(r.ZipBytes),
			shareCell(ZippedLimit, r.ZipBytes), shareCell(UnzippedLimit, r.UnzippedBytes),
			r.Duration.Round(10*time.Millisecond), status)
	}
	tw.Flush()
}

func sizeCell(n int64) string {
	if n == 0 {
		return "-"
	}
	return GroupDigits(n)
}

func shareCell(l Limit, n int64) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", l.Percent(n))
}
