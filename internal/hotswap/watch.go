package hotswap

import (
	"context"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"time"

	"go-lambda-cdk/internal/bundle"
)

// Watch hotswaps each function when a file it is built from changes, and
// streams the logs of the functions it swapped.
type Watch struct {
	Hotswap   Hotswap
	Functions []Declared
	// Inputs lists each function's build inputs (bundle.ListInputs).
	Inputs func(ctx context.Context, fns ...bundle.Target) ([]bundle.Inputs, error)
	// Logs reads the swapped functions' log groups; nil streams nothing.
	Logs LogsAPI
	// Ticks paces the polls of the files (every 300 ms in make watch). A
	// change is acted on at the first tick that sees no further change, so
	// a burst of saves (an editor's, a git checkout) makes one swap.
	Ticks <-chan time.Time
	// LogTicks paces the reads of the logs (every 2 s in make watch:
	// FilterLogEvents allows a few calls per second per account).
	LogTicks <-chan time.Time
	// Out receives one line per swap and the log events.
	Out io.Writer
	// Root is the folder the changed files are shown relative to.
	Root string
	// Now tells the time. Default: time.Now.
	Now func() time.Time
}

// change is what accumulated since the last swap.
type change struct {
	paths map[string]bool
	saved time.Time // the newest modification time among them
}

// Run hotswaps every function once (so the stack runs the work tree's
// code), then on each change until ctx ends, which is not an error.
func (w *Watch) Run(ctx context.Context) error {
	now := w.Now
	if now == nil {
		now = time.Now
	}
	started := now()
	tails := map[string]*logTail{}
	swap := func(fns []Declared, cause func(name string) string, since func(name string) time.Time) {
		outcomes, _ := w.Hotswap.Run(ctx, fns)
		for _, o := range outcomes {
			if ctx.Err() != nil {
				return
			}
			if o.Err == nil && !o.Swapped.Changed && cause(o.Name) != "" {
				continue // rebuilt to the same zip: an edit that changes nothing
			}
			fmt.Fprintln(w.Out, o.Line(cause(o.Name), since(o.Name)))
			if o.Err == nil && w.Logs != nil && tails[o.Name] == nil {
				tails[o.Name] = newLogTail(o.Swapped.Target, o.Swapped.Live.UnixMilli())
			}
		}
	}
	builds := make([]bundle.Target, len(w.Functions))
	for i, f := range w.Functions {
		builds[i] = f.Build
	}
	fmt.Fprintf(w.Out, "watch: bringing %d functions up to date\n", len(w.Functions))
	swap(w.Functions, func(string) string { return "" }, func(string) time.Time { return started })
	inputs, err := w.Inputs(ctx, builds...)
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("list the files to watch: %w", err)
	}
	set := &bundle.Watcher{}
	set.Set(inputs)
	fmt.Fprintf(w.Out, "watch: watching %d files and folders; Ctrl-C stops\n", set.Len())
	pending := change{paths: map[string]bool{}}
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintln(w.Out, "watch: stopped")
			return nil
		case <-w.LogTicks:
			for _, name := range slices.Sorted(maps.Keys(tails)) {
				tails[name].poll(ctx, w.Logs, w.Out)
			}
		case <-w.Ticks:
			if changed := set.Poll(); len(changed) > 0 {
				for _, p := range changed {
					pending.paths[p] = true
					if st := set.Stamp(p); st.Mod.After(pending.saved) {
						pending.saved = st.Mod
					} else if st.Mod.IsZero() && pending.saved.IsZero() {
						pending.saved = now() // a removal, or a folder's files renamed, has no time of its own
					}
				}
				continue // act at the first quiet tick
			}
			if len(pending.paths) == 0 {
				continue
			}
			fns, causes := w.affected(set, pending.paths)
			saved := pending.saved
			pending = change{paths: map[string]bool{}}
			swap(fns, func(name string) string { return causes[name] }, func(string) time.Time { return saved })
			if inputs, err := w.Inputs(ctx, builds...); err == nil {
				set.Set(inputs)
			} else if ctx.Err() == nil {
				fmt.Fprintf(w.Out, "watch: the files to watch were not listed again (%v); watching the previous ones\n", err)
			}
		}
	}
}

// affected returns the functions built from the changed paths, in
// declaration order, each with a cause: "changed <path>" and how many more.
func (w *Watch) affected(set *bundle.Watcher, paths map[string]bool) ([]Declared, map[string]string) {
	byName := map[string][]string{}
	sorted := slices.Sorted(maps.Keys(paths))
	// Files first: a folder changes with every file saved by a rename.
	slices.SortStableFunc(sorted, func(a, b string) int { return compareBool(set.IsDir(a), set.IsDir(b)) })
	for _, p := range sorted {
		for _, name := range set.Owners(p) {
			if !set.IsDir(p) || len(byName[name]) == 0 {
				byName[name] = append(byName[name], p)
			}
		}
	}
	var fns []Declared
	causes := map[string]string{}
	for _, f := range w.Functions {
		changed := byName[f.Build.Name]
		if len(changed) == 0 {
			continue
		}
		fns = append(fns, f)
		shown := changed[0]
		if rel, err := filepath.Rel(w.Root, shown); err == nil && filepath.IsLocal(rel) {
			shown = rel
		}
		causes[f.Build.Name] = "changed " + shown
		if len(changed) > 1 {
			causes[f.Build.Name] += fmt.Sprintf(" (and %d more)", len(changed)-1)
		}
	}
	return fns, causes
}

// compareBool orders false before true.
func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
