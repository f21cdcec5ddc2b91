package template

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Stack is a stack artifact of a cloud assembly (cdk.out).
type Stack struct {
	Name         string // stack name, e.g. "GoLambdaCdk-dev"
	TemplateFile string // absolute path of its template
}

// Stacks lists the stacks of the cloud assembly in dir (cdk.out), following
// nested assemblies (CDK Stages), by name.
func Stacks(dir string) ([]Stack, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("read cloud assembly manifest (run `make synth` first): %w", err)
	}
	var m struct {
		Artifacts map[string]struct {
			Type        string `json:"type"`
			DisplayName string `json:"displayName"`
			Properties  struct {
				TemplateFile  string `json:"templateFile"`
				StackName     string `json:"stackName"`
				DirectoryName string `json:"directoryName"`
			} `json:"properties"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("parse %s: %w", filepath.Join(dir, "manifest.json"), err)
	}
	var stacks []Stack
	for id, a := range m.Artifacts {
		switch a.Type {
		case "aws:cloudformation:stack":
			name := a.Properties.StackName
			if name == "" {
				name = id
			}
			stacks = append(stacks, Stack{Name: name, TemplateFile: filepath.Join(dir, a.Properties.TemplateFile)})
		case "cdk:cloud-assembly":
			nested, err := Stacks(filepath.Join(dir, a.Properties.DirectoryName))
			if err != nil {
				return nil, err
			}
			stacks = append(stacks, nested...)
		}
	}
	sort.Slice(stacks, func(i, j int) bool { return stacks[i].Name < stacks[j].Name })
	return stacks, nil
}

// Load reads the template of the named stack in the cloud assembly dir.
// With name "", the assembly must hold exactly one stack.
func Load(dir, name string) (*Template, error) {
	stacks, err := Stacks(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, s := range stacks {
		if s.Name == name || name == "" && len(stacks) == 1 {
			return ReadFile(s.TemplateFile, s.Name)
		}
		names = append(names, s.Name)
	}
	if name == "" {
		return nil, fmt.Errorf("%s holds %d stacks (%s); name one", dir, len(stacks), strings.Join(names, ", "))
	}
	return nil, fmt.Errorf("%s has no stack %q; it has: %s", dir, name, strings.Join(names, ", "))
}
