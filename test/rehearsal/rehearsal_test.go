// Package rehearsal rehearses a deploy offline: the real Makefile targets
// (make bootstrap, preflight, deploy, diff, destroy), and through them the
// real CDK CLI, against moto's AWS API emulator on 127.0.0.1, with fake
// credentials and account 123456789012. It asserts with aws-sdk-go-v2 what
// the emulator holds after each step.
//
// What it proves: the CLI's bootstrap, asset publishing, change sets,
// outputs, an idempotent redeploy (stable asset hashes), an update, and
// destroy (dev emptied and deleted, prod's retained resources kept), on the
// templates this repository synthesizes, with every intrinsic function
// resolved by an implementation other than CDK's. What it does not: see
// README "Rehearse offline" (moto ignores Architectures and a bucket's
// notification and versioning configuration, skips the API stage, bucket and
// queue policies, alarms, event invoke configs, the API Gateway account
// resource, the Cognito user pool, client and domain, the API's authorizer
// and WAF web ACL (the methods keep their authorization types), does not
// evaluate IAM, and cannot run function code).
//
// It lives in its own package so that `go test ./...` runs it in its own
// process, in parallel with the stack tests.
package rehearsal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	apigwtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/awsemu"
	"go-lambda-cdk/internal/config"
	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/internal/modcopy"
)

const (
	devStack     = "GoLambdaCdk-dev"
	prodStack    = "GoLambdaCdk-prod"
	accountStack = "go-lambda-cdk-account"
)

// prodContext pins prod to the emulator's account and region and gives it
// a front end's origin (prod has no default).
var prodContext = "CDK_CONTEXT=-c prod.account=" + awsemu.Account + " -c prod.region=" + awsemu.Region + " -c api.corsAllowedOrigins=https://uploads.acme.dev"

