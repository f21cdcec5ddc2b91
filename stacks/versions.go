package stacks

import (
	"slices"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/config"
)

// readActions adds s3:GetObjectVersion to a Read statement on the prefix
// of the function's own S3 trigger when the bucket is versioned: the
// processor reads exactly the version of its event (GetObject with
// VersionId), which S3 authorizes with s3:GetObjectVersion.
func readActions(s functions.Statement, d functions.Declaration, b config.Bucket) []string {
	o, ok := d.ObjectCreated()
	if !b.Versioned || !ok || o.Prefix != s.Prefix || !slices.Contains(s.Actions, "s3:GetObject") {
		return s.Actions
	}
	return append(slices.Clone(s.Actions), "s3:GetObjectVersion")
}
