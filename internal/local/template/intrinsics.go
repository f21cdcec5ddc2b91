package template

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// refTarget returns X of {"Ref": "X"}, or "".
func refTarget(v json.RawMessage) string {
	var ref struct {
		Ref string `json:"Ref"`
	}
	_ = json.Unmarshal(v, &ref)
	return ref.Ref
}

// getAtt returns X and Y of {"Fn::GetAtt": ["X", "Y"]}.
func getAtt(v json.RawMessage) (string, string, bool) {
	var ga struct {
		GetAtt []string `json:"Fn::GetAtt"`
	}
	if json.Unmarshal(v, &ga) != nil || len(ga.GetAtt) != 2 {
		return "", "", false
	}
	return ga.GetAtt[0], ga.GetAtt[1], true
}

// getAttArns returns every X of {"Fn::GetAtt": ["X", "Arn"]} in v, looking
// inside Fn::Join and other nested values.
func getAttArns(v json.RawMessage) []string {
	return collect(v, func(v json.RawMessage) ([]string, bool) {
		id, attr, ok := getAtt(v)
		if ok && attr == "Arn" {
			return []string{id}, true
		}
		return nil, ok
	})
}

// refs returns every X of {"Ref": "X"} in v, looking inside Fn::Join and
// other nested values.
func refs(v json.RawMessage) []string {
	return collect(v, func(v json.RawMessage) ([]string, bool) {
		if id := refTarget(v); id != "" {
			return []string{id}, true
		}
		return nil, false
	})
}

// collect walks v depth first; match returns what a node yields and
// whether the walk stops at it.
func collect(v json.RawMessage, match func(json.RawMessage) ([]string, bool)) []string {
	if found, stop := match(v); stop {
		return found
	}
	var ids []string
	var arr []json.RawMessage
	var obj map[string]json.RawMessage
	switch {
	case json.Unmarshal(v, &arr) == nil:
		for _, e := range arr {
			ids = append(ids, collect(e, match)...)
		}
	case json.Unmarshal(v, &obj) == nil:
		for _, e := range obj {
			ids = append(ids, collect(e, match)...)
		}
	}
	return ids
}

// Local account and partition the local stand-ins report.
const (
	LocalAccountID = "123456789012"
	partition      = "aws"
)

// Environment returns fn's environment variables with every reference
// resolved to its local stand-in: a bucket's Ref to the local bucket name,
// its Arn to arn:aws:s3:::<name>, a function's Ref to its name, its Arn
// to a local ARN, pseudo parameters to region, LocalAccountID and StackID,
// and Fn::Join, Fn::Select and Fn::Split of those. LoggingConfig adds AWS_LAMBDA_LOG_LEVEL and
// AWS_LAMBDA_LOG_FORMAT as Lambda does. A reference to anything else is an
// error naming the variable.
func (t *Template) Environment(fn LambdaFunction, region string) (map[string]string, error) {
	env := map[string]string{}
	var errs []error
	names := make([]string, 0, len(fn.env))
	for k := range fn.env {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v, err := t.resolve(fn.env[k], region)
		if err != nil {
			errs = append(errs, fmt.Errorf("function %s: environment variable %s: %w", fn.Name, k, err))
			continue
		}
		env[k] = v
	}
	if fn.LogLevel != "" {
		env["AWS_LAMBDA_LOG_LEVEL"] = fn.LogLevel
	}
	if fn.LogFormat != "" {
		env["AWS_LAMBDA_LOG_FORMAT"] = fn.LogFormat
	}
	return env, errors.Join(errs...)
}

