package bundle

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestWatcherPoll checks what a poll reports on real files: a saved file,
// a source file added to or removed from a package folder, a removed file;
// and what it does not: an editor's swap or backup file next to the
// sources. Each change names the functions built from it.
func TestWatcherPoll(t *testing.T) {
	for _, tc := range []struct {
		name       string
		edit       func(t *testing.T, dir string)
		wantPaths  []string // relative to the package folder; "." is the folder
		wantOwners []string
	}{
		{"a saved shared file", func(t *testing.T, dir string) {
			writeAt(t, filepath.Join(dir, "shared.go"), "package p // v2\n", time.Now().Add(time.Minute))
		}, []string{"shared.go"}, []string{"a", "b"}},
		{"a saved file of one function", func(t *testing.T, dir string) {
			writeAt(t, filepath.Join(dir, "a.go"), "package p // a v2\n", time.Now().Add(time.Minute))
		}, []string{"a.go"}, []string{"a"}},
		{"a source file added to the folder", func(t *testing.T, dir string) {
			writeAt(t, filepath.Join(dir, "new.go"), "package p\n", time.Now())
		}, []string{"."}, []string{"a", "b"}},
		{"a removed file", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "a.go")); err != nil {
				t.Fatal(err)
			}
		}, []string{".", "a.go"}, []string{"a", "b"}},
		{"an editor's swap and backup files", func(t *testing.T, dir string) {
			for _, name := range []string{".a.go.swp", "a.go~", "#a.go#", "a_test.go", "notes.txt"} {
				writeAt(t, filepath.Join(dir, name), "x", time.Now())
			}
		}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			old := time.Now().Add(-time.Hour)
			for _, name := range []string{"shared.go", "a.go", "b.go"} {
				writeAt(t, filepath.Join(dir, name), "package p\n", old)
			}
			var w Watcher
			added := w.Set([]Inputs{
				{Function: "a", Files: []string{filepath.Join(dir, "a.go"), filepath.Join(dir, "shared.go")}, Dirs: []string{dir}},
				{Function: "b", Files: []string{filepath.Join(dir, "b.go"), filepath.Join(dir, "shared.go")}, Dirs: []string{dir}},
			})
			if len(added) != 4 || w.Len() != 4 {
				t.Fatalf("Set added %v (Len %d), want the 3 files and the folder", added, w.Len())
			}
			if got := w.Poll(); len(got) != 0 {
				t.Fatalf("Poll before any edit = %v, want nothing", got)
			}
			tc.edit(t, dir)
			got := w.Poll()
			var rel []string
			for _, p := range got {
				r, _ := filepath.Rel(dir, p)
				rel = append(rel, r)
			}
			if !slices.Equal(rel, tc.wantPaths) {
				t.Errorf("Poll = %v, want %v", rel, tc.wantPaths)
			}
			if owners := w.Owners(got...); !slices.Equal(owners, tc.wantOwners) {
				t.Errorf("Owners = %v, want %v", owners, tc.wantOwners)
			}
			if again := w.Poll(); len(again) != 0 {
				t.Errorf("second Poll = %v, want nothing: a change is reported once", again)
			}
		})
	}
}

// TestWatcherSet checks, with an injected Stat, that listing the inputs
// again keeps the stamps of the paths already watched (a change made in
// between is seen by the next poll), stamps new paths without reporting
// them as changed, returns them, and stops watching the paths left out.
func TestWatcherSet(t *testing.T) {
	stamps := map[string]Stamp{"/m/a.go": {Size: 1}, "/m/b.go": {Size: 1}, "/m": {Names: "a.go\n"}}
	w := Watcher{Stat: func(p string) Stamp {
		if st, ok := stamps[p]; ok {
			return st
		}
		return Stamp{Missing: true}
	}}
	w.Set([]Inputs{{Function: "a", Files: []string{"/m/a.go"}, Dirs: []string{"/m"}}, {Files: []string{"/m/b.go"}}})
	if !w.IsDir("/m") || w.IsDir("/m/a.go") {
		t.Errorf("IsDir(/m), IsDir(/m/a.go) = %v, %v; want true, false", w.IsDir("/m"), w.IsDir("/m/a.go"))
	}
	if got := w.Owners("/m/b.go"); len(got) != 0 {
		t.Errorf("Owners of a path listed without a function = %v, want none", got)
	}
	stamps["/m/a.go"] = Stamp{Size: 2}                                             // saved while the inputs are listed again
	stamps["/m/c.go"], stamps["/m"] = Stamp{Size: 1}, Stamp{Names: "a.go\nc.go\n"} // a file the new build imports
	added := w.Set([]Inputs{{Function: "a", Files: []string{"/m/a.go", "/m/c.go"}, Dirs: []string{"/m"}}})
	if !slices.Equal(added, []string{"/m/c.go"}) {
		t.Errorf("Set returned %v, want [/m/c.go]", added)
	}
	stamps["/m/b.go"] = Stamp{Size: 3}
	if got, want := w.Poll(), []string{"/m", "/m/a.go"}; !slices.Equal(got, want) {
		t.Errorf("Poll = %v, want %v (b.go is no longer watched, c.go was stamped by Set)", got, want)
	}
	if got := w.Stamp("/m/a.go"); got != (Stamp{Size: 2}) {
		t.Errorf("Stamp(/m/a.go) = %+v, want what the poll saw", got)
	}
}

func writeAt(t *testing.T, path, content string, mod time.Time) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mod, mod); err != nil {
		t.Fatal(err)
	}
}
