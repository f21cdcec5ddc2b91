package cfnlimits

import (
	"encoding/json"

	"go-lambda-cdk/internal/assembly"
)

// Stack is one template of a synthesized cloud assembly.
type Stack struct {
	// Name is the stack's name from manifest.json; for a nested stack, its
	// parent's name and the logical ID of its AWS::CloudFormation::Stack
	// resource ("GoLambdaCdk-dev/Functions1NestedStack...").
	Name string
	// Path is the template's file, relative to the assembly's folder.
	Path string
	// Nested is true for a nested stack's *.nested.template.json.
	Nested bool
	// Size is the template's size in bytes, as written.
	Size int
	// Template is the parsed template.
	Template Template
}

// Cost is the template's counts and its size as written.
func (s Stack) Cost() Cost { return s.Template.cost(s.Size) }

// ReadAssembly reads every template of the cloud assembly in dir (cdk.out),
// root and nested, through nested assemblies too; see assembly.Read for
// their order and names.
func ReadAssembly(dir string) ([]Stack, error) {
	templates, err := assembly.Read(dir)
	if err != nil {
		return nil, err
	}
	stacks := make([]Stack, len(templates))
	for i, t := range templates {
		stacks[i] = Stack{Name: t.Name, Path: t.Path, Nested: t.Nested, Size: t.Size, Template: t.Doc}
	}
	return stacks, nil
}

// CheckAssembly checks every template of the cloud assembly in dir with
// DefaultMargin; see Checker.CheckAssembly.
func CheckAssembly(dir string) ([]Violation, error) { return Checker{}.CheckAssembly(dir) }

// CheckAssembly reads the cloud assembly in dir (ReadAssembly) and checks
// every template, root and nested, measuring each as written.
func (c Checker) CheckAssembly(dir string) ([]Violation, error) {
	stacks, err := ReadAssembly(dir)
	if err != nil {
		return nil, err
	}
	var out []Violation
	for _, s := range stacks {
		data, _ := json.Marshal(s.Template)
		out = append(out, c.check(s.Name, s.Template, s.Size, data)...)
	}
	return out, nil
}
