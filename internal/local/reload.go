package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"go-lambda-cdk/internal/bundle"
	"go-lambda-cdk/internal/local/template"
	"go-lambda-cdk/internal/rie"
)

// DefaultReloadInterval is how often Options.Reload checks the files.
const DefaultReloadInterval = 250 * time.Millisecond

// reloadSettle is how long a change must stay quiet before it is built:
// an editor's save (write, or write to a temporary file and rename) and a
// `git checkout` of several files end within it.
const reloadSettle = 100 * time.Millisecond

// pool is the emulators of one function. Invocations go to its current
// generation; a reload starts a new generation and swaps it in, and the
// old one stops once its invocations are done.
type pool struct {
	fn       template.LambdaFunction
	n        int         // emulators per generation
	emulator rie.Options // without Bootstrap

	mu  sync.Mutex
	cur *generation
}

// generation is the emulators of one build of a function; each serves one
// invocation at a time.
type generation struct {
	free     chan *rie.Emulator
	all      []*rie.Emulator
	active   sync.WaitGroup // invocations that took this generation
	replaced chan struct{}  // closed when a new generation takes over
	// dir is the folder of a reload's build, removed with the generation;
	// "" for the build Start made.
	dir string
}

// start starts a generation of p.n emulators running bootstrap.
func (p *pool) start(ctx context.Context, bootstrap string) (*generation, error) {
	g := &generation{free: make(chan *rie.Emulator, p.n), replaced: make(chan struct{})}
	opts := p.emulator
	opts.Bootstrap = bootstrap
	for range p.n {
		e, err := rie.Start(ctx, opts)
		if err != nil {
			g.close()
			return nil, fmt.Errorf("local: start %s: %w", p.fn.Name, err)
		}
		g.all = append(g.all, e)
		g.free <- e
	}
	return g, nil
}

// current returns the generation invocations go to.
func (p *pool) current() *generation {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cur
}

// swap makes g the current generation and returns the one it replaces.
func (p *pool) swap(g *generation) *generation {
	p.mu.Lock()
	defer p.mu.Unlock()
	old := p.cur
	p.cur = g
	close(old.replaced)
	return old
}

// invoke runs one invocation on a free emulator of the current
// generation, waiting for one; an invocation still waiting when a new
// generation takes over moves to it.
func (p *pool) invoke(ctx context.Context, payload []byte) (rie.Response, error) {
	for {
		// Taking the generation and counting the invocation in it happen
		// under the lock that swap takes, so a replaced generation's
		// count only goes down.
		p.mu.Lock()
		g := p.cur
		g.active.Add(1)
		p.mu.Unlock()
		select {
		case e := <-g.free:
			resp, err := e.Invoke(ctx, payload)
			g.free <- e
			g.active.Done()
			return resp, err
		case <-g.replaced:
			g.active.Done()
		case <-ctx.Done():
			g.active.Done()
			return rie.Response{}, ctx.Err()
		}
	}
}

// close stops the generation's emulators and removes its build.
func (g *generation) close() error {
	var errs []error
	for _, e := range g.all {
		errs = append(errs, e.Close())
	}
	if g.dir != "" {
		errs = append(errs, os.RemoveAll(g.dir))
	}
	return errors.Join(errs...)
}

// retire stops a replaced generation once its invocations are done, or at
// once when the app closes.
func (a *App) retire(g *generation) {
	a.retiring.Add(1)
	go func() {
		defer a.retiring.Done()
		drained := make(chan struct{})
		go func() { g.active.Wait(); close(drained) }()
		select {
		case <-drained:
		case <-a.closing:
		}
		if err := g.close(); err != nil {
			a.logger.Warn("stop a replaced build", "err", err)
		}
	}()
}

// watcher polls the files of each function's dependency graph and the
// RestartOn paths, and rebuilds the functions whose files changed.
type watcher struct {
	a        *App
	opts     bundle.Options
	interval time.Duration
	fns      []template.LambdaFunction
	restart  []string        // absolute
	inputs   []bundle.Inputs // of fns, in order: bundle.ListInputs
	// restartInputs are the restart paths as the Watcher polls them: a
	// folder by its source files' names (a file added or removed), any
	// other path, a missing one included, by its own stamp.
	restartInputs bundle.Inputs
	files         bundle.Watcher
	seq           int
}

