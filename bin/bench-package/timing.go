package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"go-lambda-cdk/internal/bundle"
)

// timing is the wall time of building n functions.
type timing struct {
	n          int
	cold, warm time.Duration // cold is zero when not measured
	zipBytes   int64         // total of the n zips
}

// timeBuilds builds the first n functions once with a fresh GOCACHE (cold;
// with cold false, once with the user's cache to warm it) and then warmRuns
// times with that cache (warm).
func (b *bench) timeBuilds(ctx context.Context, n int, cold bool, warmRuns int) (timing, error) {
	t := timing{n: n}
	if cold {
		cache, err := os.MkdirTemp(b.tmp, "gocache-")
		if err != nil {
			return t, err
		}
		defer os.RemoveAll(cache)
		// bundle passes this process's environment to go build.
		old, had := os.LookupEnv("GOCACHE")
		os.Setenv("GOCACHE", cache)
		defer func() {
			if had {
				os.Setenv("GOCACHE", old)
			} else {
				os.Unsetenv("GOCACHE")
			}
		}()
	}
	fns := b.fns[:n]
	once := func(label string) (time.Duration, error) {
		start := time.Now()
		results, err := bundle.Build(ctx, bundle.Options{ModuleDir: b.moduleDir, OutDir: filepath.Join(b.tmp, "dist"), NoCache: true}, fns...)
		d := time.Since(start)
		if err != nil {
			return 0, fmt.Errorf("%d functions, %s cache: %w", n, label, err)
		}
		t.zipBytes = 0
		for _, r := range results {
			t.zipBytes += r.ZipBytes
		}
		fmt.Fprintf(b.log, "bench: %d function(s), %s cache: %s\n", n, label, d.Round(10*time.Millisecond))
		return d, nil
	}
	label := "warming the"
	if cold {
		label = "cold"
	}
	first, err := once(label)
	if err != nil {
		return t, err
	}
	if cold {
		t.cold = first
	}
	var warm []time.Duration
	for range warmRuns {
		d, err := once("warm")
		if err != nil {
			return t, err
		}
		warm = append(warm, d)
	}
	slices.Sort(warm)
	t.warm = warm[len(warm)/2]
	return t, nil
}
