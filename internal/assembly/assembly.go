// Package assembly reads a synthesized CDK cloud assembly (cdk.out): the
// stacks its manifest.json names, through nested assemblies (stages), and
// the *.nested.template.json of each nested stack they declare
// (https://github.com/aws/aws-cdk/tree/main/packages/@aws-cdk/cloud-assembly-schema).
// It knows nothing of the CDK app nor of what the templates are used for.
package assembly

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// NestedSuffix ends the file name of a nested stack's template.
const NestedSuffix = ".nested.template.json"

// NestedStackType is the resource type of a nested stack.
const NestedStackType = "AWS::CloudFormation::Stack"

// Stack is a stack artifact of a cloud assembly.
type Stack struct {
	// Name is its stack name, else its artifact ID ("GoLambdaCdk-dev").
	Name string
	// Path is its template's file, relative to the assembly's folder.
	Path string
}

// Template is one template file of a cloud assembly, root or nested.
type Template struct {
	// Name is the stack's name (Stack.Name); for a nested stack, its
	// parent's name and the logical ID of its AWS::CloudFormation::Stack
	// resource ("GoLambdaCdk-dev/Functions1NestedStack...").
	Name string
	// Path is the template's file, relative to the assembly's folder.
	Path string
	// Nested is true for a nested stack's *.nested.template.json.
	Nested bool
	// Size is the template's size in bytes, as written.
	Size int
	// Doc is the parsed template (a JSON object).
	Doc map[string]any
}

// manifest is the part of manifest.json that names stack templates and
// nested assemblies.
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

// readManifest returns the stacks of the assembly in root/sub, by
// artifact ID, and its nested assemblies' folders, both relative to root.
func readManifest(root, sub string) (stacks []Stack, assemblies []string, err error) {
	dir := filepath.Join(root, sub)
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("read cloud assembly %s: no manifest.json (synthesize first: make synth)", dir)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read cloud assembly %s: %w", dir, err)
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, nil, fmt.Errorf("read cloud assembly %s: manifest.json: %w", dir, err)
	}
	for _, id := range slices.Sorted(maps.Keys(m.Artifacts)) {
		a := m.Artifacts[id]
		switch a.Type {
		case "aws:cloudformation:stack":
			name := a.Properties.StackName
			if name == "" {
				name = id
			}
			stacks = append(stacks, Stack{Name: name, Path: filepath.Join(sub, a.Properties.TemplateFile)})
		case "cdk:cloud-assembly":
			assemblies = append(assemblies, filepath.Join(sub, a.Properties.DirectoryName))
		}
	}
	return stacks, assemblies, nil
}

// Stacks lists the stacks of the cloud assembly in dir, following nested
// assemblies, by name. It reads only the manifests.
func Stacks(dir string) ([]Stack, error) {
	var all []Stack
	var walk func(sub string) error
	walk = func(sub string) error {
		stacks, assemblies, err := readManifest(dir, sub)
		if err != nil {
			return err
		}
		all = append(all, stacks...)
		for _, a := range assemblies {
			if err := walk(a); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(""); err != nil {
		return nil, err
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all, nil
}

// Read reads every template of the cloud assembly in dir: per assembly,
// each stack its manifest.json names (by artifact ID), then each nested
// stack's *.nested.template.json beside them, parents before their
// children, then its nested assemblies. Nested stacks are named after the
// parent resource whose aws:asset:path metadata names their file
// (NestedTemplateFile), else after the file.
func Read(dir string) ([]Template, error) {
	var out []Template
	if err := read(dir, "", &out); err != nil {
		return nil, err
	}
	return out, nil
}

func read(root, sub string, out *[]Template) error {
	stacks, assemblies, err := readManifest(root, sub)
	if err != nil {
		return err
	}
	nestedNames := map[string]string{} // nested template file -> name
	add := func(rel, name string, nested bool) error {
		t, err := readTemplate(root, rel, name, nested)
		if err != nil {
			return err
		}
		*out = append(*out, t)
		nameNested(t, nestedNames)
		return nil
	}
	for _, s := range stacks {
		if err := add(s.Path, s.Name, false); err != nil {
			return err
		}
	}
	dir := filepath.Join(root, sub)
	files, err := filepath.Glob(filepath.Join(dir, "*"+NestedSuffix))
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
			if err := add(filepath.Join(sub, base), name, true); err != nil {
				return err
			}
		}
		if len(later) == len(pending) { // no parent names them: use the file name
			for _, f := range later {
				base := filepath.Base(f)
				if err := add(filepath.Join(sub, base), strings.TrimSuffix(base, NestedSuffix), true); err != nil {
					return err
				}
			}
			break
		}
		pending = later
	}
	for _, a := range assemblies {
		if err := read(root, a, out); err != nil {
			return err
		}
	}
	return nil
}

func readTemplate(root, rel, name string, nested bool) (Template, error) {
	data, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		return Template{}, fmt.Errorf("read stack %s: %w", name, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return Template{}, fmt.Errorf("read stack %s (%s): parse template: %w", name, rel, err)
	}
	if doc == nil {
		return Template{}, fmt.Errorf("read stack %s (%s): parse template: not a JSON object", name, rel)
	}
	return Template{Name: name, Path: rel, Nested: nested, Size: len(data), Doc: doc}, nil
}

// nameNested records the names of the nested stacks t declares, by the
// template file their aws:asset:path metadata names.
func nameNested(t Template, names map[string]string) {
	resources, _ := t.Doc["Resources"].(map[string]any)
	for _, id := range slices.Sorted(maps.Keys(resources)) {
		r, _ := resources[id].(map[string]any)
		if r["Type"] != NestedStackType {
			continue
		}
		if file := NestedTemplateFile(r); strings.HasSuffix(file, NestedSuffix) {
			names[file] = t.Name + "/" + id
		}
	}
}

// NestedTemplateFile is the name of the file, beside its parent's template
// in the assembly, that holds the template of the nested stack declared by
// resource (an AWS::CloudFormation::Stack with its metadata): the base of
// its aws:asset:path metadata, which the CDK writes as
// <name>.nested.template.json unless the CDK CLI runs with
// --no-asset-metadata. It is "" without that metadata.
func NestedTemplateFile(resource map[string]any) string {
	meta, _ := resource["Metadata"].(map[string]any)
	path, _ := meta["aws:asset:path"].(string)
	if path == "" {
		return ""
	}
	return filepath.Base(path)
}