// TestDeployRehearsal deploys one dev stack and proves on it, in order:
// bootstrap and preflight (which reads the app bootstrap synthesized, with
// SYNTH=0, as does the first deploy), what the emulator holds, an empty
// diff, an idempotent redeploy, `make deploy HOTSWAP=1` without and with an
// edit of a handler, a full deploy of that edit (an update), `make watch`,
// and destroy; then prod's deploy (whose synth into dev's CDK_OUT must not
// reuse it: the context reaches the synth cache's key) and destroy. It runs in a copy of the
// module, since it edits a handler.
func TestDeployRehearsal(t *testing.T) {
	root, dir := startRehearsal(t)
	start := time.Now()
	r := newRehearsal(t, root, dir)
	defer r.logEnd("rehearsal", start)

	// 1. bootstrap (which synthesizes the app into CDK_OUT), preflight,
	// deploy of that very assembly.
	r.make("bootstrap", "APPROVE=1")
	r.stackStatus(accountStack, cfntypes.StackStatusCreateComplete)
	// moto skips AWS::ApiGateway::Account, so the role is not set yet:
	// preflight must say so, with its fix.
	out := r.run(false, "go", "run", "./bin/preflight", "-cdk-out", r.out)
	for _, want := range []string{"FAIL          api logging role", "fix: make bootstrap (deploys " + accountStack, "ok            bootstrap", "not available concurrency"} {
		if !strings.Contains(out, want) {
			t.Errorf("preflight before the API Gateway role is set: output lacks %q:\n%s", want, out)
		}
	}
	r.setAPIGatewayRole()
	out = r.make("preflight", "SYNTH=0", "PREFLIGHT_VIA_LOOKUP_ROLE=1") // through the lookup role, as the deploy workflow runs it
	if !strings.Contains(out, "preflight: ready") || !strings.Contains(out, "not available concurrency") {
		t.Errorf("preflight output:\n%s", out)
	}
	if strings.Contains(out, "synth: ") {
		t.Errorf("make preflight SYNTH=0 ran the app:\n%s", out)
	}
	r.make("deploy", "APPROVE=1", "SYNTH=0")

	// 2. What the emulator holds.
	r.stackStatus(devStack, cfntypes.StackStatusCreateComplete)
	bucket := r.checkDevStack(256)

	// 3. diff reports no differences.
	if out := r.make("diff", "SYNTH=0"); !strings.Contains(out, "There were no differences") {
		t.Errorf("make diff after deploy:\n%s", out)
	}
	// 4. A second deploy changes nothing: the asset hashes are stable.
	if out := r.make("deploy", "APPROVE=1", "SYNTH=0"); !strings.Contains(out, "(no changes)") {
		t.Errorf("second make deploy did not report (no changes):\n%s", out)
	}

	// 5. Hotswap, then the same edit through CloudFormation (an update),
	// then make watch.
	edited := r.hotswap(dir)
	r.watchOnce(dir, filepath.Join(dir, "lambda", edited.Name, "main.go"), edited)

	// 6. With objects in the bucket (two versions of one key, a delete
	// marker), destroy (of the stack in CDK_OUT, SYNTH=0) leaves no stack
	// and no bucket. moto ignores a
	// bucket's VersioningConfiguration, so versioning is turned on here.
	if _, err := r.aws.s3.PutBucketVersioning(r.ctx(), &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	logsBucket := r.physicalID(devStack, "AccessLogsBucket")
	for _, key := range []string{"uploads/a/file.txt", "results/a.json", "uploads/a/file.txt"} {
		r.put(bucket, key)
	}
	if _, err := r.aws.s3.DeleteObject(r.ctx(), &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("results/a.json")}); err != nil {
		t.Fatal(err)
	}
	r.put(logsBucket, "uploads-bucket/2026-11-25-00-00-00-LOG")
	if out := r.make("destroy", "APPROVE=1", "SYNTH=0"); !strings.Contains(out, bucket+": deleted 3 object versions and 1 delete markers") {
		t.Errorf("make destroy did not empty %s as expected:\n%s", bucket, out)
	}
	r.stackGone(devStack)
	for _, b := range []string{bucket, logsBucket} {
		if r.bucketExists(b) {
			t.Errorf("bucket %s still exists after make destroy", b)
		}
	}

	// 7. prod: deploy (preflight synthesizes: the context changed since
	// dev's synth into the same CDK_OUT, so the cache's key did), then
	// destroy (which runs the app, and the app reuses that assembly: cdk
	// destroy asks for no asset bundling, which an assembly with every
	// asset bundled serves); the retained bucket and log groups stay.
	if out := r.make("deploy", "STAGE=prod", "APPROVE=1", prodContext); !strings.Contains(out, "synth: synthesized "+r.out) || !strings.Contains(out, "(inputs changed)") {
		t.Errorf("make deploy STAGE=prod after dev's synth into the same CDK_OUT did not synthesize for the changed context:\n%s", out)
	}
	r.stackStatus(prodStack, cfntypes.StackStatusCreateComplete)
	prodBucket := r.output(prodStack, "BucketName")
	prodLogs := r.logGroups(prodStack)
	if out := r.make("destroy", "STAGE=prod", "APPROVE=1", prodContext); !strings.Contains(out, "synth: reused") {
		t.Errorf("make destroy STAGE=prod synthesized again instead of reusing make deploy's assembly:\n%s", out)
	}
	r.stackGone(prodStack)
	if !r.bucketExists(prodBucket) {
		t.Errorf("prod bucket %s was deleted with the stack; it is retained", prodBucket)
	}
	if wantLogs := len(functions.All()) + 1; len(prodLogs) != wantLogs { // one per function, the API's access logs
		t.Errorf("prod has %d log groups, want %d (one per declared function and the API's access logs)", len(prodLogs), wantLogs)
	}
	for name := range prodLogs {
		if _, ok := r.retentions()[name]; !ok {
			t.Errorf("prod log group %s was deleted with the stack; it is retained", name)
		}
	}
}

// rehearsal runs make targets against one emulator and inspects it.
type rehearsal struct {
	t    *testing.T
	root string
	emu  *awsemu.Server
	out  string // CDK_OUT, outside the repository
	aws  clients
}

