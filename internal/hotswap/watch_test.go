package hotswap

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"go-lambda-cdk/internal/bundle"
	"go-lambda-cdk/internal/fixture"
)

// TestWatch drives Watch.Run tick by tick: a save swaps only the
// functions built from the saved file, once the saves stop, and prints the
// time from the save to live; a save that rebuilds the same zip prints
// nothing, and an editor's swap file next to the sources builds nothing; the logs of a swapped function are streamed, each event once;
// cancelling the context stops it without error.
func TestWatch(t *testing.T) {
	src := t.TempDir()
	file := func(name string) string { return filepath.Join(src, name) }
	write := func(name, content string, mod time.Time) {
		t.Helper()
		if err := os.WriteFile(file(name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(file(name), mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	write("shared.go", "shared v1;", now.Add(-time.Hour))
	write("a.go", "a v1;", now.Add(-time.Hour))
	write("b.go", "b v1;", now.Add(-time.Hour))
	sha := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return base64.StdEncoding.EncodeToString(sum[:])
	}
	api := &fakeLambda{fns: map[string]*fakeFunction{
		"P-a": {latest: "old", versions: []string{"old"}, alias: "1"},                                   // behind: swapped at start
		"P-b": {latest: sha("shared v1;b v1;"), versions: []string{sha("shared v1;b v1;")}, alias: "1"}, // up to date
	}}
	b := &fakeBuilder{dir: t.TempDir(), sources: map[string][]string{"a": {file("shared.go"), file("a.go")}, "b": {file("shared.go"), file("b.go")}}}
	var fns []Declared
	targets := map[string]Target{}
	for _, name := range []string{"a", "b"} {
		fns = append(fns, Declared{ConstructID: strings.ToUpper(name), Build: bundle.Target{Name: name, Dir: src}})
		targets[name] = Target{Name: name, FunctionName: "P-" + name, Alias: LiveAlias, LogGroup: "/g/" + name}
	}
	clock := func() time.Time { return now }
	logs := fakeLogs{events: map[string][]logtypes.FilteredLogEvent{"/g/a": {
		{EventId: aws.String("e0"), Timestamp: aws.Int64(now.Add(-time.Minute).UnixMilli()), Message: aws.String("before the swap\n")},
		{EventId: aws.String("e1"), Timestamp: aws.Int64(now.UnixMilli()), Message: aws.String("hello from a\n")},
	}}}
	ticks, logTicks := make(chan time.Time), make(chan time.Time)
	var out bytes.Buffer
	w := &Watch{
		Hotswap:   Hotswap{Swapper: Swapper{Lambda: api, Now: clock}, Builder: b, Targets: targets},
		Functions: fns,
		Inputs: func(_ context.Context, fns ...bundle.Target) ([]bundle.Inputs, error) {
			var in []bundle.Inputs
			for _, f := range fns {
				in = append(in, bundle.Inputs{Function: f.Name, Files: b.sources[f.Name], Dirs: []string{src}})
			}
			return in, nil
		},
		Logs: logs, Ticks: ticks, LogTicks: logTicks, Out: &out, Root: src, Now: clock,
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()
	// tick sends n file ticks, each followed by a log tick: once the loop
	// takes the log tick it has finished with the file tick, and reading
	// logs does not look at files, so the test may write them then.
	tick := func(n int) {
		for range n {
			ticks <- now
			logTicks <- now
		}
	}

	tick(1) // the start is over once the loop takes a tick
	write("a.go", "a v2;", now.Add(-1500*time.Millisecond))
	tick(1) // sees the save
	write("a.go", "a v3;", now.Add(-1200*time.Millisecond))
	tick(2) // sees the second save, then a quiet tick swaps
	write("shared.go", "shared v2;", now.Add(-800*time.Millisecond))
	tick(2)
	write("b.go", "b v1;", now.Add(-300*time.Millisecond)) // same content: same zip
	tick(2)
	write(".a.go.swp", "editor state", now) // not a source file: no build
	tick(2)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v, want nil after the context ended", err)
	}

	fixture.Contains(t, "output", out.String(), []string{
		"a: live as version 2 (was 1) in 0.0s\nb: unchanged, version 1 of P-b",
		"a: changed a.go → live as version 3 (was 2) in 1.2s\n",
		"a: changed shared.go → live as version 4 (was 3) in 0.8s\nb: changed shared.go → live as version 2 (was 1) in 0.8s\n",
		"a | hello from a\n",
		"watch: stopped\n",
	}, []string{"b: changed b.go", "before the swap", "a | hello from a\na | hello from a"})
	// The start builds both; then a alone, both, b alone (to the same zip).
	want := [][]string{{"a", "b"}, {"a"}, {"a", "b"}, {"b"}}
	if len(b.built) != len(want) {
		t.Fatalf("builds %v, want %v", b.built, want)
	}
	for i := range want {
		if strings.Join(b.built[i], ",") != strings.Join(want[i], ",") {
			t.Errorf("build %d: %v, want %v", i, b.built[i], want[i])
		}
	}
}
