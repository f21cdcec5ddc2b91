package test

import (
	"strings"
	"testing"

	"go-lambda-cdk/stacks/functions"
)

func TestProcessorReadsObjectVersionsOnlyWhenVersioned(t *testing.T) {
	d := declaredWith(t, functions.KindS3)
	for stage, want := range map[string]bool{"dev": false, "prod": true} {
		t.Run(stage, func(t *testing.T) {
			tpl := synth(t, map[string]any{"stage": stage}).template
			_, policy := tpl.one(t, "AWS::IAM::Policy", d.ConstructID()+"RoleDefaultPolicy")
			got := strings.Contains(js(get(policy, "Properties.PolicyDocument")), `"s3:GetObjectVersion"`)
			if got != want {
				t.Errorf("s3:GetObjectVersion granted %v, want %v (bucket versioned in %s: %v)", got, want, stage, want)
			}
		})
	}
}
