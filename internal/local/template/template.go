// Package template reads what the local run needs from a CloudFormation
// template synthesized by CDK: the Go functions with their settings, the
// bucket, the REST API's routes, the bucket notifications, the schedules and
// the asynchronous invocation settings.
//
// Only the shapes CDK writes are understood (for example bucket
// notifications as CDK's Custom::S3BucketNotifications resource or the
// bucket's own NotificationConfiguration); anything else is reported, never
// guessed.
package template

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/local/apigw"
)

// Lambda's defaults for properties a template leaves out.
const (
	DefaultMemoryMB      = 128
	DefaultTimeout       = 3 * time.Second
	DefaultRetryAttempts = 2
	DefaultMaxEventAge   = 6 * time.Hour
)

// Template is the part of a stack's template the local run uses.
type Template struct {
	// StackName names the stack; it is part of derived bucket names.
	StackName string
	// Functions are the functions with a provided.* (custom) runtime, by
	// logical ID order.
	Functions []LambdaFunction
	// Skipped lists functions that do not run locally, with the reason:
	// CDK's own helper functions in Python or Node.js, and functions with a
	// custom runtime that the stack did not mark with functions.MetadataKey.
	Skipped []string
	// Buckets are the AWS::S3::Bucket resources.
	Buckets []Bucket
	// API is the REST API, nil when the template has none.
	API *RestAPI
	// Notifications are the bucket notifications that invoke a function.
	Notifications []Notification
	// Schedules are the EventBridge rules with a schedule that target a function.
	Schedules []Schedule

	resources map[string]resource
	aliases   map[string]int // alias logical ID -> index in Functions
}

// LambdaFunction is an AWS::Lambda::Function with a custom runtime.
type LambdaFunction struct {
	LogicalID string
	// Name is the function's name as the stack declared it, read from the
	// resource's Metadata entry functions.MetadataKey
	// ({"go-lambda-cdk:function": "api"}): the folder under lambda/ that
	// builds it.
	Name string
	// CDKPath is Metadata["aws:cdk:path"], e.g. "GoLambdaCdk-dev/ApiFunction/Resource".
	CDKPath       string
	Handler       string
	Runtime       string
	Architectures []string // default ["x86_64"]
	MemoryMB      int      // default DefaultMemoryMB
	Timeout       time.Duration
	// RetryAttempts and MaxEventAge come from the function's
	// AWS::Lambda::EventInvokeConfig; defaults DefaultRetryAttempts and
	// DefaultMaxEventAge.
	RetryAttempts int
	MaxEventAge   time.Duration
	// LogLevel and LogFormat come from LoggingConfig ("" when not set).
	LogLevel, LogFormat string
	// Alias is the name of the function's AWS::Lambda::Alias its triggers
	// invoke ("live"), or "" when they invoke the function itself.
	Alias string

	env map[string]json.RawMessage
}

// Bucket is an AWS::S3::Bucket.
type Bucket struct {
	LogicalID string
	// Name is the BucketName property, or a name derived from the stack
	// name and the logical ID when the template leaves it to CloudFormation.
	Name string
}

// RestAPI is the AWS::ApiGateway::RestApi with its routes.
type RestAPI struct {
	LogicalID        string
	Stage            string // StageName of its AWS::ApiGateway::Stage; default "prod"
	BinaryMediaTypes []string
	// Routes name functions by LambdaFunction.Name.
	Routes []apigw.Route
	// ErrorHeaders4XX and ErrorHeaders5XX are the headers of its
	// DEFAULT_4XX and DEFAULT_5XX gateway responses (see apigw.Config).
	ErrorHeaders4XX, ErrorHeaders5XX map[string]string
}

// Notification is one S3 notification configuration that invokes a function.
type Notification struct {
	Bucket   string   // bucket name, as in Bucket.Name
	Function string   // LambdaFunction.Name
	Events   []string // e.g. "s3:ObjectCreated:*"
	Prefix   string   // key filter; "" matches every key
	Suffix   string
}

// Schedule is an EventBridge rule with a ScheduleExpression and a function target.
type Schedule struct {
	Rule       string // logical ID
	Expression string // e.g. "cron(0 0 * * ? *)"
	Function   string // LambdaFunction.Name
	Enabled    bool
	// Input is the target's constant Input, "" for the default scheduled event.
	Input string
}

type resource struct {
	Type       string                     `json:"Type"`
	Properties map[string]json.RawMessage `json:"Properties"`
	Metadata   map[string]json.RawMessage `json:"Metadata"`
}

