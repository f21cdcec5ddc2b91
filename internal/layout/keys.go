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

// UploadKey is the key a client uploads a file to: uploads/<id>/<filename>.
// It does not validate its arguments; see ValidUploadID and CheckFilename.
func UploadKey(id, filename string) string {
	return UploadsPrefix + id + "/" + filename
}

// ParseUploadKey splits a key made by UploadKey into its id and filename and
// checks both. It returns an error for any key outside UploadsPrefix.
func ParseUploadKey(key string) (id, filename string, err error) {
	rest, ok := strings.CutPrefix(key, UploadsPrefix)
	if !ok {
		return "", "", fmt.Errorf("key %q is not under %q", key, UploadsPrefix)
	}
	id, filename, ok = strings.Cut(rest, "/")
	if !ok || !ValidUploadID(id) {
		return "", "", fmt.Errorf("key %q does not have the form %s<id>/<filename>", key, UploadsPrefix)
	}
	if err := CheckFilename(filename); err != nil {
		return "", "", fmt.Errorf("key %q: %w", key, err)
	}
	return id, filename, nil
}

// ResultKey is the key of the processing result of upload id:
// results/<id>.json.
func ResultKey(id string) string {
	return ResultsPrefix + id + ".json"
}

// ReportKey is the key of the report for the UTC day of t:
// reports/<YYYY-MM-DD>.json.
func ReportKey(t time.Time) string {
	return ReportsPrefix + t.UTC().Format(time.DateOnly) + ".json"
}
