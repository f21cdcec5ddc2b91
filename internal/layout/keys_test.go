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

func TestKeys(t *testing.T) {
	id := "0123456789abcdef0123456789abcdef"
	if got := layout.UploadKey(id, "a b.png"); got != "uploads/"+id+"/a b.png" {
		t.Errorf("UploadKey = %q", got)
	}
	if got := layout.ResultKey(id); got != "results/"+id+".json" {
		t.Errorf("ResultKey = %q", got)
	}
	// 23:30 in UTC-5 is the next day in UTC.
	at := time.Date(2026, 11, 24, 23, 30, 0, 0, time.FixedZone("EST", -5*3600))
	if got := layout.ReportKey(at); got != "reports/2026-11-25.json" {
		t.Errorf("ReportKey = %q", got)
	}
	for _, key := range []string{"results/" + id + ".json", "uploads/" + id, "uploads/" + id + "/", "uploads/" + id + "/a/b", "uploads/x/y"} {
		if _, _, err := layout.ParseUploadKey(key); err == nil {
			t.Errorf("ParseUploadKey(%q) accepted it", key)
		}
	}
}

// FuzzParseUploadKey checks that any key either is refused or round-trips
// through UploadKey with a valid id and filename.
func FuzzParseUploadKey(f *testing.F) {
	for _, seed := range []string{
		"uploads/0123456789abcdef0123456789abcdef/my song été.mp3",
		"uploads/0123456789abcdef0123456789abcdef/../x",
		"uploads/0123456789abcdef0123456789abcdef/a/b",
		"uploads//x", "uploads/", "results/x.json", "", "uploads/0123456789abcdef0123456789abcdef/\xff",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, key string) {
		id, name, err := layout.ParseUploadKey(key)
		if err != nil {
			return
		}
		if !layout.ValidUploadID(id) || layout.CheckFilename(name) != nil || layout.UploadKey(id, name) != key {
			t.Fatalf("ParseUploadKey(%q) = %q, %q", key, id, name)
		}
		if !utf8.ValidString(name) || strings.ContainsAny(name, `/\`) || strings.Contains(name, "..") || len(name) > layout.MaxFilenameBytes {
			t.Fatalf("accepted filename %q", name)
		}
	})
}