// startWatcher starts watching fns' sources in the background; Close stops it.
func (a *App) startWatcher(opts Options, fns []template.LambdaFunction) {
	w := &watcher{a: a, opts: bundle.Options{ModuleDir: opts.ModuleDir}, interval: opts.ReloadInterval, fns: fns}
	for _, r := range opts.RestartOn {
		if !filepath.IsAbs(r) {
			r = filepath.Join(opts.ModuleDir, r)
		}
		r = filepath.Clean(r)
		w.restart = append(w.restart, r)
		if info, err := os.Stat(r); err == nil && info.IsDir() {
			w.restartInputs.Dirs = append(w.restartInputs.Dirs, r)
		} else {
			w.restartInputs.Files = append(w.restartInputs.Files, r)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	a.stopWatch, a.watched = cancel, make(chan struct{})
	go func() {
		defer close(a.watched)
		w.run(ctx)
	}()
}

func (w *watcher) run(ctx context.Context) {
	bfs := make([]bundle.Target, 0, len(w.fns))
	for _, f := range w.fns {
		bfs = append(bfs, hostFunction(f))
	}
	inputs, err := bundle.ListInputs(ctx, w.opts, bfs...)
	if err != nil {
		w.printf("reload: off, the functions' sources are unknown: %v", err)
		return
	}
	w.inputs = inputs
	w.files.Set(w.watched()) // the state the running builds were made from
	w.printf("reload: on, watching %d files and folders of %d functions", w.files.Len(), len(w.fns))
	tick := time.NewTicker(w.interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		changed := w.scan()
		if len(changed) == 0 {
			continue
		}
		for { // until the files stay as they are for reloadSettle
			select {
			case <-ctx.Done():
				return
			case <-time.After(reloadSettle):
			}
			more := w.scan()
			if len(more) == 0 {
				break
			}
			changed = append(changed, more...)
		}
		w.apply(ctx, changed)
	}
}

// watched lists every path to check: each function's inputs and, without
// an owner, the RestartOn paths.
func (w *watcher) watched() []bundle.Inputs {
	return append(slices.Clone(w.inputs), w.restartInputs)
}

// scan returns the watched paths whose stamp changed since the last scan.
func (w *watcher) scan() []string { return w.files.Poll() }

// apply rebuilds each function that one of the changed paths belongs to,
// and prints that a restart is needed for a change under RestartOn.
func (w *watcher) apply(ctx context.Context, changed []string) {
	var restart []string
	for _, path := range changed {
		for _, root := range w.restart {
			if path == root || strings.HasPrefix(path, root+string(filepath.Separator)) {
				rel, _ := filepath.Rel(w.opts.ModuleDir, path)
				restart = append(restart, rel)
				break
			}
		}
	}
	if len(restart) > 0 {
		slices.Sort(restart)
		w.printf("reload: %s changed; the template comes from it: stop (Ctrl-C) and run `make local` again to re-synthesize", strings.Join(slices.Compact(restart), ", "))
	}
	owners := w.files.Owners(changed...)
	for _, f := range w.fns {
		if slices.Contains(owners, f.Name) {
			w.rebuild(ctx, f)
		}
	}
}

// rebuild compiles f into a new folder, starts its emulators and swaps
// them in; the replaced ones stop once their invocations are done. On a
// failure the running build stays.
func (w *watcher) rebuild(ctx context.Context, f template.LambdaFunction) {
	start := time.Now()
	w.seq++
	dir := filepath.Join(w.a.state, "build", ".reload", fmt.Sprintf("%s-%d", f.Name, w.seq))
	fail := func(err error) {
		os.RemoveAll(dir)
		if ctx.Err() == nil {
			w.printf("reload: %s: the build failed; the last good build keeps serving:\n%v", f.Name, err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fail(err)
		return
	}
	bootstrap := filepath.Join(dir, "bootstrap")
	if err := bundle.Compile(ctx, w.opts, hostFunction(f), bootstrap); err != nil {
		fail(err)
		return
	}
	p := w.a.pools[f.Name]
	g, err := p.start(ctx, bootstrap)
	if err != nil {
		fail(err)
		return
	}
	g.dir = dir
	w.a.retire(p.swap(g))
	w.printf("reload: %s rebuilt in %.1fs", f.Name, time.Since(start).Seconds())
	// The new build may import other packages: watch its graph as it is now.
	// Paths already watched keep their stamps, so a change saved during
	// the build is seen by the next poll.
	if inputs, err := bundle.ListInputs(ctx, w.opts, hostFunction(f)); err == nil {
		for i := range w.inputs {
			if w.inputs[i].Function == f.Name {
				w.inputs[i] = inputs[0]
			}
		}
		w.files.Set(w.watched())
	}
}

func (w *watcher) printf(format string, args ...any) {
	fmt.Fprintf(w.a.own, format+"\n", args...)
}
