package template

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go-lambda-cdk/internal/assembly"
)

// NestedStackType is the resource type of a nested stack.
const NestedStackType = assembly.NestedStackType

// NestedSeparator joins a nested stack's logical ID and the logical ID of
// a resource in it once flattened ("Functions07NestedStack...ABC.ApiFunction6BF808ED"):
// CloudFormation's logical IDs are alphanumeric, so the name is unique.
const NestedSeparator = "."

// ChildTemplate returns the template of the nested stack declared by the
// resource (an AWS::CloudFormation::Stack with its properties and
// metadata) whose flattened name is id: its logical ID, preceded by its
// parents' and NestedSeparator when it is nested deeper.
type ChildTemplate func(id string, resource map[string]any) ([]byte, error)

// AssemblyChild reads a nested stack's template from the cloud assembly
// in dir: the file assembly.NestedTemplateFile names.
func AssemblyChild(dir string) ChildTemplate {
	return func(id string, resource map[string]any) ([]byte, error) {
		file := assembly.NestedTemplateFile(resource)
		if file == "" {
			return nil, fmt.Errorf("nested stack %s: no aws:asset:path metadata naming its template", id)
		}
		return os.ReadFile(filepath.Join(dir, file))
	}
}

// Flatten returns the template data with the resources of every nested
// stack it declares (recursively) merged in, each named
// "<nested stack's logical ID>.<its logical ID>", and every reference
// across a nested stack's boundary replaced by what it refers to: a Ref
// to one of the child's parameters by the value the parent passes, and
// the parent's Fn::GetAtt [child, "Outputs.X"] by the child's output X.
// A template without nested stacks comes back as it was.
func Flatten(data []byte, child ChildTemplate) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	resources, _ := doc["Resources"].(map[string]any)
	if !hasNested(resources) {
		return data, nil
	}
	if err := flatten(doc, child, ""); err != nil {
		return nil, err
	}
	return json.Marshal(doc)
}

func hasNested(resources map[string]any) bool {
	for _, r := range resources {
		if m, ok := r.(map[string]any); ok && m["Type"] == NestedStackType {
			return true
		}
	}
	return false
}

func flatten(doc map[string]any, child ChildTemplate, prefix string) error {
	resources, _ := doc["Resources"].(map[string]any)
	ids := make([]string, 0, len(resources))
	for id := range resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	outputs := map[string]any{} // "<child>" + "\x00" + output name -> value, in the parent's names
	for _, id := range ids {
		res, _ := resources[id].(map[string]any)
		if res["Type"] != NestedStackType {
			continue
		}
		data, err := child(prefix+id, res)
		if err != nil {
			return fmt.Errorf("nested stack %s: %w", id, err)
		}
		var sub map[string]any
		if err := json.Unmarshal(data, &sub); err != nil {
			return fmt.Errorf("nested stack %s: parse: %w", id, err)
		}
		// Its own nested stacks first, named within it.
		if err := flatten(sub, child, prefix+id+NestedSeparator); err != nil {
			return fmt.Errorf("nested stack %s: %w", id, err)
		}
		props, _ := res["Properties"].(map[string]any)
		passed, _ := props["Parameters"].(map[string]any)
		subResources, _ := sub["Resources"].(map[string]any)
		rename := func(v any) any { return renameRefs(v, id, subResources, passed) }
		for rid, r := range subResources {
			resources[id+NestedSeparator+rid] = rename(r)
		}
		subOutputs, _ := sub["Outputs"].(map[string]any)
		for name, o := range subOutputs {
			if m, ok := o.(map[string]any); ok {
				outputs[id+"\x00"+name] = rename(m["Value"])
			}
		}
	}
	for id, r := range resources {
		resources[id] = replaceOutputs(r, outputs)
	}
	return nil
}

// renameRefs rewrites a child's value into its parent's names: Refs and
// Fn::GetAtts of the child's resources get the child's prefix, Refs of its
// parameters become the values passed.
func renameRefs(v any, child string, resources, passed map[string]any) any {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 1 {
			if ref, ok := t["Ref"].(string); ok {
				if _, isResource := resources[ref]; isResource {
					return map[string]any{"Ref": child + NestedSeparator + ref}
				}
				if p, isParam := passed[ref]; isParam {
					return p
				}
				return t // a pseudo parameter
			}
			if ga, ok := t["Fn::GetAtt"].([]any); ok && len(ga) == 2 {
				if target, ok := ga[0].(string); ok {
					if _, isResource := resources[target]; isResource {
						return map[string]any{"Fn::GetAtt": []any{child + NestedSeparator + target, ga[1]}}
					}
				}
			}
		}
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = renameRefs(e, child, resources, passed)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = renameRefs(e, child, resources, passed)
		}
		return out
	}
	return v
}

// replaceOutputs replaces each Fn::GetAtt [child, "Outputs.X"] by the
// child's output X.
func replaceOutputs(v any, outputs map[string]any) any {
	switch t := v.(type) {
	case map[string]any:
		if ga, ok := t["Fn::GetAtt"].([]any); ok && len(t) == 1 && len(ga) == 2 {
			target, _ := ga[0].(string)
			attr, _ := ga[1].(string)
			if name, ok := strings.CutPrefix(attr, "Outputs."); ok {
				if value, ok := outputs[target+"\x00"+name]; ok {
					return value
				}
			}
		}
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = replaceOutputs(e, outputs)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = replaceOutputs(e, outputs)
		}
		return out
	}
	return v
}
