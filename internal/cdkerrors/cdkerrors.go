// Package cdkerrors turns the CDK's validation errors, which reach Go as
// panics of the jsii runtime (a JavaScript exception in the kernel), into
// ordinary errors with a clean message: no Go panic, no jsii or
// JavaScript stack trace for a limit CDK checks at synth (resources in a
// stack, the length of a stack's name or description, a dependency
// cycle...). Anything else still panics: it is a bug, and its trace is
// what finds it.
package cdkerrors

import (
	"fmt"
	"regexp"
	"strings"
)

// coded is how aws-cdk-lib's ValidationError reads once jsii passes it
// on: "<Code>: <message>", the code in PascalCase, e.g.
// "TooManyResourcesInStack: Number of resources in stack ...".
var coded = regexp.MustCompile(`^([A-Z][A-Za-z0-9]+): (.*)`)

// advice says what to do about the CDK's codes that the app can run into
// as it grows.
var advice = map[string]string{
	"TooManyResourcesInStack": "declare fewer functions in one stack: nestedStacks \"always\" puts every function into a nested stack of its group (docs/design.md, \"Stacks at scale\")",
	"StackDescriptionTooLong": "shorten the stack's description",
	"StackNameTooLong":        "shorten project or stage, which name the stack",
	"DependencyCycle":         "a resource refers to another that refers back to it; see docs/design.md, \"Stacks at scale\", for how the stacks refer to each other",
}

// Error is a CDK validation error.
type Error struct {
	// Code is the CDK's error code, e.g. "TooManyResourcesInStack"; empty
	// for construct validation ("Validation failed with the following
	// errors").
	Code string
	// Message is the CDK's message, first line.
	Message string
}

func (e *Error) Error() string {
	msg := "synth refused by the CDK: " + e.Message
	if e.Code != "" {
		msg = fmt.Sprintf("synth refused by the CDK (%s): %s", e.Code, e.Message)
	}
	if a, ok := advice[e.Code]; ok {
		msg += "; " + a
	}
	return msg
}

// FromPanic returns the validation error a recovered panic value holds,
// or false when it is not one.
func FromPanic(r any) (*Error, bool) {
	err, ok := r.(error)
	if !ok {
		return nil, false
	}
	text := strings.TrimSpace(err.Error())
	first, _, _ := strings.Cut(text, "\n")
	if strings.HasPrefix(first, "Validation failed with the following errors") {
		lines := strings.Split(text, "\n")
		var msgs []string
		for _, l := range lines[1:] {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "at ") {
				msgs = append(msgs, l)
			}
		}
		return &Error{Message: strings.Join(msgs, "; ")}, true
	}
	m := coded.FindStringSubmatch(first)
	if m == nil || m[1] == "JsiiError" || m[1] == "Error" || m[1] == "TypeError" {
		return nil, false
	}
	return &Error{Code: m[1], Message: m[2]}, true
}

// Recover runs f and returns its error, or the CDK validation error it
// panicked with (FromPanic). Any other panic goes on.
func Recover(f func() error) (err error) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if e, ok := FromPanic(r); ok {
			err = e
			return
		}
		panic(r)
	}()
	return f()
}
