package cfnlimits

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
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

const nestedSuffix = ".nested.template.json"

// manifest is the part of a cloud assembly's manifest.json that names
// stack templates and nested assemblies (stages)
// (https://github.com/aws/aws-cdk/tree/main/packages/@aws-cdk/cloud-assembly-schema).
type manifest struct {
	Artifacts map[string]struct {
		Type       string `json:"type"`
		Properties struct {
			TemplateFile  string `json:"templateFile"`
			StackName     string `json:"stackName"`
			DirectoryName string `json:"directoryName"`
		} `json:"properties"`
	} `json:"artifacts"`
}

// ReadAssembly reads every template of the cloud assembly in dir (cdk.out):
// each stack named by manifest.json, then each nested stack's
// *.nested.template.json, through nested assemblies too. Nested stacks are
// named after the parent resource whose aws:asset:path metadata names their
// file (the CDK writes it), else after the file.
func ReadAssembly(dir string) ([]Stack, error) {
	var stacks []Stack
	if err := readAssembly(dir, "", &stacks); err != nil {
		return nil, err
	}
	return stacks, nil
}

func readAssembly(root, sub string, stacks *[]Stack) error {
	dir := filepath.Join(root, sub)
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read cloud assembly %s: no manifest.json (synthesize first: make synth)", dir)
	}
	if err != nil {
		return fmt.Errorf("read cloud assembly %s: %w", dir, err)
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("read cloud assembly %s: manifest.json: %w", dir, err)
	}
	ids := make([]string, 0, len(m.Artifacts))
	for id := range m.Artifacts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	nestedNames := map[string]string{} // nested template file -> name
	var nestedAssemblies []string
	for _, id := range ids {
		a := m.Artifacts[id]
		switch a.Type {
		case "aws:cloudformation:stack":
			name := a.Properties.StackName
			if name == "" {
				name = id
			}
			s, err := readStack(root, filepath.Join(sub, a.Properties.TemplateFile), name, false)
			if err != nil {
				return err
			}
			*stacks = append(*stacks, s)
			nameNested(s, nestedNames)
		case "cdk:cloud-assembly":
			nestedAssemblies = append(nestedAssemblies, filepath.Join(sub, a.Properties.DirectoryName))
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "*"+nestedSuffix))
	if err != nil {
		return fmt.Errorf("read cloud assembly %s: %w", dir, err)
	}
	sort.Strings(files)
	// Parents come before their children: a nested stack's template is
	// named once its parent is read, which may itself be nested.
	pending := files
	for len(pending) > 0 {
		var later []string
		for _, f := range pending {
			base := filepath.Base(f)
			name, ok := nestedNames[base]
			if !ok {
				later = append(later, f)
				continue
			}
			s, err := readStack(root, filepath.Join(sub, base), name, true)
			if err != nil {
				return err
			}
			*stacks = append(*stacks, s)
			nameNested(s, nestedNames)
		}
		if len(later) == len(pending) { // no parent names them: use the file name
			for _, f := range later {
				base := filepath.Base(f)
				s, err := readStack(root, filepath.Join(sub, base), strings.TrimSuffix(base, nestedSuffix), true)
				if err != nil {
					return err
				}
				*stacks = append(*stacks, s)
			}
			break
		}
		pending = later
	}
	for _, n := range nestedAssemblies {
		if err := readAssembly(root, n, stacks); err != nil {
			return err
		}
	}
	return nil
}

func readStack(root, rel, name string, nested bool) (Stack, error) {
	data, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		return Stack{}, fmt.Errorf("read stack %s: %w", name, err)
	}
	t, err := Parse(data)
	if err != nil {
		return Stack{}, fmt.Errorf("read stack %s (%s): %w", name, rel, err)
	}
	return Stack{Name: name, Path: rel, Nested: nested, Size: len(data), Template: t}, nil
}

// nameNested records the names of the nested stacks s declares, by the
// template file their aws:asset:path metadata names.
func nameNested(s Stack, names map[string]string) {
	resources := section(s.Template, "Resources")
	for _, id := range sortedKeys(resources) {
		r, _ := resources[id].(map[string]any)
		if r["Type"] != nestedStackType {
			continue
		}
		meta, _ := r["Metadata"].(map[string]any)
		if path, ok := meta["aws:asset:path"].(string); ok && strings.HasSuffix(path, nestedSuffix) {
			names[filepath.Base(path)] = s.Name + "/" + id
		}
	}
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