func (r *rehearsal) ctx() context.Context { return r.t.Context() }

// setAPIGatewayRole does what AWS::ApiGateway::Account does on AWS (moto
// skips it): it sets the account stack's role as API Gateway's CloudWatch
// role, which preflight checks.
func (r *rehearsal) setAPIGatewayRole() {
	r.t.Helper()
	role := r.output(accountStack, "ApiGatewayCloudWatchRoleArn")
	if _, err := r.aws.apigw.UpdateAccount(r.ctx(), &apigateway.UpdateAccountInput{PatchOperations: []apigwtypes.PatchOperation{
		{Op: apigwtypes.OpReplace, Path: aws.String("/cloudwatchRoleArn"), Value: aws.String(role)},
	}}); err != nil {
		r.t.Fatal(err)
	}
}

// make runs `make target vars...` in the repository with the emulator's
// environment and ends the test on failure; it returns the output.
func (r *rehearsal) make(target string, vars ...string) string {
	r.t.Helper()
	args := append([]string{"--no-print-directory", target, "CDK_OUT=" + r.out}, vars...)
	return r.run(true, "make", args...)
}

// run runs a command in the repository with the emulator's environment.
// With mustPass, a failure ends the test with the output's tail.
func (r *rehearsal) run(mustPass bool, name string, args ...string) string {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(r.ctx(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = r.root
	cmd.Env = append(environ(), r.emu.Env()...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	began := time.Now()
	err := cmd.Run()
	r.t.Logf("%s %s: %s", name, strings.Join(args, " "), timing(began, cmd.ProcessState))
	if err != nil && mustPass {
		r.t.Fatalf("%s %s: %v\n%s\nemulator:\n%s", name, strings.Join(args, " "), err, tail(buf.String(), 6000), tail(r.emu.Output(), 3000))
	}
	return buf.String()
}

// timing is the wall time since began and the CPU time (user and system,
// with every child it waited for) of the ended process ps, for the log.
func timing(began time.Time, ps *os.ProcessState) string {
	var cpu time.Duration
	if ps != nil {
		cpu = ps.UserTime() + ps.SystemTime()
	}
	return fmt.Sprintf("%s (CPU %s)", time.Since(began).Round(100*time.Millisecond), cpu.Round(100*time.Millisecond))
}

// environ is the test's environment without the parent make's settings,
// which a nested make would otherwise inherit, for commands in a copy of
// the module (see modcopy.Env).
func environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains([]string{"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "CDK_CONTEXT", "APPROVE", "STAGE", "CDK_OUT"}, k) {
			env = append(env, kv)
		}
	}
	return modcopy.Env(env)
}

// checkDevStack asserts what the dev stack put into the emulator and
// returns the bucket name.
func (r *rehearsal) checkDevStack(memory int32) string {
	t := r.t
	t.Helper()
	bucket := r.output(devStack, "BucketName")
	stack := r.describe(devStack)
	parts := strings.Split(aws.ToString(stack.StackId), "-")
	if want := "go-lambda-cdk-dev-" + parts[len(parts)-1]; bucket != want {
		t.Errorf("bucket %s, want %s (project, stage and the stack UUID's last group)", bucket, want)
	}
	if !r.bucketExists(bucket) {
		t.Errorf("bucket %s does not exist", bucket)
	}
	api := r.output(devStack, "ApiUrl")
	apiID := r.physicalID(devStack, "RestApi")
	if u, err := url.Parse(api); err != nil || u.Host != apiID+".execute-api."+awsemu.Region+".amazonaws.com" {
		t.Errorf("ApiUrl %s, want the REST API %s", api, apiID)
	}
	if q := r.output(devStack, "FailureQueueUrl"); !strings.Contains(q, "FailureQueue") {
		t.Errorf("FailureQueueUrl %s", q)
	}

	// Functions: runtime, handler, memory, timeout, environment and role,
	// for every declared function.
	plan, err := config.LoadPlan(map[string]any{"stage": config.StageDev})
	if err != nil {
		t.Fatal(err)
	}
	cfg := plan.Config
	fnARN := map[string]string{}
	for _, d := range functions.All() {
		name, timeout := d.ConstructID(), int32(cfg.Functions[d.Name].TimeoutSeconds)
		fn, err := r.aws.lambda.GetFunction(r.ctx(), &lambda.GetFunctionInput{FunctionName: aws.String(r.physicalID(devStack, name+"Function"))})
		if err != nil {
			t.Fatalf("%s function: %v", name, err)
		}
		c := fn.Configuration
		fnARN[name] = aws.ToString(c.FunctionArn)
		if c.Runtime != "provided.al2023" || aws.ToString(c.Handler) != "bootstrap" || aws.ToInt32(c.MemorySize) != memory || aws.ToInt32(c.Timeout) != timeout {
			t.Errorf("%s: runtime %s handler %s memory %d timeout %d; want provided.al2023 bootstrap %d %d", name, c.Runtime, aws.ToString(c.Handler), aws.ToInt32(c.MemorySize), aws.ToInt32(c.Timeout), memory, timeout)
		}
		env := c.Environment.Variables
		if env["BUCKET_NAME"] != bucket {
			t.Errorf("%s: BUCKET_NAME %q, want %s", name, env["BUCKET_NAME"], bucket)
		}
		if _, ok := d.API(); ok && (env["CORS_ALLOWED_ORIGINS"] != "*" || env["MAX_UPLOAD_BYTES"] != "104857600" || !strings.Contains(env["ALLOWED_CONTENT_TYPES"], "image/png")) {
			t.Errorf("api environment %v", env)
		}
		roleName := r.physicalID(devStack, name+"Role")
		if !strings.HasSuffix(aws.ToString(c.Role), ":role/"+roleName) {
			t.Errorf("%s: role %s, want its own %s", name, aws.ToString(c.Role), roleName)
		}
		r.checkRolePolicy(d, roleName, bucket)
		// Triggers invoke the live alias, on a published version.
		alias, err := r.aws.lambda.GetAlias(r.ctx(), &lambda.GetAliasInput{FunctionName: c.FunctionName, Name: aws.String(layout.LiveAlias)})
		if err != nil {
			t.Fatalf("%s live alias: %v", name, err)
		}
		if v := aws.ToString(alias.FunctionVersion); v == "" || v == "$LATEST" {
			t.Errorf("%s live alias on version %q, want a published one", name, v)
		}
		fnARN[name] = aws.ToString(alias.AliasArn)
	}
	r.checkAlarms(devStack, "go-lambda-cdk-dev-", cfg.Alarms.PerFunction)
	if url := r.output(devStack, "DashboardUrl"); !strings.HasSuffix(url, "#dashboards:name=go-lambda-cdk-dev") {
		t.Errorf("DashboardUrl %s", url)
	}
	var dashboard struct {
		Name string `xml:"GetDashboardResult>DashboardName"`
	}
	if err := r.cloudWatch(url.Values{"Action": {"GetDashboard"}, "DashboardName": {"go-lambda-cdk-dev"}}, &dashboard); err != nil || dashboard.Name != "go-lambda-cdk-dev" {
		t.Errorf("dashboard go-lambda-cdk-dev: %q %v", dashboard.Name, err)
	}

	// The queue.
	q, err := r.aws.sqs.GetQueueAttributes(r.ctx(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(r.physicalID(devStack, "FailureQueue")), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	if q.Attributes["MessageRetentionPeriod"] != "1209600" || q.Attributes["SqsManagedSseEnabled"] != "true" {
		t.Errorf("queue attributes %v, want 14 days retention and SSE", q.Attributes)
	}

	// Log groups and their retention.
	groups := r.logGroups(devStack)
	if want := len(functions.All()) + 1; len(groups) != want { // one per function, the API's access logs
		t.Errorf("%d log groups, want %d", len(groups), want)
	}
	retentions := r.retentions()
	for name := range groups {
		if retentions[name] != 7 {
			t.Errorf("log group %s retention %d, want 7", name, retentions[name])
		}
	}

	// The REST API: resources and methods, each to the function that
	// declares the route: ANY and each upload route with the dev default
	// auth.mode cognito's authorization type (moto skips the authorizer
	// and the user pool themselves but keeps each method's type), OPTIONS
	// without one on the paths that need a token.
	res, err := r.aws.apigw.GetResources(r.ctx(), &apigateway.GetResourcesInput{RestApiId: aws.String(apiID), Embed: []string{"methods"}})
	if err != nil {
		t.Fatal(err)
	}
	var routes, wantRoutes []string
	routeFn := map[string]string{}
	for _, d := range functions.All() {
		if a, ok := d.API(); ok {
			for _, p := range a.Paths {
				auth := "COGNITO_USER_POOLS"
				if slices.Contains(a.Public, p) {
					auth = "NONE"
				} else {
					wantRoutes = append(wantRoutes, "OPTIONS "+p+" NONE")
				}
				wantRoutes = append(wantRoutes, "ANY "+p+" "+auth)
				for _, u := range a.UploadRoutes {
					if u.Path == p {
						wantRoutes = append(wantRoutes, u.Method+" "+p+" "+auth)
					}
				}
				routeFn[p] = fnARN[d.ConstructID()]
			}
		}
	}
	for _, item := range res.Items {
		for method, m := range item.ResourceMethods {
			routes = append(routes, method+" "+aws.ToString(item.Path)+" "+aws.ToString(m.AuthorizationType))
			target := routeFn[aws.ToString(item.Path)]
			if m.MethodIntegration == nil {
				mi, err := r.aws.apigw.GetIntegration(r.ctx(), &apigateway.GetIntegrationInput{RestApiId: aws.String(apiID), ResourceId: item.Id, HttpMethod: aws.String(method)})
				if err != nil {
					t.Fatal(err)
				}
				m.MethodIntegration = &apigwtypes.Integration{Type: mi.Type, Uri: mi.Uri}
			}
			if m.MethodIntegration.Type != apigwtypes.IntegrationTypeAwsProxy || target == "" || !strings.Contains(aws.ToString(m.MethodIntegration.Uri), target+"/invocations") {
				t.Errorf("%s %s: integration %s %s, want AWS_PROXY to %s", method, aws.ToString(item.Path), m.MethodIntegration.Type, aws.ToString(m.MethodIntegration.Uri), target)
			}
		}
	}
	sort.Strings(routes)
	sort.Strings(wantRoutes)
	if !slices.Equal(routes, wantRoutes) {
		t.Errorf("routes %v, want %v", routes, wantRoutes)
	}

	// Each schedule and its target.
	for _, d := range functions.All() {
		if _, ok := d.Schedule(); !ok {
			continue
		}
		rule, err := r.aws.events.DescribeRule(r.ctx(), &eventbridge.DescribeRuleInput{Name: aws.String(r.physicalID(devStack, d.ConstructID()+"Schedule"))})
		if err != nil {
			t.Fatal(err)
		}
		fp, _ := plan.Function(d.Name)
		if want := "cron(" + fp.Schedule + ")"; aws.ToString(rule.ScheduleExpression) != want {
			t.Errorf("%s schedule %s, want %s", d.Name, aws.ToString(rule.ScheduleExpression), want)
		}
		targets, err := r.aws.events.ListTargetsByRule(r.ctx(), &eventbridge.ListTargetsByRuleInput{Rule: rule.Name})
		if err != nil {
			t.Fatal(err)
		}
		if len(targets.Targets) != 1 || aws.ToString(targets.Targets[0].Arn) != fnARN[d.ConstructID()] {
			t.Errorf("%s rule targets %+v, want the function's live alias %s", d.Name, targets.Targets, fnARN[d.ConstructID()])
		}
	}
	return bucket
}

// checkAlarms asserts that the stack's alarms exist, named with prefix:
// per function the kinds alarms.perFunction (perFunction) gives and the
// two rollback alarms, plus the API's and the queue's; and that each
// notifies the stack's alert topic when it fires and when it recovers.
func (r *rehearsal) checkAlarms(stack, prefix, perFunction string) {
	t := r.t
	t.Helper()
	topic := r.physicalID(stack, "Alerts")
	var out struct {
		Alarms []struct {
			Name         string   `xml:"AlarmName"`
			AlarmActions []string `xml:"AlarmActions>member"`
			OKActions    []string `xml:"OKActions>member"`
		} `xml:"DescribeAlarmsResult>MetricAlarms>member"`
	}
	if err := r.cloudWatch(url.Values{"Action": {"DescribeAlarms"}, "AlarmNamePrefix": {prefix}, "MaxRecords": {"100"}}, &out); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range out.Alarms {
		names = append(names, strings.TrimPrefix(a.Name, prefix))
		if !slices.Equal(a.AlarmActions, []string{topic}) || !slices.Equal(a.OKActions, []string{topic}) {
			t.Errorf("alarm %s: actions %v, OK actions %v; want the alert topic %s", a.Name, a.AlarmActions, a.OKActions, topic)
		}
	}
	want := []string{"api-5xx", "api-latency-p99", "failed-event-age", "failed-events"}
	for _, d := range functions.All() {
		want = append(want, d.Name+"-new-version-errors", d.Name+"-new-version-duration-p99")
		switch perFunction {
		case config.PerFunctionAll:
			want = append(want, d.Name+"-errors", d.Name+"-throttles", d.Name+"-duration-p99")
		case config.PerFunctionErrorsThrottles:
			want = append(want, d.Name+"-errors", d.Name+"-throttles")
		}
	}
	sort.Strings(names)
	sort.Strings(want)
	if !slices.Equal(names, want) {
		t.Errorf("alarms %v, want %v", names, want)
	}
}

// cloudWatch calls a CloudWatch action through its Query protocol and
// decodes the XML answer into out. (aws-sdk-go-v2's CloudWatch client
// speaks Smithy RPC v2 CBOR, which moto 5.2 does not serve.)
func (r *rehearsal) cloudWatch(params url.Values, out any) error {
	params.Set("Version", "2010-08-01")
	body := params.Encode()
	req, err := http.NewRequestWithContext(r.ctx(), http.MethodPost, r.emu.Endpoint(), strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: "testing", SecretAccessKey: "testing"}
	if err := v4.NewSigner().SignHTTP(r.ctx(), creds, req, hex.EncodeToString(sum[:]), "monitoring", awsemu.Region, time.Now()); err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s: %s", params.Get("Action"), resp.Status, data)
	}
	return xml.Unmarshal(data, out)
}

// checkRolePolicy asserts the statements of a function role's inline
// policy, with the bucket ARN resolved from its stack-unique name.
func (r *rehearsal) checkRolePolicy(d functions.Declaration, role, bucket string) {
	fn := d.Name
	t := r.t
	names, err := r.aws.iam.ListRolePolicies(r.ctx(), &iam.ListRolePoliciesInput{RoleName: aws.String(role)})
	if err != nil || len(names.PolicyNames) != 1 {
		t.Fatalf("%s role policies %v %v, want one inline policy", fn, names, err)
	}
	p, err := r.aws.iam.GetRolePolicy(r.ctx(), &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(names.PolicyNames[0])})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := url.QueryUnescape(aws.ToString(p.PolicyDocument))
	if err != nil {
		t.Fatal(err)
	}
	var policy struct {
		Statement []struct {
			Sid      string
			Action   any
			Resource any
		}
	}
	if err := json.Unmarshal([]byte(doc), &policy); err != nil {
		t.Fatalf("%s policy %s: %v", fn, doc, err)
	}
	got := map[string]string{}
	for _, s := range policy.Statement {
		if s.Sid != "" {
			got[s.Sid] = flat(s.Action) + " " + flat(s.Resource)
		}
	}
	arn := "arn:aws:s3:::" + bucket
	want := map[string]string{}
	for _, st := range d.Statements() {
		resource := arn + "/" + st.Prefix + "*"
		if st.OnBucket {
			resource = arn
		}
		want[st.Sid] = strings.Join(st.Actions, ",") + " " + resource
	}
	for sid, w := range want {
		if got[sid] != w {
			t.Errorf("%s role statement %s: %q, want %q", fn, sid, got[sid], w)
		}
	}
	if !strings.Contains(got["WriteOwnLogs"], "logs:CreateLogStream") || !strings.Contains(got["WriteOwnLogs"], ":log-group:") {
		t.Errorf("%s role WriteOwnLogs: %q", fn, got["WriteOwnLogs"])
	}
}

func (r *rehearsal) describe(stack string) cfntypes.Stack {
	r.t.Helper()
	out, err := r.aws.cfn.DescribeStacks(r.ctx(), &cloudformation.DescribeStacksInput{StackName: aws.String(stack)})
	if err != nil || len(out.Stacks) != 1 {
		r.t.Fatalf("describe stack %s: %v", stack, err)
	}
	return out.Stacks[0]
}

func (r *rehearsal) stackStatus(stack string, want cfntypes.StackStatus) {
	r.t.Helper()
	if got := r.describe(stack).StackStatus; got != want {
		r.t.Fatalf("stack %s is %s, want %s", stack, got, want)
	}
}

func (r *rehearsal) stackGone(stack string) {
	r.t.Helper()
	if _, err := r.aws.cfn.DescribeStacks(r.ctx(), &cloudformation.DescribeStacksInput{StackName: aws.String(stack)}); err == nil || !strings.Contains(err.Error(), "does not exist") {
		r.t.Errorf("stack %s after make destroy: %v, want it gone", stack, err)
	}
}

func (r *rehearsal) output(stack, key string) string {
	r.t.Helper()
	for _, o := range r.describe(stack).Outputs {
		if aws.ToString(o.OutputKey) == key {
			return aws.ToString(o.OutputValue)
		}
	}
	r.t.Fatalf("stack %s has no output %s", stack, key)
	return ""
}

// resources returns the stack's resources by logical ID.
func (r *rehearsal) resources(stack string) map[string]cfntypes.StackResourceSummary {
	r.t.Helper()
	out := map[string]cfntypes.StackResourceSummary{}
	p := cloudformation.NewListStackResourcesPaginator(r.aws.cfn, &cloudformation.ListStackResourcesInput{StackName: aws.String(stack)})
	for p.HasMorePages() {
		page, err := p.NextPage(r.ctx())
		if err != nil {
			r.t.Fatal(err)
		}
		for _, s := range page.StackResourceSummaries {
			out[aws.ToString(s.LogicalResourceId)] = s
		}
	}
	return out
}

// physicalID returns the physical ID of the one resource whose logical ID
// is prefix followed by CDK's 8-character hash.
func (r *rehearsal) physicalID(stack, prefix string) string {
	r.t.Helper()
	for id, s := range r.resources(stack) {
		if strings.HasPrefix(id, prefix) && len(id) == len(prefix)+8 {
			return aws.ToString(s.PhysicalResourceId)
		}
	}
	r.t.Fatalf("stack %s has no resource %s<hash>", stack, prefix)
	return ""
}

// logGroups returns the names of the stack's log groups.
func (r *rehearsal) logGroups(stack string) map[string]bool {
	out := map[string]bool{}
	for _, s := range r.resources(stack) {
		if aws.ToString(s.ResourceType) == "AWS::Logs::LogGroup" {
			out[aws.ToString(s.PhysicalResourceId)] = true
		}
	}
	return out
}

// retentions returns every log group of the emulator with its retention.
func (r *rehearsal) retentions() map[string]int32 {
	out := map[string]int32{}
	p := cloudwatchlogs.NewDescribeLogGroupsPaginator(r.aws.logs, &cloudwatchlogs.DescribeLogGroupsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(r.ctx())
		if err != nil {
			r.t.Fatal(err)
		}
		for _, g := range page.LogGroups {
			out[aws.ToString(g.LogGroupName)] = aws.ToInt32(g.RetentionInDays)
		}
	}
	return out
}

func (r *rehearsal) put(bucket, key string) {
	r.t.Helper()
	if _, err := r.aws.s3.PutObject(r.ctx(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("rehearsal")}); err != nil {
		r.t.Fatalf("put s3://%s/%s: %v", bucket, key, err)
	}
}

func (r *rehearsal) bucketExists(bucket string) bool {
	_, err := r.aws.s3.HeadBucket(r.ctx(), &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	return err == nil
}

type clients struct {
	cfn    *cloudformation.Client
	lambda *lambda.Client
	iam    *iam.Client
	sqs    *sqs.Client
	logs   *cloudwatchlogs.Client
	apigw  *apigateway.Client
	events *eventbridge.Client
	s3     *s3.Client
}

func newClients(t *testing.T, emu *awsemu.Server) clients {
	cfg, err := awsconfig.LoadDefaultConfig(t.Context(),
		awsconfig.WithRegion(awsemu.Region),
		awsconfig.WithBaseEndpoint(emu.Endpoint()),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("testing", "testing", "")),
		awsconfig.WithSharedConfigFiles([]string{}), awsconfig.WithSharedCredentialsFiles([]string{}),
	)
	if err != nil {
		t.Fatal(err)
	}
	return clients{
		cfn: cloudformation.NewFromConfig(cfg), lambda: lambda.NewFromConfig(cfg), iam: iam.NewFromConfig(cfg),
		sqs: sqs.NewFromConfig(cfg), logs: cloudwatchlogs.NewFromConfig(cfg), apigw: apigateway.NewFromConfig(cfg),
		events: eventbridge.NewFromConfig(cfg), s3: s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
	}
}

// startRehearsal begins a deploy rehearsal: it skips t with -short (a
// rehearsal takes minutes), runs it beside the other rehearsals (they
// deploy separate copies to separate emulators and mostly wait on them),
// requires the CDK CLI and make, and returns the module's folder and a
// copy of it to deploy from (the rehearsals edit handlers and add
// functions), whose bundle cache is modcopy.SharedZipCache.
func startRehearsal(t *testing.T) (root, dir string) {
	if testing.Short() {
		t.Skip("the deploy rehearsal takes minutes; run without -short")
	}
	t.Parallel()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	requireCDK(t, root)
	dir = t.TempDir()
	if err := modcopy.Copy(root, dir); err != nil {
		t.Fatal(err)
	}
	if err := modcopy.ShareZipCache(root, dir); err != nil {
		t.Fatal(err)
	}
	return root, dir
}

// newRehearsal starts an emulator (moto from root's Python environment)
// for a rehearsal that runs make in dir.
func newRehearsal(t *testing.T, root, dir string) *rehearsal {
	emu := awsemu.Start(t, root)
	return &rehearsal{t: t, root: dir, emu: emu, out: t.TempDir(), aws: newClients(t, emu)}
}

// logEnd logs the rehearsal's wall time since start and, when it failed,
// the emulator's last 8 KiB of output (its tracebacks explain its 500s).
// Each rehearsal defers it.
func (r *rehearsal) logEnd(name string, start time.Time) {
	r.t.Logf("%s: wall time %s", name, time.Since(start).Round(time.Second))
	if r.t.Failed() {
		r.t.Logf("emulator output (last 8 KiB):\n%s", tail(r.emu.Output(), 8192))
	}
}

// requireCDK ends the test when the CDK CLI is not installed: a failure
// with CI set, a skip otherwise.
func requireCDK(t *testing.T, root string) {
	if _, err := os.Stat(filepath.Join(root, "node_modules", ".bin", "cdk")); err != nil {
		msg := fmt.Sprintf("the CDK CLI is not installed (%v); `make test` installs it", err)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatal("make is not on PATH")
	}
}

// flat renders a policy's string-or-list value as comma-separated text.
func flat(v any) string {
	if list, ok := v.([]any); ok {
		var parts []string
		for _, x := range list {
			parts = append(parts, fmt.Sprint(x))
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
