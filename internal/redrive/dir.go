package redrive

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// Dir reads failure records from a folder of JSON files, one record each:
// the local run's .local/failed/. Files are read in name order (the local
// run names them by time). A missing folder holds no records.
type Dir struct {
	path string
	read bool
}

var _ Source = (*Dir)(nil)

// NewDir returns the folder at path.
func NewDir(path string) *Dir { return &Dir{path: path} }

func (d *Dir) String() string { return d.path }

// Receive returns every *.json file on the first call, none after.
func (d *Dir) Receive(context.Context) ([]Message, error) {
	if d.read {
		return nil, nil
	}
	d.read = true
	names, err := filepath.Glob(filepath.Join(d.path, "*.json"))
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	ms := make([]Message, 0, len(names))
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read record: %w", err)
		}
		ms = append(ms, Message{ID: filepath.Base(name), Body: b, path: name})
	}
	return ms, nil
}

// Delete removes the record's file.
func (d *Dir) Delete(_ context.Context, m Message) error { return os.Remove(m.path) }

// Release does nothing: files are not hidden while read.
func (d *Dir) Release(context.Context, []Message) error { return nil }