// ReadFile reads a template file with the nested stacks it declares,
// whose templates are beside it (Flatten, AssemblyChild); stackName is
// used for derived names.
func ReadFile(path, stackName string) (*Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	if b, err = Flatten(b, AssemblyChild(filepath.Dir(path))); err != nil {
		return nil, fmt.Errorf("template %s: %w", path, err)
	}
	t, err := Parse(b, stackName)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", path, err)
	}
	return t, nil
}

// Parse reads a template; every problem found is reported at once.
func Parse(data []byte, stackName string) (*Template, error) {
	var doc struct {
		Resources map[string]resource `json:"Resources"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	t := &Template{StackName: stackName, resources: doc.Resources}
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	for _, id := range t.ids("AWS::S3::Bucket") {
		t.Buckets = append(t.Buckets, t.bucket(id))
	}
	for _, id := range t.ids("AWS::Lambda::Function") {
		fn, skip, err := t.function(id)
		add(err)
		if skip != "" {
			t.Skipped = append(t.Skipped, skip)
		} else if err == nil {
			t.Functions = append(t.Functions, fn)
		}
	}
	add(t.checkNames())
	add(t.readAliases())
	add(t.invokeConfigs())
	add(t.notifications())
	add(t.schedules())
	add(t.restAPI())
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return t, nil
}

// Function returns the function with the given name.
func (t *Template) Function(name string) (LambdaFunction, bool) {
	for _, f := range t.Functions {
		if f.Name == name {
			return f, true
		}
	}
	return LambdaFunction{}, false
}

// ids lists the logical IDs of resources of a type, sorted.
func (t *Template) ids(typ string) []string {
	var ids []string
	for id, r := range t.resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

func (t *Template) bucket(id string) Bucket {
	r := t.resources[id]
	var name string
	if json.Unmarshal(r.Properties["BucketName"], &name) == nil && name != "" {
		return Bucket{LogicalID: id, Name: name}
	}
	// A name computed from pseudo parameters, such as the stack ID (the
	// region does not matter for the parts a bucket name can use).
	if raw, ok := r.Properties["BucketName"]; ok {
		if name, err := t.resolve(raw, "local"); err == nil && name != "" {
			return Bucket{LogicalID: id, Name: name}
		}
	}
	return Bucket{LogicalID: id, Name: derivedBucketName(t.StackName, id)}
}

// derivedBucketName imitates CloudFormation's generated names
// (stack-logicalid, lower case, at most 63 characters) without the random suffix.
func derivedBucketName(stack, id string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(stack + "-" + id) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			b.WriteRune(r)
		}
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > 63 {
		s = strings.TrimRight(s[:63], "-")
	}
	return s
}

func (t *Template) function(id string) (LambdaFunction, string, error) {
	r := t.resources[id]
	var p struct {
		Handler       string   `json:"Handler"`
		Runtime       string   `json:"Runtime"`
		Architectures []string `json:"Architectures"`
		MemorySize    *int     `json:"MemorySize"`
		Timeout       *int     `json:"Timeout"`
		Environment   struct {
			Variables map[string]json.RawMessage `json:"Variables"`
		} `json:"Environment"`
		LoggingConfig struct {
			ApplicationLogLevel string `json:"ApplicationLogLevel"`
			LogFormat           string `json:"LogFormat"`
		} `json:"LoggingConfig"`
	}
	if err := remarshal(r.Properties, &p); err != nil {
		return LambdaFunction{}, "", fmt.Errorf("function %s: %w", id, err)
	}
	if !strings.HasPrefix(p.Runtime, "provided") {
		return LambdaFunction{}, fmt.Sprintf("%s (runtime %q)", id, p.Runtime), nil
	}
	var cdkPath, name string
	_ = json.Unmarshal(r.Metadata["aws:cdk:path"], &cdkPath)
	raw, ok := r.Metadata[functions.MetadataKey]
	if !ok {
		return LambdaFunction{}, fmt.Sprintf("%s (runtime %q without Metadata %q: not a function the stack declares)", id, p.Runtime, functions.MetadataKey), nil
	}
	if err := json.Unmarshal(raw, &name); err != nil || name == "" {
		return LambdaFunction{}, "", fmt.Errorf("function %s: Metadata %q is %s, want the function's name as a non-empty string", id, functions.MetadataKey, raw)
	}
	fn := LambdaFunction{
		LogicalID: id, Name: name, CDKPath: cdkPath,
		Handler: p.Handler, Runtime: p.Runtime, Architectures: p.Architectures,
		MemoryMB: DefaultMemoryMB, Timeout: DefaultTimeout,
		RetryAttempts: DefaultRetryAttempts, MaxEventAge: DefaultMaxEventAge,
		LogLevel: p.LoggingConfig.ApplicationLogLevel, LogFormat: p.LoggingConfig.LogFormat,
		env: p.Environment.Variables,
	}
	if len(fn.Architectures) == 0 {
		fn.Architectures = []string{"x86_64"}
	}
	if p.MemorySize != nil {
		fn.MemoryMB = *p.MemorySize
	}
	if p.Timeout != nil {
		fn.Timeout = time.Duration(*p.Timeout) * time.Second
	}
	return fn, "", nil
}

func (t *Template) checkNames() error {
	seen := map[string]string{}
	var errs []error
	for _, f := range t.Functions {
		if other, dup := seen[f.Name]; dup {
			errs = append(errs, fmt.Errorf("functions %s and %s both have the name %q (Metadata %q); each function needs its own", other, f.LogicalID, f.Name, functions.MetadataKey))
		}
		seen[f.Name] = f.LogicalID
	}
	return errors.Join(errs...)
}

// functionByID returns the index of the function with a logical ID.
func (t *Template) functionByID(id string) (int, bool) {
	for i, f := range t.Functions {
		if f.LogicalID == id {
			return i, true
		}
	}
	return 0, false
}

func (t *Template) invokeConfigs() error {
	type props struct {
		FunctionName             json.RawMessage `json:"FunctionName"`
		MaximumRetryAttempts     *int            `json:"MaximumRetryAttempts"`
		MaximumEventAgeInSeconds *int            `json:"MaximumEventAgeInSeconds"`
	}
	return forEachOfFunction(t, "AWS::Lambda::EventInvokeConfig", "event invoke config", func(p props) json.RawMessage { return p.FunctionName }, func(_ string, p props, i int) {
		if p.MaximumRetryAttempts != nil {
			t.Functions[i].RetryAttempts = *p.MaximumRetryAttempts
		}
		if p.MaximumEventAgeInSeconds != nil {
			t.Functions[i].MaxEventAge = time.Duration(*p.MaximumEventAgeInSeconds) * time.Second
		}
	})
}

// forEachOfFunction decodes the properties of every resource of type typ
// into a P and calls f with its logical ID, them and the index of the Go
// function whose Ref fnName returns; what names the resource in errors.
func forEachOfFunction[P any](t *Template, typ, what string, fnName func(P) json.RawMessage, f func(id string, p P, i int)) error {
	var errs []error
	for _, id := range t.ids(typ) {
		var p P
		if err := remarshal(t.resources[id].Properties, &p); err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", what, id, err))
			continue
		}
		i, ok := t.functionByID(refTarget(fnName(p)))
		if !ok {
			errs = append(errs, fmt.Errorf("%s %s: FunctionName %s is not a Go function of the template", what, id, fnName(p)))
			continue
		}
		f(id, p, i)
	}
	return errors.Join(errs...)
}

// functionName returns the name of the function an ARN expression
// points at: {"Fn::GetAtt": [id, "Arn"]}, possibly inside an Fn::Join, or
// the Ref of one of its aliases.
func (t *Template) functionName(arn json.RawMessage) (string, bool) {
	for _, id := range refs(arn) {
		if i, ok := t.aliases[id]; ok {
			return t.Functions[i].Name, true
		}
	}
	for _, id := range getAttArns(arn) {
		if i, ok := t.functionByID(id); ok {
			return t.Functions[i].Name, true
		}
	}
	return "", false
}

// readAliases maps each AWS::Lambda::Alias of a Go function to the
// function and records its name on it.
func (t *Template) readAliases() error {
	t.aliases = map[string]int{}
	type props struct {
		Name         string          `json:"Name"`
		FunctionName json.RawMessage `json:"FunctionName"`
	}
	return forEachOfFunction(t, "AWS::Lambda::Alias", "alias", func(p props) json.RawMessage { return p.FunctionName }, func(id string, p props, i int) {
		t.aliases[id] = i
		t.Functions[i].Alias = p.Name
	})
}

func (t *Template) bucketName(ref json.RawMessage) (string, bool) {
	id := refTarget(ref)
	for _, b := range t.Buckets {
		if b.LogicalID == id {
			return b.Name, true
		}
	}
	return "", false
}

func (t *Template) notifications() error {
	var errs []error
	// CDK's way: a Custom::S3BucketNotifications resource per bucket.
	for _, id := range t.ids("Custom::S3BucketNotifications") {
		var p struct {
			BucketName                json.RawMessage `json:"BucketName"`
			NotificationConfiguration struct {
				LambdaFunctionConfigurations []struct {
					Events []string `json:"Events"`
					Filter struct {
						Key struct {
							FilterRules []filterRule `json:"FilterRules"`
						} `json:"Key"`
					} `json:"Filter"`
					LambdaFunctionArn json.RawMessage `json:"LambdaFunctionArn"`
				} `json:"LambdaFunctionConfigurations"`
			} `json:"NotificationConfiguration"`
		}
		if err := remarshal(t.resources[id].Properties, &p); err != nil {
			errs = append(errs, fmt.Errorf("bucket notifications %s: %w", id, err))
			continue
		}
		bucket, ok := t.bucketName(p.BucketName)
		if !ok {
			errs = append(errs, fmt.Errorf("bucket notifications %s: BucketName %s is not a bucket of the template", id, p.BucketName))
			continue
		}
		for _, c := range p.NotificationConfiguration.LambdaFunctionConfigurations {
			errs = append(errs, t.addNotification(id, bucket, c.Events, c.Filter.Key.FilterRules, c.LambdaFunctionArn))
		}
	}
	// CloudFormation's own way: the bucket's NotificationConfiguration.
	for _, b := range t.Buckets {
		var nc struct {
			LambdaConfigurations []struct {
				Event  string `json:"Event"`
				Filter struct {
					S3Key struct {
						Rules []filterRule `json:"Rules"`
					} `json:"S3Key"`
				} `json:"Filter"`
				Function json.RawMessage `json:"Function"`
			} `json:"LambdaConfigurations"`
		}
		raw, ok := t.resources[b.LogicalID].Properties["NotificationConfiguration"]
		if !ok {
			continue
		}
		if err := json.Unmarshal(raw, &nc); err != nil {
			errs = append(errs, fmt.Errorf("bucket %s: NotificationConfiguration: %w", b.LogicalID, err))
			continue
		}
		for _, c := range nc.LambdaConfigurations {
			errs = append(errs, t.addNotification(b.LogicalID, b.Name, []string{c.Event}, c.Filter.S3Key.Rules, c.Function))
		}
	}
	return errors.Join(errs...)
}

type filterRule struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

func (t *Template) addNotification(id, bucket string, events []string, rules []filterRule, arn json.RawMessage) error {
	fn, ok := t.functionName(arn)
	if !ok {
		return fmt.Errorf("notification in %s: target %s is not a Go function of the template", id, arn)
	}
	n := Notification{Bucket: bucket, Function: fn, Events: events}
	for _, r := range rules {
		switch strings.ToLower(r.Name) {
		case "prefix":
			n.Prefix = r.Value
		case "suffix":
			n.Suffix = r.Value
		default:
			return fmt.Errorf("notification in %s: filter rule name %q is not prefix or suffix", id, r.Name)
		}
	}
	t.Notifications = append(t.Notifications, n)
	return nil
}

func (t *Template) schedules() error {
	var errs []error
	for _, id := range t.ids("AWS::Events::Rule") {
		var p struct {
			ScheduleExpression string `json:"ScheduleExpression"`
			State              string `json:"State"`
			Targets            []struct {
				Arn   json.RawMessage `json:"Arn"`
				Input string          `json:"Input"`
			} `json:"Targets"`
		}
		if err := remarshal(t.resources[id].Properties, &p); err != nil {
			errs = append(errs, fmt.Errorf("rule %s: %w", id, err))
			continue
		}
		if p.ScheduleExpression == "" {
			continue
		}
		for _, target := range p.Targets {
			fn, ok := t.functionName(target.Arn)
			if !ok {
				continue // a target that is not one of our functions
			}
			t.Schedules = append(t.Schedules, Schedule{
				Rule: id, Expression: p.ScheduleExpression, Function: fn,
				Enabled: p.State == "" || p.State == "ENABLED", Input: target.Input,
			})
		}
	}
	return errors.Join(errs...)
}

// remarshal decodes a property map into a struct.
func remarshal(props map[string]json.RawMessage, v any) error {
	b, err := json.Marshal(props)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
