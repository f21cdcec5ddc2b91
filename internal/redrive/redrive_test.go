package redrive_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go-lambda-cdk/internal/redrive"
)

// TestDir replays the local run's records: files of the function are
// deleted once invoked, others and unreadable ones stay.
func TestDir(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"20261125T060000.000Z-processor-a.json": record("processor", "$LATEST", "uploads/a"),
		"20261125T060001.000Z-report-b.json":    record("report", "$LATEST", "b"),
		"20261125T060002.000Z-processor-c.json": record("processor", "$LATEST", "uploads/c"),
		"broken.json":                           "{",
		"notes.txt":                             "not a record file",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	left := func() []string {
		entries, _ := os.ReadDir(dir)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}
	all := left()

	inv := &fakeInvoker{}
	var out strings.Builder
	c, err := redrive.Run(context.Background(), redrive.NewDir(dir), inv, redrive.Options{Function: "processor", DryRun: true, Out: &out})
	if err != nil || c != (redrive.Counts{Read: 4, Matched: 2, Skipped: 1, Invalid: 1}) || len(inv.events) != 0 {
		t.Fatalf("dry run: %+v, %v, %d invocations", c, err, len(inv.events))
	}
	if !slices.Equal(left(), all) {
		t.Errorf("dry run changed the folder: %v", left())
	}
	if n := strings.Count(out.String(), "would replay req-uploads/"); n != 2 {
		t.Errorf("dry run listed %d records:\n%s", n, out.String())
	}

	c, err = redrive.Run(context.Background(), redrive.NewDir(dir), inv, redrive.Options{Function: "processor"})
	if err != nil || c.Replayed != 2 || c.Failed != 0 {
		t.Fatalf("run: %+v, %v", c, err)
	}
	want := []string{`{"Records":[{"s3":{"object":{"key":"uploads/a"}}}]}`, `{"Records":[{"s3":{"object":{"key":"uploads/c"}}}]}`}
	if !slices.Equal(inv.events, want) {
		t.Errorf("invoked with %q, want the records' payloads in time order %q", inv.events, want)
	}
	if got := left(); !slices.Equal(got, []string{"20261125T060001.000Z-report-b.json", "broken.json", "notes.txt"}) {
		t.Errorf("left in the folder: %v", got)
	}

	c, err = redrive.Run(context.Background(), redrive.NewDir(filepath.Join(dir, "missing")), inv, redrive.Options{Function: "processor"})
	if err != nil || c != (redrive.Counts{}) {
		t.Errorf("missing folder: %+v, %v; want nothing to do", c, err)
	}
}

// memSource is a Source in memory whose Delete can fail.
type memSource struct {
	msgs      []redrive.Message
	given     bool
	deleted   []string
	released  []string
	deleteErr error
}

func (m *memSource) Receive(context.Context) ([]redrive.Message, error) {
	if m.given {
		return nil, nil
	}
	m.given = true
	return m.msgs, nil
}

func (m *memSource) Delete(_ context.Context, msg redrive.Message) error {
	if m.deleteErr != nil {
		return m.deleteErr
	}
	m.deleted = append(m.deleted, msg.ID)
	return nil
}

func (m *memSource) Release(_ context.Context, ms []redrive.Message) error {
	for _, msg := range ms {
		m.released = append(m.released, msg.ID)
	}
	return nil
}

func (m *memSource) String() string { return "memory" }

func TestRunReleasesWhatItKeeps(t *testing.T) {
	msgs := []redrive.Message{
		{ID: "1", Body: []byte(record("f", "", "a"))},
		{ID: "2", Body: []byte(record("g", "", "b"))},
		{ID: "3", Body: []byte(record("f", "", "c"))},
	}
	t.Run("delete fails after the invocation", func(t *testing.T) {
		src := &memSource{msgs: msgs, deleteErr: errors.New("ReceiptHandleIsInvalid")}
		var out strings.Builder
		c, err := redrive.Run(context.Background(), src, &fakeInvoker{}, redrive.Options{Function: "f", Out: &out})
		if err != nil || c.Failed != 2 || c.Replayed != 0 {
			t.Errorf("counts %+v, %v; want 2 failed", c, err)
		}
		if !strings.Contains(out.String(), "would invoke twice") {
			t.Errorf("output does not warn of a double invocation:\n%s", out.String())
		}
		if !slices.Equal(src.released, []string{"1", "2", "3"}) {
			t.Errorf("released %v", src.released)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		src := &memSource{msgs: msgs}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := redrive.Run(ctx, src, &fakeInvoker{}, redrive.Options{Function: "f"})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if len(src.released)+len(src.deleted) != 1 {
			t.Errorf("released %v, deleted %v: the message handled must be released or deleted", src.released, src.deleted)
		}
	})
	t.Run("no function", func(t *testing.T) {
		if _, err := redrive.Run(context.Background(), &memSource{}, &fakeInvoker{}, redrive.Options{}); err == nil {
			t.Error("Run without a function did not fail")
		}
	})
}
