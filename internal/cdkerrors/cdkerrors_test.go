package cdkerrors_test

import (
	"errors"
	"strings"
	"testing"

	"go-lambda-cdk/internal/cdkerrors"
)

// TestRecoverTurnsCDKValidationErrorsIntoErrors: the panics the jsii
// runtime raises for aws-cdk-lib's validation errors come back as one
// clean error naming the code, the CDK's message and what to do; any
// other panic goes on.
func TestRecoverTurnsCDKValidationErrorsIntoErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		panic any
		want  []string // in the error; nil: the panic goes on
	}{
		{"too many resources", errors.New("TooManyResourcesInStack: Number of resources in stack 'GoLambdaCdk-dev': 906 is greater than allowed maximum of 500: AWS::Lambda::Function (50)"),
			[]string{"TooManyResourcesInStack", "906 is greater than allowed maximum of 500", "nestedStacks"}},
		{"construct validation", errors.New("Validation failed with the following errors:\n  [GoLambdaCdk-dev/RestApi] The REST API doesn't contain any methods\n    at Execute (/tmp/jsii-kernel/lib.js:1:2)"),
			[]string{"synth refused by the CDK", "The REST API doesn't contain any methods"}},
		{"dependency cycle", errors.New("DependencyCycle: 'GoLambdaCdk-dev/Functions01' depends on 'GoLambdaCdk-dev' (a cycle)"),
			[]string{"DependencyCycle", "refers back"}},
		{"kernel fault", errors.New("JsiiError: @jsii/kernel.Fault object not found"), nil},
		{"go bug", "index out of range", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var goesOn any
			func() {
				defer func() { goesOn = recover() }()
				err := cdkerrors.Recover(func() error { panic(tc.panic) })
				if tc.want == nil {
					t.Errorf("panic %v became error %v", tc.panic, err)
					return
				}
				for _, w := range tc.want {
					if err == nil || !strings.Contains(err.Error(), w) {
						t.Errorf("error %v does not say %q", err, w)
					}
				}
				if err != nil && strings.Contains(err.Error(), "\n") {
					t.Errorf("error %q holds a stack trace", err)
				}
			}()
			if (goesOn != nil) != (tc.want == nil) {
				t.Errorf("panic went on: %v, want %v", goesOn, tc.want == nil)
			}
		})
	}
	if err := cdkerrors.Recover(func() error { return errors.New("plain") }); err == nil || err.Error() != "plain" {
		t.Errorf("f's own error: %v", err)
	}
}
