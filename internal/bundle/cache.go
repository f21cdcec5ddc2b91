package bundle

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// DefaultCacheDir is where Build keeps the zips it made, by cache key,
// relative to the module root. It is not under cdk.out or dist, so cleaning
// those keeps it; delete it to start over.
const DefaultCacheDir = ".cache/bundle"

// CacheKeep is how many zips of each function and architecture the cache
// keeps: the most recently used ones.
const CacheKeep = 3

// cache holds zips by key: <dir>/<name>-<goarch>-<key>.zip, and next to it
// a .json entry with the zip's SHA-256 and sizes, written last: an entry
// exists only for a complete zip, and a zip that does not match its entry
// is never served.
type cache struct {
	dir string
}

// cacheEntry is the .json record of one cached zip.
type cacheEntry struct {
	Function  string `json:"function"`
	GOARCH    string `json:"goarch"`
	Key       string `json:"key"`
	ZipSHA256 string `json:"zipSHA256"`
	ZipBytes  int64  `json:"zipBytes"`
	// BootstrapBytes and EntryBytes (the zip's entries, uncompressed; the
	// layers are added at each use) are what the size checks need.
	BootstrapBytes int64 `json:"bootstrapBytes"`
	EntryBytes     int64 `json:"entryBytes"`
}

func (c *cache) path(fn Target, key, ext string) string {
	return filepath.Join(c.dir, fmt.Sprintf("%s-%s-%s%s", fn.Name, fn.GOARCH, key, ext))
}

// restore copies the cached zip for key into a new temporary file in
// outDir, checking its size and SHA-256 against the entry. It returns
// ok=false when there is no entry, and an error when the entry is unusable
// (the caller then builds, which replaces it).
func (c *cache) restore(fn Target, key, outDir string) (z zipFile, e cacheEntry, ok bool, err error) {
	raw, err := os.ReadFile(c.path(fn, key, ".json"))
	if errors.Is(err, fs.ErrNotExist) {
		return zipFile{}, cacheEntry{}, false, nil
	}
	if err != nil {
		return zipFile{}, cacheEntry{}, false, err
	}
	if err := json.Unmarshal(raw, &e); err != nil || e.Key != key {
		return zipFile{}, cacheEntry{}, false, fmt.Errorf("entry %s is damaged", c.path(fn, key, ".json"))
	}
	src, err := os.Open(c.path(fn, key, ".zip"))
	if err != nil {
		return zipFile{}, cacheEntry{}, false, err
	}
	defer src.Close()
	z, err = copyHashed(src, outDir, "."+fn.Name+".zip.tmp-*")
	if err != nil {
		return zipFile{}, cacheEntry{}, false, err
	}
	if z.size != e.ZipBytes || z.sha256 != e.ZipSHA256 {
		os.Remove(z.tmpPath)
		return zipFile{}, cacheEntry{}, false, fmt.Errorf("%s does not match its entry (SHA-256 %s, want %s)", src.Name(), z.sha256, e.ZipSHA256)
	}
	now := time.Now()
	os.Chtimes(c.path(fn, key, ".json"), now, now) // most recently used, for prune
	return z, e, true, nil
}

// store adds the zip at zipPath, just built for key, to the cache and
// prunes the function's older entries.
func (c *cache) store(fn Target, key, zipPath string, e cacheEntry) error {
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return err
	}
	src, err := os.Open(zipPath)
	if err != nil {
		return err
	}
	defer src.Close()
	z, err := copyHashed(src, c.dir, ".tmp-*.zip")
	if err != nil {
		return err
	}
	if z.sha256 != e.ZipSHA256 || z.size != e.ZipBytes {
		os.Remove(z.tmpPath)
		return fmt.Errorf("%s changed while it was cached", zipPath)
	}
	if err := os.Rename(z.tmpPath, c.path(fn, key, ".zip")); err != nil {
		os.Remove(z.tmpPath)
		return err
	}
	raw, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	if err := WriteFileAtomic(c.path(fn, key, ".json"), raw); err != nil {
		return err
	}
	return c.prune(fn)
}

// prune removes all but the CacheKeep most recently used entries of fn's
// name and architecture.
func (c *cache) prune(fn Target) error {
	entries, err := filepath.Glob(filepath.Join(c.dir, fmt.Sprintf("%s-%s-*.json", fn.Name, fn.GOARCH)))
	if err != nil || len(entries) <= CacheKeep {
		return err
	}
	type used struct {
		path string
		at   time.Time
	}
	var all []used
	for _, path := range entries {
		if info, err := os.Stat(path); err == nil {
			all = append(all, used{path, info.ModTime()})
		}
	}
	slices.SortFunc(all, func(a, b used) int { return b.at.Compare(a.at) })
	var errs []error
	for _, u := range all[min(CacheKeep, len(all)):] {
		// The entry first: a zip without one is never served.
		for _, path := range []string{u.path, strings.TrimSuffix(u.path, ".json") + ".zip"} {
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// copyHashed copies src to a new temporary file in dir (named by pattern,
// mode 0644) and measures it. On error nothing is left behind.
func copyHashed(src io.Reader, dir, pattern string) (z zipFile, err error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return zipFile{}, err
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	if err := f.Chmod(0o644); err != nil {
		return zipFile{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), src)
	if err != nil {
		return zipFile{}, err
	}
	return zipFile{tmpPath: f.Name(), size: n, sha256: hex.EncodeToString(h.Sum(nil))}, nil
}

// WriteFileAtomic writes data to path through a temporary file and a
// rename, so that path is either absent, the old file or the whole new one.
func WriteFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // fails harmlessly after the rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// extractBootstrap writes the zip's bootstrap entry to path, executable.
func extractBootstrap(zipPath, path string) error {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return err
	}
	defer zr.Close()
	src, err := zr.Open("bootstrap")
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}
