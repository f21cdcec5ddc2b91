package layout

// AnonymousOwner is the owner segment of uploads made without an
// authenticated caller, which only happens when the API has no authorizer
// (auth.mode none, dev only). Every anonymous caller shares it, so in that
// mode anyone who knows an upload's id can read its result, as before
// ownership existed. It starts with '_', which no caller's sub may, so no
// user can ever own it.
const AnonymousOwner = "_anonymous"

// MaxOwnerBytes is the longest owner segment.
const MaxOwnerBytes = 128

// ValidOwner reports whether s may be the owner segment of a key: either
// AnonymousOwner, or a caller's sub of 1 to MaxOwnerBytes bytes of ASCII
// letters, digits, '-', '_' and '.', starting with a letter or digit. A
// Cognito user pool's sub (a UUID) always is; the API refuses a caller whose
// sub is not, rather than encode it.
func ValidOwner(s string) bool {
	if s == AnonymousOwner {
		return true
	}
	if len(s) == 0 || len(s) > MaxOwnerBytes || !alnum(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !alnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

func alnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
