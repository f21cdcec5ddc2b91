package test

import (
	"strings"
	"testing"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/fixture"
)

// TestProcessorReadsObjectVersionsOnlyWhenVersioned: within one stage,
// bucket.versioned alone decides whether the S3-triggered function's role
// may read object versions (s3:GetObjectVersion).
func TestProcessorReadsObjectVersionsOnlyWhenVersioned(t *testing.T) {
	d := fixture.DeclaredWith(t, functions.KindS3)
	for versioned, want := range map[string]bool{"false": false, "true": true} {
		t.Run("versioned="+versioned, func(t *testing.T) {
			tpl := synth(t, map[string]any{"stage": "dev", "bucket.versioned": versioned}).template
			_, policy := tpl.one(t, "AWS::IAM::Policy", d.ConstructID()+"RoleDefaultPolicy")
			got := strings.Contains(js(get(policy, "Properties.PolicyDocument")), `"s3:GetObjectVersion"`)
			if got != want {
				t.Errorf("s3:GetObjectVersion granted %v with bucket.versioned=%s, want %v", got, versioned, want)
			}
		})
	}
}
