package layout_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go-lambda-cdk/internal/layout"
)

func TestUploadID(t *testing.T) {
	a, b := layout.NewUploadID(), layout.NewUploadID()
	if !layout.ValidUploadID(a) || a == b {
		t.Errorf("NewUploadID gave %q then %q", a, b)
	}
	for _, id := range []string{"", "0123456789abcdef0123456789abcde", "0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef0123456789abcdeg", "../../../../../../../../results/x", "0123456789abcdef0123456789abcdef0"} {
		if layout.ValidUploadID(id) {
			t.Errorf("ValidUploadID(%q) = true", id)
		}
	}
}

func TestCheckFilename(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"my song été.mp3", true},
		{"a", true},
		{strings.Repeat("é", 127) + "a", true}, // 255 bytes
		{strings.Repeat("é", 128), false},      // 256 bytes
		{"", false},
		{"a/b", false},
		{`a\b`, false},
		{"..", false},
		{"a..b", false},
		{".hidden", true},
		{"bad\xffutf8", false},
		{"tab\there", false},
		{"nul\x00", false},
	} {
		if err := layout.CheckFilename(tc.name); (err == nil) != tc.ok {
			t.Errorf("CheckFilename(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestOwner(t *testing.T) {
	for _, tc := range []struct {
		owner string
		ok    bool
	}{
		{"2f1e8c4a-0b7d-4e2f-9a31-5c6d7e8f9a0b", true}, // a Cognito sub
		{"alice", true},
		{layout.AnonymousOwner, true},
		{"a.b_c-D9", true},
		{strings.Repeat("a", layout.MaxOwnerBytes), true},
		{strings.Repeat("a", layout.MaxOwnerBytes+1), false},
		{"", false},
		{"_bob", false}, // only AnonymousOwner starts with '_'
		{".", false},
		{"..", false},
		{"a/b", false},
		{"auth0|123", false},
		{"é", false},
		{"a b", false},
	} {
		if got := layout.ValidOwner(tc.owner); got != tc.ok {
			t.Errorf("ValidOwner(%q) = %v, want %v", tc.owner, got, tc.ok)
		}
	}
}

func TestKeys(t *testing.T) {
	id := "0123456789abcdef0123456789abcdef"
	u := layout.Upload{Owner: "alice", ID: id, Filename: "a b.png"}
	if got := u.Key(); got != "uploads/alice/"+id+"/a b.png" {
		t.Errorf("Upload.Key = %q", got)
	}
	if got, err := layout.ParseUploadKey(u.Key()); err != nil || got != u {
		t.Errorf("ParseUploadKey(%q) = %+v, %v", u.Key(), got, err)
	}
	if got := layout.ResultKey("alice", id); got != "results/by-owner/alice/"+id+".json" {
		t.Errorf("ResultKey = %q", got)
	}
	// 23:30 in UTC-5 is the next day in UTC.
	at := time.Date(2026, 11, 24, 23, 30, 0, 0, time.FixedZone("EST", -5*3600))
	if got := layout.ReportKey(at); got != "reports/2026-11-25.json" {
		t.Errorf("ReportKey = %q", got)
	}
	if got := layout.DayIndexKey(at, id); got != "results/by-day/2026-11-25/"+id+".json" || !strings.HasPrefix(got, layout.DayIndexPrefix(at)) {
		t.Errorf("DayIndexKey = %q", got)
	}
	for _, key := range []string{
		layout.ResultKey("alice", id), "uploads/alice/" + id, "uploads/alice/" + id + "/", "uploads/alice/" + id + "/a/b",
		"uploads/alice/x/y", "uploads/" + id + "/a.png", "uploads/_bob/" + id + "/a.png", "uploads//" + id + "/a.png",
	} {
		if u, err := layout.ParseUploadKey(key); err == nil {
			t.Errorf("ParseUploadKey(%q) accepted it as %+v", key, u)
		}
	}
}

func TestCheckUploadFitsProcessor(t *testing.T) {
	for _, tc := range []struct {
		bytes   int64
		timeout time.Duration
		ok      bool
	}{
		{100 << 20, 60 * time.Second, true},  // the defaults: 100 MiB in 15 s
		{550 << 20, 60 * time.Second, true},  // exactly 55 s at 10 MiB/s
		{551 << 20, 60 * time.Second, false}, // one MiB more
		{1, 5 * time.Second, false},          // nothing left after the overhead
		{5 << 30, 900 * time.Second, true},   // S3's 5 GiB: 512 s + 5 s
		{5 << 30, 516 * time.Second, false},
	} {
		err := layout.CheckUploadFitsProcessor(tc.bytes, tc.timeout)
		if (err == nil) != tc.ok {
			t.Errorf("CheckUploadFitsProcessor(%d, %s) = %v, want ok=%v", tc.bytes, tc.timeout, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "at most") {
			t.Errorf("error %q does not say what fits", err)
		}
	}
}

// FuzzParseUploadKey checks that any key either is refused or round-trips
// through Upload.Key with valid parts.
func FuzzParseUploadKey(f *testing.F) {
	for _, seed := range []string{
		"uploads/alice/0123456789abcdef0123456789abcdef/my song été.mp3",
		"uploads/_anonymous/0123456789abcdef0123456789abcdef/../x",
		"uploads/alice/0123456789abcdef0123456789abcdef/a/b",
		"uploads//x", "uploads/", "results/x.json", "", "uploads/a/0123456789abcdef0123456789abcdef/\xff",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, key string) {
		u, err := layout.ParseUploadKey(key)
		if err != nil {
			return
		}
		if u.Check() != nil || u.Key() != key || !layout.ValidOwner(u.Owner) || !layout.ValidUploadID(u.ID) {
			t.Fatalf("ParseUploadKey(%q) = %+v", key, u)
		}
		name := u.Filename
		if !utf8.ValidString(name) || strings.ContainsAny(name, `/\`) || strings.Contains(name, "..") || len(name) > layout.MaxFilenameBytes {
			t.Fatalf("accepted filename %q", name)
		}
		if strings.ContainsAny(u.Owner, "/\\") || strings.HasPrefix(u.Owner, ".") {
			t.Fatalf("accepted owner %q", u.Owner)
		}
	})
}
