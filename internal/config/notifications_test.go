package config

import (
	"errors"
	"fmt"
	"testing"

	"go-lambda-cdk/internal/fixture"
)

// TestS3TriggerOverlaps: two S3 triggers that can match one key, or one
// trigger's suffixes that overlap each other, are refused, naming both
// functions, both prefixes and the suffixes; triggers no key can match
// together are accepted.
func TestS3TriggerOverlaps(t *testing.T) {
	tests := []struct {
		name     string
		triggers []s3Trigger
		want     []string // nil: accepted
	}{
		{"disjoint prefixes, no suffixes", []s3Trigger{{"a", "uploads/", nil}, {"b", "imports/", nil}}, nil},
		{"same prefix, disjoint suffixes", []s3Trigger{{"a", "uploads/", []string{".csv"}}, {"b", "uploads/", []string{".png", ".jpg"}}}, nil},
		{"nested prefixes, disjoint suffixes", []s3Trigger{{"a", "uploads/", []string{".csv"}}, {"b", "uploads/img/", []string{".png"}}}, nil},
		{"prefixes that only look alike", []s3Trigger{{"a", "up/", nil}, {"b", "uploads/", nil}}, nil},
		{"one function, distinct suffixes", []s3Trigger{{"a", "uploads/", []string{".csv", ".tsv"}}}, nil},
		{"same prefix, no suffixes", []s3Trigger{{"a", "uploads/", nil}, {"b", "uploads/", nil}}, []string{
			"functions.a, functions.b: their S3 triggers overlap",
			`the a function's (prefix "uploads/", any suffix)`, `the b function's (prefix "uploads/", any suffix)`,
			`"uploads/example"`, "Configurations overlap", "allowed: prefixes neither of which starts with the other",
		}},
		{"one prefix starts with the other, one side without suffixes", []s3Trigger{{"a", "uploads/", nil}, {"b", "uploads/img/", []string{".png"}}}, []string{
			"functions.a, functions.b", `(prefix "uploads/", any suffix)`, `(prefix "uploads/img/", suffixes [".png"])`, `"uploads/img/example.png"`,
		}},
		{"same prefix, a shared suffix", []s3Trigger{{"a", "uploads/", []string{".csv", ".txt"}}, {"b", "uploads/", []string{".png", ".csv"}}}, []string{
			"functions.a, functions.b", `suffixes [".csv" ".txt"]`, `suffixes [".png" ".csv"]`, `"uploads/example.csv"`,
		}},
		{"suffix that ends another", []s3Trigger{{"a", "uploads/", []string{".tar.gz"}}, {"b", "uploads/x/", []string{".gz"}}}, []string{
			"functions.a, functions.b", `"uploads/x/example.tar.gz"`,
		}},
		{"one function, the same suffix twice", []s3Trigger{{"a", "uploads/", []string{".csv", ".csv"}}}, []string{
			`functions.a.notificationSuffixes: ".csv" and ".csv" overlap`, `"uploads/example.csv"`, "Configurations overlap",
		}},
		{"one function, a suffix that ends another", []s3Trigger{{"a", "uploads/", []string{"v", ".csv"}}}, []string{
			`functions.a.notificationSuffixes: "v" and ".csv" overlap`,
		}},
		{"three functions, each pair named", []s3Trigger{{"a", "in/", nil}, {"b", "in/", nil}, {"c", "in/", []string{".x"}}}, []string{
			"functions.a, functions.b", "functions.a, functions.c", "functions.b, functions.c",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errs []error
			validateS3Overlaps(tt.triggers, func(field, format string, args ...any) {
				errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
			})
			fixture.ErrorContains(t, errors.Join(errs...), tt.want)
		})
	}
}

// TestValidateRefusesOverlappingSuffixes: Validate applies the rule to the
// declared S3 trigger with the stage's suffixes.
func TestValidateRefusesOverlappingSuffixes(t *testing.T) {
	c, _ := ForStage(StageDev)
	triggers := c.s3Triggers()
	if len(triggers) == 0 {
		t.Skip("no declared function has an S3 trigger")
	}
	name := triggers[0].Function
	setFunction(&c, name, func(f *FunctionSettings) { f.NotificationSuffixes = []string{".csv", "data.csv"} })
	fixture.ErrorContains(t, c.Validate(), []string{"functions." + name + ".notificationSuffixes", `".csv" and "data.csv" overlap`})
}
