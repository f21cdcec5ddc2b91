package layout

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// UploadIDLen is the length of an upload id: 32 lower-case hex digits
// (128 random bits).
const UploadIDLen = 32

// MaxFilenameBytes is the longest filename an upload may have, in bytes.
const MaxFilenameBytes = 255

// NewUploadID returns a fresh upload id of 128 bits from crypto/rand.
func NewUploadID() string {
	var b [UploadIDLen / 2]byte
	rand.Read(b[:]) // never returns an error; it crashes the program instead
	return hex.EncodeToString(b[:])
}

// ValidUploadID reports whether id has the exact shape NewUploadID produces.
func ValidUploadID(id string) bool {
	if len(id) != UploadIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// CheckFilename returns an error saying what is wrong with an upload's
// filename: it must be 1 to MaxFilenameBytes bytes of valid UTF-8, without
// path separators ('/' or '\'), without "..", and without control characters.
func CheckFilename(name string) error {
	switch {
	case name == "":
		return errors.New("filename is empty")
	case len(name) > MaxFilenameBytes:
		return fmt.Errorf("filename is %d bytes, at most %d allowed", len(name), MaxFilenameBytes)
	case !utf8.ValidString(name):
		return errors.New("filename is not valid UTF-8")
	case strings.ContainsAny(name, `/\`):
		return errors.New("filename contains a path separator")
	case strings.Contains(name, ".."):
		return errors.New(`filename contains ".."`)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return errors.New("filename contains a control character")
	}
	return nil
}

// Upload names one uploaded object: who uploaded it, its id and its
// filename. Its key is uploads/<owner>/<id>/<filename>.
type Upload struct {
	Owner    string // see ValidOwner
	ID       string // see ValidUploadID
	Filename string // see CheckFilename
}

// Key is the object key of the upload: uploads/<owner>/<id>/<filename>. It
// does not validate; see Upload.Check.
func (u Upload) Key() string {
	return UploadsPrefix + u.Owner + "/" + u.ID + "/" + u.Filename
}

// Check returns an error naming the first invalid part of u.
func (u Upload) Check() error {
	switch {
	case !ValidOwner(u.Owner):
		return fmt.Errorf("owner %q is not a valid owner segment", u.Owner)
	case !ValidUploadID(u.ID):
		return fmt.Errorf("id %q is not %d lower-case hex digits", u.ID, UploadIDLen)
	}
	return CheckFilename(u.Filename)
}

// ParseUploadKey splits a key made by Upload.Key into its parts and checks
// them. It returns an error for any key outside UploadsPrefix or of another
// shape.
func ParseUploadKey(key string) (Upload, error) {
	rest, ok := strings.CutPrefix(key, UploadsPrefix)
	if !ok {
		return Upload{}, fmt.Errorf("key %q is not under %q", key, UploadsPrefix)
	}
	owner, rest, ok1 := strings.Cut(rest, "/")
	id, filename, ok2 := strings.Cut(rest, "/")
	if !ok1 || !ok2 {
		return Upload{}, fmt.Errorf("key %q does not have the form %s<owner>/<id>/<filename>", key, UploadsPrefix)
	}
	u := Upload{Owner: owner, ID: id, Filename: filename}
	if err := u.Check(); err != nil {
		return Upload{}, fmt.Errorf("key %q: %w", key, err)
	}
	return u, nil
}

// ResultKey is the key of the processing result of an owner's upload id:
// results/by-owner/<owner>/<id>.json. The API reads only this key for the
// caller's own owner segment, which is what makes results private.
func ResultKey(owner, id string) string {
	return ResultsByOwnerPrefix + owner + "/" + id + ".json"
}

// DayIndexPrefix is the prefix of the per-day index for the UTC day of t:
// results/by-day/<YYYY-MM-DD>/.
func DayIndexPrefix(t time.Time) string {
	return ResultsByDayPrefix + t.UTC().Format(time.DateOnly) + "/"
}

// DayIndexKey is the index entry of upload id in the UTC day of t (the time
// of the S3 event that created the object): a copy of the result at
// results/by-day/<YYYY-MM-DD>/<id>.json. Upload ids are unique across
// owners, so the owner is not part of it.
func DayIndexKey(t time.Time, id string) string {
	return DayIndexPrefix(t) + id + ".json"
}

// ReportKey is the key of the report for the UTC day of t:
// reports/<YYYY-MM-DD>.json.
func ReportKey(t time.Time) string {
	return ReportsPrefix + t.UTC().Format(time.DateOnly) + ".json"
}