func (t *Template) resolve(v json.RawMessage, region string) (string, error) {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s, nil
	}
	var n json.Number
	if json.Unmarshal(v, &n) == nil {
		return n.String(), nil
	}
	if ref := refTarget(v); ref != "" {
		return t.resolveRef(ref, region)
	}
	if id, attr, ok := getAtt(v); ok {
		return t.resolveGetAtt(id, attr, region)
	}
	var join struct {
		Join []json.RawMessage `json:"Fn::Join"`
	}
	if json.Unmarshal(v, &join) == nil && len(join.Join) == 2 {
		var sep string
		var parts []json.RawMessage
		if json.Unmarshal(join.Join[0], &sep) != nil || json.Unmarshal(join.Join[1], &parts) != nil {
			return "", fmt.Errorf("malformed Fn::Join %s", v)
		}
		out := make([]string, len(parts))
		for i, p := range parts {
			s, err := t.resolve(p, region)
			if err != nil {
				return "", err
			}
			out[i] = s
		}
		return strings.Join(out, sep), nil
	}
	var sel struct {
		Select []json.RawMessage `json:"Fn::Select"`
	}
	if json.Unmarshal(v, &sel) == nil && len(sel.Select) == 2 {
		var i int
		if json.Unmarshal(sel.Select[0], &i) != nil {
			return "", fmt.Errorf("malformed Fn::Select %s", v)
		}
		list, err := t.resolveList(sel.Select[1], region)
		if err != nil {
			return "", err
		}
		if i < 0 || i >= len(list) {
			return "", fmt.Errorf("Fn::Select index %d out of range in %s", i, v)
		}
		return list[i], nil
	}
	return "", fmt.Errorf("cannot resolve %s locally", v)
}

// resolveList resolves a list: a literal one or Fn::Split of a string.
func (t *Template) resolveList(v json.RawMessage, region string) ([]string, error) {
	var split struct {
		Split []json.RawMessage `json:"Fn::Split"`
	}
	if json.Unmarshal(v, &split) == nil && len(split.Split) == 2 {
		var sep string
		if json.Unmarshal(split.Split[0], &sep) != nil {
			return nil, fmt.Errorf("malformed Fn::Split %s", v)
		}
		s, err := t.resolve(split.Split[1], region)
		if err != nil {
			return nil, err
		}
		return strings.Split(s, sep), nil
	}
	var items []json.RawMessage
	if json.Unmarshal(v, &items) != nil {
		return nil, fmt.Errorf("cannot resolve %s locally as a list", v)
	}
	out := make([]string, len(items))
	for i, item := range items {
		s, err := t.resolve(item, region)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// StackID is the local stand-in of AWS::StackId: a stack ARN whose UUID is
// derived from the stack name, so that names built from it (such as the app
// bucket's) are the same on every run.
func (t *Template) StackID(region string) string {
	h := sha256.Sum256([]byte(t.StackName))
	x := hex.EncodeToString(h[:16])
	return fmt.Sprintf("arn:%s:cloudformation:%s:%s:stack/%s/%s-%s-%s-%s-%s", partition, region, LocalAccountID, t.StackName, x[:8], x[8:12], x[12:16], x[16:20], x[20:32])
}

func (t *Template) resolveRef(ref, region string) (string, error) {
	switch ref {
	case "AWS::Region":
		return region, nil
	case "AWS::AccountId":
		return LocalAccountID, nil
	case "AWS::Partition":
		return partition, nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::StackName":
		return t.StackName, nil
	case "AWS::StackId":
		return t.StackID(region), nil
	}
	for _, b := range t.Buckets {
		if b.LogicalID == ref {
			return b.Name, nil
		}
	}
	if i, ok := t.functionByID(ref); ok {
		return t.Functions[i].Name, nil
	}
	return "", fmt.Errorf("Ref %s is not a bucket, a Go function or a pseudo parameter", ref)
}

func (t *Template) resolveGetAtt(id, attr, region string) (string, error) {
	for _, b := range t.Buckets {
		if b.LogicalID != id {
			continue
		}
		switch attr {
		case "Arn":
			return "arn:aws:s3:::" + b.Name, nil
		case "DomainName", "RegionalDomainName":
			return b.Name + ".s3." + region + ".amazonaws.com", nil
		}
	}
	if i, ok := t.functionByID(id); ok && attr == "Arn" {
		return fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", partition, region, LocalAccountID, t.Functions[i].Name), nil
	}
	return "", fmt.Errorf("Fn::GetAtt %s.%s has no local stand-in", id, attr)
}
