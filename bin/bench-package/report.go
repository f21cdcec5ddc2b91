package main

import (
	"fmt"
	"runtime"
	"strings"
	"time"

	"go-lambda-cdk/internal/bundle"
)

// sectionHeading starts the section of docs/benchmarks.md this command owns.
const sectionHeading = "## Build step"

// report is everything measured.
type report struct {
	arch     string
	warmRuns int
	cold     bool
	timings  []timing
	sizes    []sizes
	// 1-minute load averages from /proc/loadavg, "unknown" elsewhere
	loadBefore, loadAfter string
	// whether two checkouts at different paths gave the same zip bytes
	naiveSame, bundleSame bool
}

func (r *report) markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("%s\n\n", sectionHeading)
	p("Measured by `go run ./bin/bench-package` (part of `make bench`) on %s with %s, %d CPUs (%s/%s host), building for linux/%s; ",
		time.Now().UTC().Format("2006-01-02"), runtime.Version(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, r.arch)
	p("1-minute load average %s before the run and %s after it. Times depend much on other load on the machine (2 CPUs shared with other work), cold ones most.\n\n", r.loadBefore, r.loadAfter)

	p("### Build + zip time\n\n")
	p("Wall time of `bundle.Build` (compile, ELF check, zip, limit check; builds run in parallel, one per CPU). ")
	p("Functions are this repository's `lambda/*` copied round-robin to distinct folders, so each is its own main package. ")
	p("Cold: a fresh `GOCACHE`, so the standard library and every dependency is compiled for the target. ")
	p("Warm: the same cache again (median of %d runs); only the link and the zip run, since `go build -o` does not cache linked binaries.\n\n", r.warmRuns)
	p("| functions | cold cache | warm cache | zip bytes, total |\n|---:|---:|---:|---:|\n")
	for _, t := range r.timings {
		cold := "not measured"
		if r.cold {
			cold = seconds(t.cold)
		}
		p("| %d | %s | %s | %s |\n", t.n, cold, seconds(t.warm), bundle.GroupDigits(t.zipBytes))
	}

	p("\n### Size against a naive `go build && zip`\n\n")
	p("Naive: `GOOS=linux GOARCH=%s CGO_ENABLED=0 go build -o bootstrap ./lambda/<name> && zip bootstrap.zip bootstrap`, ", r.arch)
	p("as most Go CDK samples do (symbol table and DWARF kept, aws-lambda-go's RPC path compiled in). ")
	p("Bundle: `-trimpath -buildvcs=false -ldflags \"-s -w -buildid=\" -tags lambda.norpc`, deterministic zip. ")
	p("Ratio: naive size / bundle size.\n\n")
	p("| function | naive bootstrap | bundle bootstrap | ratio | naive zip | bundle zip | ratio |\n|---|---:|---:|---:|---:|---:|---:|\n")
	var naiveZip, bundleZip, naiveBin, bundleBin int64
	for _, s := range r.sizes {
		p("| %s | %s | %s | %.2f× | %s | %s | %.2f× |\n", s.name,
			bundle.GroupDigits(s.naiveBootstrap), bundle.GroupDigits(s.bundleBootstrap), ratio(s.naiveBootstrap, s.bundleBootstrap),
			bundle.GroupDigits(s.naiveZip), bundle.GroupDigits(s.bundleZip), ratio(s.naiveZip, s.bundleZip))
		naiveZip += s.naiveZip
		bundleZip += s.bundleZip
		naiveBin += s.naiveBootstrap
		bundleBin += s.bundleBootstrap
	}
	if sameBootstrapSizes(r.sizes) {
		p("\nThe bundle bootstraps all have the same size although their contents differ (see the zips): the linker aligns segments (to 64 KiB for arm64), and the files, without symbols, end where the last segment does.\n")
	}
	p("\nOver all functions the bundle's bootstraps are %.2f× smaller and its zips %.2f× smaller (%.0f %% of the naive zip bytes).\n",
		ratio(naiveBin, bundleBin), ratio(naiveZip, bundleZip), 100*float64(bundleZip)/float64(naiveZip))

	p("\n### Same zip from two checkouts\n\n")
	p("`%s` built from two copies of the module at different paths, 2 s apart: ", r.sizes[0].name)
	p("naive zips byte-identical: **%s**; bundle zips byte-identical: **%s**. ", yesNo(r.naiveSame), yesNo(r.bundleSame))
	p("A zip that changes although the code did not changes the CDK asset hash, so the function is uploaded and redeployed on every fresh clone or CI run.\n")
	return b.String()
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func ratio(a, b int64) float64 { return float64(a) / float64(b) }

func sameBootstrapSizes(all []sizes) bool {
	for _, s := range all {
		if s.bundleBootstrap != all[0].bundleBootstrap {
			return false
		}
	}
	return len(all) > 1
}
