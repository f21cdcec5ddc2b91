package bundle

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Stamp is what a poll compares of a path: a file's modification time and
// size, the names of the source files in a folder, or that the path is
// missing.
type Stamp struct {
	Missing bool
	Mod     time.Time // zero for a folder
	Size    int64
	Names   string // a folder's source files, one per line
}

// StatStamp reads the stamp of path.
func StatStamp(path string) Stamp {
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		return Stamp{Missing: true}
	case fi.IsDir():
		return Stamp{Names: sourceNames(path)}
	}
	return Stamp{Mod: fi.ModTime(), Size: fi.Size()}
}

// sourceNames lists the files of a folder that the go command may compile,
// one per line: a file added, removed or renamed among them changes the
// build, while an editor's swap or backup file next to them does not.
func sourceNames(dir string) string {
	entries, _ := os.ReadDir(dir)
	var b strings.Builder
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || strings.HasSuffix(name, "_test.go") {
			continue // the go command ignores these
		}
		switch filepath.Ext(name) {
		case ".go", ".s", ".S", ".sx", ".c", ".cc", ".cpp", ".cxx", ".h", ".hh", ".hpp", ".hxx", ".m", ".f", ".F", ".for", ".f90", ".syso", ".swig", ".swigcxx":
			b.WriteString(name)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// Watcher polls the files and folders of functions' Inputs and tells
// which functions a changed path belongs to. The caller paces the polls
// and decides how long a change must stay quiet before acting on it
// (make watch and make local's reload both wait for a poll that sees no
// further change, so a burst of saves makes one build).
// The zero value watches nothing; it is not safe for concurrent use.
type Watcher struct {
	// Stat reads a path's stamp. Default: StatStamp.
	Stat func(path string) Stamp

	owners map[string][]string // path -> function names
	stamps map[string]Stamp    // path -> what the last poll saw
	dirs   map[string]bool     // the folders among the paths (Inputs.Dirs)
}

func (w *Watcher) stat(path string) Stamp {
	if w.Stat != nil {
		return w.Stat(path)
	}
	return StatStamp(path)
}

// Set makes the files and folders of inputs the watched paths. A path
// already watched keeps its stamp, so a change made while the inputs were
// listed again is still seen by the next Poll; a new path is stamped now.
// An Inputs with an empty Function is watched without an owner. Set
// returns the new paths, sorted.
func (w *Watcher) Set(inputs []Inputs) []string {
	owners, dirs := map[string][]string{}, map[string]bool{}
	for _, in := range inputs {
		for _, d := range in.Dirs {
			dirs[d] = true
		}
		for _, p := range slices.Concat(in.Files, in.Dirs) {
			if _, ok := owners[p]; !ok {
				owners[p] = nil
			}
			if in.Function != "" && !slices.Contains(owners[p], in.Function) {
				owners[p] = append(owners[p], in.Function)
			}
		}
	}
	stamps := make(map[string]Stamp, len(owners))
	var added []string
	for p := range owners {
		if st, ok := w.stamps[p]; ok {
			stamps[p] = st
		} else {
			stamps[p] = w.stat(p)
			added = append(added, p)
		}
	}
	w.owners, w.stamps, w.dirs = owners, stamps, dirs
	slices.Sort(added)
	return added
}

// Len is the number of watched paths.
func (w *Watcher) Len() int { return len(w.stamps) }

// Poll stats every watched path and returns those whose stamp changed
// since the last poll (or Set), sorted.
func (w *Watcher) Poll() []string {
	var changed []string
	for p, old := range w.stamps {
		if now := w.stat(p); now != old {
			w.stamps[p] = now
			changed = append(changed, p)
		}
	}
	slices.Sort(changed)
	return changed
}

// Stamp returns what the last poll saw of a watched path.
func (w *Watcher) Stamp(path string) Stamp { return w.stamps[path] }

// IsDir reports whether path is one of the watched Inputs.Dirs.
func (w *Watcher) IsDir(path string) bool { return w.dirs[path] }

// Owners returns the names of the functions built from any of paths,
// sorted.
func (w *Watcher) Owners(paths ...string) []string {
	var names []string
	for _, p := range paths {
		names = append(names, w.owners[p]...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}
