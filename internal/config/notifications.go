package config

import (
	"fmt"
	"strings"

	"go-lambda-cdk/internal/declare"
)

// S3 refuses a bucket notification configuration in which two entries for
// the same event type can match one object key: their prefixes overlap
// (one starts with the other) and their suffixes overlap (either entry has
// none, or one suffix ends with the other). PutBucketNotificationConfiguration
// then fails with "Configurations overlap" and CloudFormation rolls back the
// whole bucket update, so every trigger is lost, not just the new one.
// "Configuring event notifications using object key name filtering", Amazon
// S3 User Guide:
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html
// Every S3 trigger of the app listens to s3:ObjectCreated:*, so every pair
// of them shares an event type.

// s3Trigger is one function's S3 trigger as the stage configures it: the
// declaration's prefix and the stage's suffixes. The stack writes one
// notification entry per suffix, or one for the prefix alone.
type s3Trigger struct {
	Function string
	Prefix   string
	// Suffixes: none means every key under Prefix.
	Suffixes []string
}

// s3Triggers are the declared functions' S3 triggers with the stage's
// notification suffixes, in declaration order.
func (c Config) s3Triggers() []s3Trigger {
	var out []s3Trigger
	for _, fn := range c.Functions.Named() {
		if o, ok := fn.Declaration.ObjectCreated(); ok {
			out = append(out, s3Trigger{Function: fn.Name, Prefix: o.Prefix, Suffixes: fn.Suffixes()})
		}
	}
	return out
}

// overlapsAllowed says what validateS3Overlaps accepts, for messages.
const overlapsAllowed = `allowed: prefixes neither of which starts with the other, or suffixes on both triggers none of which ends with another (e.g. the same prefix with ".csv" for one function and ".png" for the other); prefixes are declared in ` + declare.File + `, suffixes are functions.<name>.notificationSuffixes`

// validateS3Overlaps refuses S3 triggers that S3 would refuse at deploy:
// two functions whose triggers can match one key, and one function whose
// suffixes overlap each other (the stack writes an entry per suffix).
func validateS3Overlaps(triggers []s3Trigger, add func(string, string, ...any)) {
	for i, a := range triggers {
		for j, s := range a.Suffixes {
			for _, t := range a.Suffixes[j+1:] {
				if suffixesOverlap(s, t) {
					add("functions."+a.Function+".notificationSuffixes", "%q and %q overlap: a key such as %q ends with both, and S3 refuses overlapping notification entries (one per suffix) with \"Configurations overlap\"; allowed: suffixes none of which ends with another",
						s, t, exampleKey(a.Prefix, "", longer(s, t)))
				}
			}
		}
		for _, b := range triggers[i+1:] {
			if !prefixesOverlap(a.Prefix, b.Prefix) {
				continue
			}
			suffix, ok := sharedSuffix(a.Suffixes, b.Suffixes)
			if !ok {
				continue
			}
			add("functions."+a.Function+", functions."+b.Function,
				"their S3 triggers overlap: the %s function's (prefix %q, %s) and the %s function's (prefix %q, %s) both match a key such as %q, and S3 refuses the bucket's whole notification configuration with \"Configurations overlap\"; %s",
				a.Function, a.Prefix, describeSuffixes(a.Suffixes), b.Function, b.Prefix, describeSuffixes(b.Suffixes),
				exampleKey(a.Prefix, b.Prefix, suffix), overlapsAllowed)
		}
	}
}

// prefixesOverlap: some key starts with both.
func prefixesOverlap(a, b string) bool { return strings.HasPrefix(a, b) || strings.HasPrefix(b, a) }

// suffixesOverlap: some key ends with both.
func suffixesOverlap(a, b string) bool { return strings.HasSuffix(a, b) || strings.HasSuffix(b, a) }

// sharedSuffix reports whether some key ends with a suffix of each list (an
// empty list matches every key) and returns the longest such suffix.
func sharedSuffix(a, b []string) (string, bool) {
	switch {
	case len(a) == 0 && len(b) == 0:
		return "", true
	case len(a) == 0:
		return b[0], true
	case len(b) == 0:
		return a[0], true
	}
	for _, s := range a {
		for _, t := range b {
			if suffixesOverlap(s, t) {
				return longer(s, t), true
			}
		}
	}
	return "", false
}

// exampleKey is a key under both prefixes that ends with suffix.
func exampleKey(a, b, suffix string) string { return longer(a, b) + "example" + suffix }

func longer(a, b string) string {
	if len(b) > len(a) {
		return b
	}
	return a
}

func describeSuffixes(s []string) string {
	if len(s) == 0 {
		return "any suffix"
	}
	return fmt.Sprintf("suffixes %q", s)
}
