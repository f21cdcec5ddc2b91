package bundle

import (
	"archive/zip"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// ZipModTime is the modification time of every zip entry (the earliest time
// a zip can hold), so that the zip's bytes depend only on the contents.
var ZipModTime = time.Date(1980, time.January, 1, 0, 0, 0, 0, time.UTC)

// entry is one file to zip.
type entry struct {
	name string // inside the zip, slash-separated
	path string // on disk
	size int64
	mode fs.FileMode
}

// zipEntries lists bootstrap first, then the declared files sorted by name.
// A declared file keeps its path relative to dir; it is stored with mode
// 0755 if its owner may execute it (the only permission bit git keeps) and
// 0644 otherwise.
func zipEntries(dir, bootstrap string, files []string) ([]entry, error) {
	info, err := os.Stat(bootstrap)
	if err != nil {
		return nil, fmt.Errorf("zip: %w", err)
	}
	entries := []entry{{name: "bootstrap", path: bootstrap, size: info.Size(), mode: 0o755}}
	var extra []entry
	for _, f := range files {
		if !filepath.IsLocal(f) {
			return nil, fmt.Errorf("file %q: want a path inside the function folder %s", f, dir)
		}
		name := filepath.ToSlash(filepath.Clean(f))
		if name == "bootstrap" {
			return nil, fmt.Errorf("file %q: the name bootstrap is taken by the binary", f)
		}
		path := filepath.Join(dir, f)
		info, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("file %q: %w", f, err)
		}
		if !info.Mode().IsRegular() {
			return nil, fmt.Errorf("file %q: %s is not a regular file", f, path)
		}
		mode := fs.FileMode(0o644)
		if info.Mode()&0o100 != 0 {
			mode = 0o755
		}
		extra = append(extra, entry{name: name, path: path, size: info.Size(), mode: mode})
	}
	slices.SortFunc(extra, func(a, b entry) int { return cmp.Compare(a.name, b.name) })
	for i := 1; i < len(extra); i++ {
		if extra[i].name == extra[i-1].name {
			return nil, fmt.Errorf("file %q: declared twice", extra[i].name)
		}
	}
	return append(entries, extra...), nil
}

// zipFile is a zip written to a temporary path.
type zipFile struct {
	tmpPath string
	size    int64
	sha256  string
}

// writeZip writes entries, in order, to a new temporary file in outDir. On
// error nothing is left behind.
func writeZip(outDir, name string, entries []entry) (z zipFile, err error) {
	f, err := os.CreateTemp(outDir, "."+name+".zip.tmp-*")
	if err != nil {
		return zipFile{}, fmt.Errorf("output folder cannot be written: %w", err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("zip: %w", cerr)
		}
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	// Zips are build output anyone may read, like the files `go build` writes.
	if err := f.Chmod(0o644); err != nil {
		return zipFile{}, fmt.Errorf("zip: %w", err)
	}
	hash := sha256.New()
	counter := &countWriter{w: io.MultiWriter(f, hash)}
	zw := zip.NewWriter(counter)
	for _, e := range entries {
		if err := addEntry(zw, e); err != nil {
			return zipFile{}, fmt.Errorf("zip %s: %w", e.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return zipFile{}, fmt.Errorf("zip: %w", err)
	}
	return zipFile{tmpPath: f.Name(), size: counter.n, sha256: hex.EncodeToString(hash.Sum(nil))}, nil
}

func addEntry(zw *zip.Writer, e entry) error {
	hdr := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: ZipModTime}
	hdr.SetMode(e.mode) // also marks the creator as Unix
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		return err
	}
	src, err := os.Open(e.path)
	if err != nil {
		return err
	}
	defer src.Close()
	n, err := io.Copy(w, src)
	if err != nil {
		return err
	}
	if n != e.size {
		return errors.New("file changed size while zipping")
	}
	return nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
