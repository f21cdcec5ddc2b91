package cfnlimits

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// RefBytes is the length Check assumes for a Ref of a resource or
// parameter (a physical ID or name; most names are at most 64
// characters).
const RefBytes = 64

// pseudoBytes is the longest value of each pseudo parameter
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/pseudo-parameter-reference.html):
// aws-us-gov, ap-southeast-5 style Region names, 12-digit account IDs,
// amazonaws.com.cn.
var pseudoBytes = map[string]int{
	"AWS::Partition": len("aws-us-gov"),
	"AWS::Region":    len("ap-southeast-5"),
	"AWS::AccountId": 12,
	"AWS::URLSuffix": len("amazonaws.com.cn"),
	"AWS::StackName": 128,
	"AWS::StackId":   UnresolvedBytes + 64,
}

var subVariable = regexp.MustCompile(`\$\{[^!}][^}]*\}`)

// valueBytes estimates the length of a template value once CloudFormation
// resolves it: a string is its length, Fn::Join and Fn::Sub add up their
// parts, a pseudo parameter its longest value, a Ref RefBytes and any other
// intrinsic UnresolvedBytes.
func valueBytes(v any) int {
	switch v := v.(type) {
	case string:
		return len(v)
	case float64, bool:
		return len(fmt.Sprint(v))
	case map[string]any:
		if len(v) != 1 {
			break
		}
		if ref, ok := v["Ref"].(string); ok {
			if n, ok := pseudoBytes[ref]; ok {
				return n
			}
			return RefBytes
		}
		if join, ok := v["Fn::Join"].([]any); ok && len(join) == 2 {
			sep, _ := join[0].(string)
			parts, ok := join[1].([]any)
			if !ok {
				return UnresolvedBytes
			}
			n := len(sep) * max(len(parts)-1, 0)
			for _, p := range parts {
				n += valueBytes(p)
			}
			return n
		}
		if sub, ok := v["Fn::Sub"]; ok {
			s, _ := sub.(string)
			if list, ok := sub.([]any); ok && len(list) > 0 {
				s, _ = list[0].(string)
			}
			n := len(s)
			for _, m := range subVariable.FindAllString(s, -1) {
				name := m[2 : len(m)-1]
				n -= len(m)
				if b, ok := pseudoBytes[name]; ok {
					n += b
				} else if strings.Contains(name, ".") {
					n += UnresolvedBytes
				} else {
					n += RefBytes
				}
			}
			return n
		}
	}
	return UnresolvedBytes
}

// render is a template string value with each intrinsic function that
// CloudFormation resolves at deploy time stood in for by "0", which keeps
// JSON built by Fn::Join JSON whether the value sits in a string or stands
// for a number. ok is false for a value that is no string at all.
func render(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case map[string]any:
		if join, ok := v["Fn::Join"].([]any); ok && len(v) == 1 && len(join) == 2 {
			sep, _ := join[0].(string)
			parts, ok := join[1].([]any)
			if !ok {
				return "0", true
			}
			out := make([]string, len(parts))
			for i, p := range parts {
				if out[i], ok = render(p); !ok {
					return "", false
				}
			}
			return strings.Join(out, sep), true
		}
		if sub, ok := v["Fn::Sub"]; ok && len(v) == 1 {
			s, _ := sub.(string)
			if list, ok := sub.([]any); ok && len(list) > 0 {
				s, _ = list[0].(string)
			}
			return subVariable.ReplaceAllString(s, "0"), true
		}
		return "0", true
	case float64:
		return fmt.Sprint(v), true
	}
	return "", false
}

// dashboardWidgets is the number of metrics of each widget of a
// dashboard's body; ok is false when the body is not JSON once its
// intrinsics are stood in for.
func dashboardWidgets(body any) (metrics []int, ok bool) {
	s, ok := render(body)
	if !ok {
		return nil, false
	}
	var d struct {
		Widgets []struct {
			Properties struct {
				Metrics []json.RawMessage `json:"metrics"`
			} `json:"properties"`
		} `json:"widgets"`
	}
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		return nil, false
	}
	metrics = make([]int, len(d.Widgets))
	for i, w := range d.Widgets {
		metrics[i] = len(w.Properties.Metrics)
	}
	return metrics, true
}

// functionPolicy is the estimated resource-based policy of one function
// (or alias) from the permissions a template grants on it.
type functionPolicy struct {
	subject string
	bytes   int
}

// functionPolicies estimates, for each function or alias that the
// template's AWS::Lambda::Permission resources name (grouped by the same
// FunctionName value), the size of the policy Lambda builds from them: one
// statement per permission, its Sid generated from the stack name and
// logical ID, its Resource the function's ARN and a Condition for
// SourceArn and SourceAccount
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-permission.html).
func functionPolicies(stack string, resources map[string]any) []functionPolicy {
	sizes := map[string]int{}
	names := map[string]string{}
	for _, id := range sortedKeys(resources) {
		r, _ := resources[id].(map[string]any)
		if r["Type"] != permissionType {
			continue
		}
		p, _ := r["Properties"].(map[string]any)
		key, _ := json.Marshal(p["FunctionName"])
		if _, ok := sizes[string(key)]; !ok {
			sizes[string(key)] = policyEnvelopeBytes
			names[string(key)] = functionLabel(p["FunctionName"])
		}
		n := statementSkeletonSize + min(len(stack)+len(id)+14, 100) + valueBytes(p["Action"]) + valueBytes(p["Principal"])
		if fn, ok := p["FunctionName"].(string); ok && !strings.HasPrefix(fn, "arn:") {
			n += len("arn:aws-us-gov:lambda:ap-southeast-5:123456789012:function:") + len(fn)
		} else {
			n += valueBytes(p["FunctionName"])
		}
		if arn, ok := p["SourceArn"]; ok {
			n += len(`,"Condition":{"ArnLike":{"AWS:SourceArn":""}}`) + valueBytes(arn)
		}
		if account, ok := p["SourceAccount"]; ok {
			n += len(`,"StringEquals":{"AWS:SourceAccount":""}`) + valueBytes(account)
		}
		if org, ok := p["PrincipalOrgID"]; ok {
			n += len(`,"StringEquals":{"aws:PrincipalOrgID":""}`) + valueBytes(org)
		}
		sizes[string(key)] += n
	}
	out := make([]functionPolicy, 0, len(sizes))
	for key, n := range sizes {
		out = append(out, functionPolicy{subject: names[key], bytes: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].subject < out[j].subject })
	return out
}

// functionLabel names a FunctionName value for a message: the string, or
// the logical ID or parameter it refers to.
func functionLabel(v any) string {
	switch v := v.(type) {
	case string:
		return "function " + v
	case map[string]any:
		if ref, ok := v["Ref"].(string); ok {
			return "function " + ref
		}
		if att, ok := v["Fn::GetAtt"].([]any); ok && len(att) > 0 {
			return fmt.Sprintf("function %v", att[0])
		}
	}
	data, _ := json.Marshal(v)
	return "function " + truncate(string(data))
}
