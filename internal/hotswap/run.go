package hotswap

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go-lambda-cdk/internal/bundle"
)

// Builder builds functions' zips; BundleBuilder is the real one.
type Builder interface {
	Build(ctx context.Context, fns ...bundle.Target) ([]bundle.Result, error)
}

// BundleBuilder builds with bundle.Build and its Options (the cache on, by
// default, so an unchanged function is not compiled again).
type BundleBuilder struct{ Options bundle.Options }

var _ Builder = BundleBuilder{}

// Build implements Builder.
func (b BundleBuilder) Build(ctx context.Context, fns ...bundle.Target) ([]bundle.Result, error) {
	return bundle.Build(ctx, b.Options, fns...)
}

// Hotswap builds functions and swaps those whose code changed into one
// deployed stack.
type Hotswap struct {
	Swapper Swapper
	Builder Builder
	// Targets are the deployed functions by declared name (see Resolve).
	Targets map[string]Target
}

// Outcome is what Run did for one function.
type Outcome struct {
	Name string
	// Swapped is meaningful when Err is nil.
	Swapped Swapped
	// Err is the function's build or swap error.
	Err error
}

// Run builds fns (with the cache: an unchanged function is not compiled)
// and swaps every one whose zip is not what its live alias runs, all at
// once. The outcomes are in the order of fns; the error joins every
// function's error.
func (h Hotswap) Run(ctx context.Context, fns []Declared) ([]Outcome, error) {
	builds := make([]bundle.Target, len(fns))
	for i, f := range fns {
		builds[i] = f.Build
	}
	results, _ := h.Builder.Build(ctx, builds...) // each result carries its own error
	out := make([]Outcome, len(fns))
	var wg sync.WaitGroup
	for i, f := range fns {
		o := &out[i]
		o.Name = f.Build.Name
		switch t, ok := h.Targets[o.Name]; {
		case i >= len(results):
			o.Err = fmt.Errorf("%s: not built", o.Name)
		case results[i].Err != nil:
			o.Err = results[i].Err
		case !ok:
			o.Err = fmt.Errorf("%s: not in the deployed stack; deploy it with make deploy first", o.Name)
		default:
			r := results[i]
			wg.Go(func() { o.Swapped, o.Err = h.Swapper.Swap(ctx, t, r.ZipPath, r.SHA256) })
		}
	}
	wg.Wait()
	var errs []error
	for _, o := range out {
		if o.Err != nil {
			errs = append(errs, o.Err)
		}
	}
	return out, errors.Join(errs...)
}

// Line describes an outcome in one line: what changed (cause, e.g.
// "changed lambda/api/main.go"; may be empty), the version now live and the
// time from since to live.
func (o Outcome) Line(cause string, since time.Time) string {
	if cause != "" {
		cause += " → "
	}
	switch s := o.Swapped; {
	case o.Err != nil:
		return fmt.Sprintf("%s: %sFAILED: %v", o.Name, cause, o.Err)
	case !s.Changed:
		return fmt.Sprintf("%s: unchanged, version %s of %s runs this code", o.Name, s.Version, s.Target.FunctionName)
	default:
		return fmt.Sprintf("%s: %slive as version %s (was %s) in %.1fs", o.Name, cause, s.Version, s.Previous, s.Live.Sub(since).Seconds())
	}
}
