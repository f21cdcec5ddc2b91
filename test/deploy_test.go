package test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-lambda-go/events"
	"github.com/gkampitakis/go-snaps/snaps"
	"go.yaml.in/yaml/v3"

	"go-lambda-cdk/internal/api"
	"go-lambda-cdk/internal/config"
	"go-lambda-cdk/internal/objects/objectstest"
)

// stackUUIDGroup is the last group of the UUID in AWS::StackId, the
// stack-unique part of the bucket name.
const stackUUIDGroup = `{"Fn::Select":[4,{"Fn::Split":["-",{"Fn::Select":[2,{"Fn::Split":["/",{"Ref":"AWS::StackId"}]}]}]}]}`

// everyTemplate runs f on both stages' app templates and the account stack's,
// with and without the GitHub deploy role.
func everyTemplate(t *testing.T, f func(t *testing.T, tpl template)) {
	for _, stage := range stages {
		for _, repo := range []string{"", "acme/shop"} {
			ctx := map[string]any{"stage": stage}
			if repo != "" {
				ctx["github.repository"] = repo
			}
			s := synth(t, ctx)
			t.Run(stage+"/app", func(t *testing.T) { f(t, s.template) })
			t.Run(stage+"/account/repo="+repo, func(t *testing.T) { f(t, s.accountTemplate) })
		}
	}
}

// TestNoHelperResources: no custom resource, no Lambda function but our
// provided.al2023 ones, no managed policy, in any template.
func TestNoHelperResources(t *testing.T) {
	everyTemplate(t, func(t *testing.T, tpl template) {
		for id, r := range tpl["Resources"].(map[string]any) {
			res := r.(map[string]any)
			typ := res["Type"].(string)
			if strings.HasPrefix(typ, "Custom::") || typ == "AWS::CloudFormation::CustomResource" {
				t.Errorf("%s: custom resource %s", id, typ)
			}
			if typ == "AWS::Lambda::Function" {
				if rt := get(res, "Properties.Runtime"); rt != "provided.al2023" || get(res, "Properties.Handler") != "bootstrap" {
					t.Errorf("%s: function with runtime %v, want only our provided.al2023 ones", id, rt)
				}
			}
			if strings.Contains(js(res), "ManagedPolicyArns") {
				t.Errorf("%s: managed policy %s", id, js(get(res, "Properties.ManagedPolicyArns")))
			}
		}
	})
}

// TestBucketNameFromStackID: the bucket's name is "<project>-<stage>-" and
// the last group of the stack's UUID, and no resource but the bucket
// policies refers to the bucket resource itself: everything goes through
// that name, so the bucket can depend on the processor without a cycle.
func TestBucketNameFromStackID(t *testing.T) {
	for _, stage := range stages {
		t.Run(stage, func(t *testing.T) {
			tpl := synth(t, map[string]any{"stage": stage}).template
			bucketID, b := tpl.one(t, "AWS::S3::Bucket", "Bucket")
			want := `{"Fn::Join":["",["go-lambda-cdk-` + stage + `-",` + stackUUIDGroup + `]]}`
			if got := js(get(b, "Properties.BucketName")); got != want {
				t.Errorf("bucket name\n got %s\nwant %s", got, want)
			}
			for id, r := range tpl["Resources"].(map[string]any) {
				typ := r.(map[string]any)["Type"]
				if id == bucketID || typ == "AWS::S3::BucketPolicy" {
					continue
				}
				if strings.Contains(js(r), `"`+bucketID+`"`) {
					t.Errorf("%s (%s) refers to the bucket resource %s; use the name (bucketRef)", id, typ, bucketID)
				}
			}
			if got := js(get(map[string]any(tpl), "Outputs.BucketName.Value")); got != want {
				t.Errorf("BucketName output %s", got)
			}
		})
	}
}

// TestBucketInvokesProcessor: S3 may invoke the processor for this bucket
// of this account only, and the bucket waits for that permission.
func TestBucketInvokesProcessor(t *testing.T) {
	for stage, account := range map[string]string{"dev": `{"Ref":"AWS::AccountId"}`, "prod": `"` + testProdAccount + `"`} {
		t.Run(stage, func(t *testing.T) {
			tpl := synth(t, map[string]any{"stage": stage}).template
			processorID := liveAliasOf(t, tpl, "Processor")
			permID, p := tpl.one(t, "AWS::Lambda::Permission", "ProcessorLiveInvokeFromBucket")
			partition := map[string]string{"dev": `{"Ref":"AWS::Partition"}`, "prod": `"aws"`}[stage]
			checks := map[string]string{
				"Properties.Action":        `"lambda:InvokeFunction"`,
				"Properties.Principal":     `"s3.amazonaws.com"`,
				"Properties.FunctionName":  `{"Ref":"` + processorID + `"}`,
				"Properties.SourceAccount": account,
				"Properties.SourceArn":     `{"Fn::Join":["",["arn:",` + partition + `,":s3:::go-lambda-cdk-` + stage + `-",` + stackUUIDGroup + `]]}`,
			}
			if stage == "prod" { // partition literal merges into the string
				checks["Properties.SourceArn"] = `{"Fn::Join":["",["arn:aws:s3:::go-lambda-cdk-prod-",` + stackUUIDGroup + `]]}`
			}
			for path, want := range checks {
				if got := js(get(p, path)); got != want {
					t.Errorf("%s = %s, want %s", path, got, want)
				}
			}
			_, b := tpl.one(t, "AWS::S3::Bucket", "Bucket")
			if deps := js(b["DependsOn"]); !strings.Contains(deps, `"`+permID+`"`) {
				t.Errorf("bucket DependsOn %s, want the permission %s (S3 checks it when the notification is set)", deps, permID)
			}
		})
	}
}

// TestStackEnvironment: prod is pinned to the configured account and
// region; dev is environment-agnostic.
func TestStackEnvironment(t *testing.T) {
	dev := synth(t, map[string]any{"stage": "dev"}).stack
	if !*awscdk.Token_IsUnresolved(dev.Account()) || !*awscdk.Token_IsUnresolved(dev.Region()) {
		t.Errorf("dev is pinned to %s/%s, want environment-agnostic", *dev.Account(), *dev.Region())
	}
	prod := synth(t, map[string]any{"stage": "prod", "prod.account": "222233334444", "prod.region": "ap-southeast-2"}).stack
	if *prod.Account() != "222233334444" || *prod.Region() != "ap-southeast-2" {
		t.Errorf("prod is pinned to %s/%s, want 222233334444/ap-southeast-2", *prod.Account(), *prod.Region())
	}
}

// TestCORSAgreesWithBucket: the api function, configured from the
// template's environment, answers a preflight with the same allowed headers
// and max-age as the bucket's CORS rule for presigned PUTs, and for the same
// origins.
func TestCORSAgreesWithBucket(t *testing.T) {
	for stage, origin := range map[string]string{"dev": "https://any.example", "prod": testProdOrigin} {
		t.Run(stage, func(t *testing.T) {
			tpl := synth(t, map[string]any{"stage": stage}).template
			_, fn := tpl.one(t, "AWS::Lambda::Function", "ApiFunction")
			env := map[string]string{}
			for k, v := range get(fn, "Properties.Environment.Variables").(map[string]any) {
				s, _ := v.(string)
				env[k] = s
			}
			env["BUCKET_NAME"] = "bucket" // a token in the template
			cfg, err := api.ConfigFromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
			if err != nil {
				t.Fatal(err)
			}
			h, err := api.New(cfg, nil, &objectstest.Store{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := h.Handle(context.Background(), events.APIGatewayProxyRequest{
				HTTPMethod: "OPTIONS", Path: "/uploads", Resource: "/uploads",
				Headers: map[string]string{"Origin": origin, "Access-Control-Request-Method": "POST"},
			})
			if err != nil || resp.StatusCode != 204 {
				t.Fatalf("preflight: %d %v", resp.StatusCode, err)
			}
			_, b := tpl.one(t, "AWS::S3::Bucket", "Bucket")
			var rule struct {
				AllowedHeaders []string
				AllowedOrigins []string
				MaxAge         int
			}
			if err := json.Unmarshal([]byte(js(get(b, "Properties.CorsConfiguration.CorsRules.0"))), &rule); err != nil {
				t.Fatal(err)
			}
			if got := strings.Split(resp.Headers["Access-Control-Allow-Headers"], ", "); !slices.Equal(got, rule.AllowedHeaders) {
				t.Errorf("api allows headers %v, bucket %v", got, rule.AllowedHeaders)
			}
			if got := resp.Headers["Access-Control-Max-Age"]; got != strconv.Itoa(rule.MaxAge) {
				t.Errorf("api max-age %s, bucket %d", got, rule.MaxAge)
			}
			if got := resp.Headers["Access-Control-Allow-Origin"]; !slices.Contains(rule.AllowedOrigins, got) {
				t.Errorf("api allows origin %q, bucket %v", got, rule.AllowedOrigins)
			}
		})
	}
}

func TestAccountStack(t *testing.T) {
	t.Run("without GitHub", func(t *testing.T) {
		s := synth(t, map[string]any{"stage": "dev"})
		if got := *s.account.StackName(); got != "go-lambda-cdk-account" {
			t.Errorf("stack name %s", got)
		}
		tpl := s.accountTemplate
		roleID, role := tpl.one(t, "AWS::IAM::Role", "ApiGatewayCloudWatchRole")
		if got := js(get(role, "Properties.AssumeRolePolicyDocument.Statement")); got != `[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"}}]` {
			t.Errorf("trust %s", got)
		}
		want := `[{"Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:DescribeLogGroups","logs:DescribeLogStreams","logs:PutLogEvents"],"Effect":"Allow","Resource":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":logs:",{"Ref":"AWS::Region"},":",{"Ref":"AWS::AccountId"},":log-group:*"]]},"Sid":"WriteApiLogs"}]`
		if got := js(get(role, "Properties.Policies.0.PolicyDocument.Statement")); got != want {
			t.Errorf("policy\n got %s\nwant %s", got, want)
		}
		_, acct := tpl.one(t, "AWS::ApiGateway::Account", "ApiGatewayAccount")
		if got := js(get(acct, "Properties.CloudWatchRoleArn")); got != `{"Fn::GetAtt":["`+roleID+`","Arn"]}` {
			t.Errorf("account's CloudWatch role %s", got)
		}
		for id, r := range map[string]map[string]any{roleID: role, "ApiGatewayAccount": acct} {
			if r["DeletionPolicy"] != "Retain" {
				t.Errorf("%s deletion policy %v, want Retain (other APIs of the region rely on it)", id, r["DeletionPolicy"])
			}
		}
		if n := len(tpl.resources("AWS::IAM::OIDCProvider")) + len(tpl.resources("AWS::IAM::Role")); n != 1 {
			t.Errorf("%d OIDC providers and roles, want only the CloudWatch role without github.repository", n)
		}
	})
	t.Run("with GitHub", func(t *testing.T) {
		tpl := synth(t, map[string]any{"stage": "dev", "github.repository": "acme/shop"}).accountTemplate
		providerID, p := tpl.one(t, "AWS::IAM::OIDCProvider", "GitHubOidcProvider")
		if got := js(p["Properties"]); !strings.Contains(got, `"Url":"https://token.actions.githubusercontent.com"`) || !strings.Contains(got, `"ClientIdList":["sts.amazonaws.com"]`) {
			t.Errorf("provider %s", got)
		}
		_, role := tpl.one(t, "AWS::IAM::Role", "GitHubDeployRole")
		trust := `[{"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com",` +
			`"token.actions.githubusercontent.com:sub":["repo:acme/shop:environment:dev"]}},` +
			`"Effect":"Allow","Principal":{"Federated":{"Ref":"` + providerID + `"}}}]`
		if got := js(get(role, "Properties.AssumeRolePolicyDocument.Statement")); got != trust {
			t.Errorf("trust\n got %s\nwant %s", got, trust)
		}
		_, policy := tpl.one(t, "AWS::IAM::Policy", "GitHubDeployRoleDefaultPolicy")
		got := statements(t, policy)
		if len(got) != 5 || got[0].sid != "AssumeCdkBootstrapRoles" || !slices.Equal(got[0].actions, []string{"sts:AssumeRole"}) {
			t.Fatalf("deploy role statements %v", got)
		}
		// make smoke after each deploy (bin/smoke): only what it calls,
		// on the hosted stage's app stack (dev: account.stages defaults to
		// the stage), the project's pools and the stage's buckets.
		smoke := map[string]struct {
			actions        []string
			resource, cond []string // substrings
		}{
			"SmokeReadAppStacks": {[]string{"cloudformation:DescribeStacks"}, []string{":stack/GoLambdaCdk-dev/*"}, nil},
			"SmokeTemporaryUsers": {[]string{"cognito-idp:AdminCreateUser", "cognito-idp:AdminDeleteUser", "cognito-idp:AdminInitiateAuth", "cognito-idp:AdminSetUserPassword"},
				[]string{":userpool/*"}, []string{`{"StringEquals":{"aws:ResourceTag/project":"go-lambda-cdk"}}`}},
			"SmokeBucketVersions": {[]string{"s3:GetBucketVersioning", "s3:ListBucketVersions"}, []string{":s3:::go-lambda-cdk-dev-*"}, nil},
			"SmokeDeleteObjects": {[]string{"s3:DeleteObject", "s3:DeleteObjectVersion"},
				[]string{":s3:::go-lambda-cdk-dev-*/uploads/*", ":s3:::go-lambda-cdk-dev-*/results/*"}, nil},
		}
		for _, st := range got[1:] {
			want, ok := smoke[st.sid]
			if !ok || !slices.Equal(st.actions, want.actions) || st.condition != strings.Join(want.cond, "") {
				t.Errorf("deploy role statement %+v, want one of the smoke check's %v", st, want)
				continue
			}
			for _, r := range want.resource {
				if !strings.Contains(st.resource, r) {
					t.Errorf("%s resource %s lacks %s", st.sid, st.resource, r)
				}
			}
			if n := strings.Count(st.resource, `"arn:"`); n != len(want.resource) {
				t.Errorf("%s has %d resources, want %d: %s", st.sid, n, len(want.resource), st.resource)
			}
		}
		for _, r := range []string{"deploy-role", "file-publishing-role", "lookup-role"} {
			if !strings.Contains(got[0].resource, `:role/cdk-hnb659fds-`+r+`-",{"Ref":"AWS::AccountId"},"-",{"Ref":"AWS::Region"}`) {
				t.Errorf("deploy role cannot assume the bootstrap %s: %s", r, got[0].resource)
			}
		}
		if strings.Contains(got[0].resource, "*") {
			t.Errorf("deploy role's bootstrap roles have a wildcard: %s", got[0].resource)
		}
	})
	t.Run("existing OIDC provider", func(t *testing.T) {
		arn := "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
		tpl := synth(t, map[string]any{"stage": "dev", "github.repository": "acme/shop", "github.oidcProviderArn": arn}).accountTemplate
		if n := len(tpl.resources("AWS::IAM::OIDCProvider")); n != 0 {
			t.Errorf("%d OIDC providers created, want 0 (reusing %s)", n, arn)
		}
		_, role := tpl.one(t, "AWS::IAM::Role", "GitHubDeployRole")
		if got := js(get(role, "Properties.AssumeRolePolicyDocument.Statement.0.Principal")); got != `{"Federated":"`+arn+`"}` {
			t.Errorf("principal %s", got)
		}
	})
}

// TestGitHubDeployRoleTrust: the deploy role of an account trusts the
// GitHub environments of the stages that account hosts and nothing else (no
// branch, no other stage's environment), and an account stack hosting prod
// is pinned to prod's account and region, where its role may assume the
// bootstrap roles.
func TestGitHubDeployRoleTrust(t *testing.T) {
	github := map[string]any{"github.repository": "acme/shop", "prod.account": testProdAccount, "prod.region": testProdRegion}
	with := func(kv ...string) map[string]any {
		c := maps.Clone(github)
		for i := 0; i < len(kv); i += 2 {
			c[kv[i]] = kv[i+1]
		}
		return c
	}
	tests := []struct {
		name     string
		context  map[string]any
		subjects []string
		pinned   bool // to prod.account and prod.region
	}{
		{"dev account", with("stage", "dev"), []string{"repo:acme/shop:environment:dev"}, false},
		{"prod account", with("stage", "prod"), []string{"repo:acme/shop:environment:prod"}, true},
		{"prod account, bootstrapped from the dev stage", with("stage", "dev", "account.stages", "prod"), []string{"repo:acme/shop:environment:prod"}, true},
		{"account hosting both", with("stage", "dev", "account.stages", "dev,prod"), []string{"repo:acme/shop:environment:dev", "repo:acme/shop:environment:prod"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl := synth(t, tt.context).accountTemplate
			_, role := tpl.one(t, "AWS::IAM::Role", "GitHubDeployRole")
			trust := get(role, "Properties.AssumeRolePolicyDocument.Statement").([]any)
			if len(trust) != 1 {
				t.Fatalf("trust has %d statements, want 1: %s", len(trust), js(trust))
			}
			want := `{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:sub":` + js(tt.subjects) + `}}`
			if got := js(get(trust[0], "Condition")); got != want {
				t.Errorf("trust condition\n got %s\nwant %s", got, want)
			}
			_, policy := tpl.one(t, "AWS::IAM::Policy", "GitHubDeployRoleDefaultPolicy")
			policyStatements := statements(t, policy)
			if policyStatements[0].sid != "AssumeCdkBootstrapRoles" {
				t.Fatalf("deploy role statements %v, want AssumeCdkBootstrapRoles first", policyStatements)
			}
			// The smoke check may read the app stacks of the hosted
			// stages only (TestAccountStack checks its other statements).
			var smokeStacks []string
			for _, st := range policyStatements {
				if st.sid == "SmokeReadAppStacks" {
					smokeStacks = regexp.MustCompile(`stack/[A-Za-z0-9-]+/`).FindAllString(st.resource, -1)
				}
			}
			var wantStacks []string
			for _, sub := range tt.subjects {
				wantStacks = append(wantStacks, "stack/GoLambdaCdk-"+sub[strings.LastIndex(sub, ":")+1:]+"/")
			}
			if !slices.Equal(smokeStacks, wantStacks) {
				t.Errorf("smoke check reads stacks %v, want the hosted stages' %v", smokeStacks, wantStacks)
			}
			resource := policyStatements[0].resource
			pinnedARN := "-deploy-role-" + testProdAccount + "-" + testProdRegion
			if got := strings.Contains(resource, pinnedARN); got != tt.pinned {
				t.Errorf("bootstrap roles %s: pinned to %s %s is %v, want %v", resource, testProdAccount, testProdRegion, got, tt.pinned)
			}
		})
	}
}

// TestDeployWorkflowSubjects ties the deploy role's trust to
// .github/workflows/deploy.yml: every job that asks for an OIDC token runs
// in the GitHub environment of a stage (so its subject is
// repo:<owner/name>:environment:<stage>, which the role trusts, and no
// branch subject is needed), and the role of an account hosting every
// stage trusts exactly those jobs' subjects.
func TestDeployWorkflowSubjects(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", ".github", "workflows", "deploy.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var workflow struct {
		Jobs map[string]struct {
			Environment any               `yaml:"environment"`
			Permissions map[string]string `yaml:"permissions"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(raw, &workflow); err != nil {
		t.Fatalf("deploy.yml: %v", err)
	}
	var subjects []string
	for name, job := range workflow.Jobs {
		if job.Permissions["id-token"] != "write" {
			continue
		}
		env, ok := job.Environment.(string)
		if m, isMap := job.Environment.(map[string]any); isMap {
			env, ok = m["name"].(string)
		}
		if !ok || !slices.Contains(config.Stages(), env) {
			t.Errorf("deploy.yml job %s asks for an OIDC token outside the GitHub environment of a stage (environment %v): its subject would be a branch or tag, which the deploy role does not trust", name, job.Environment)
			continue
		}
		subjects = append(subjects, "repo:acme/shop:environment:"+env)
	}
	if len(subjects) == 0 {
		t.Fatal("deploy.yml has no job with id-token: write")
	}
	slices.Sort(subjects)
	tpl := synth(t, map[string]any{"stage": "dev", "account.stages": strings.Join(config.Stages(), ","), "github.repository": "acme/shop",
		"prod.account": testProdAccount, "prod.region": testProdRegion}).accountTemplate
	_, role := tpl.one(t, "AWS::IAM::Role", "GitHubDeployRole")
	equals, _ := get(role, "Properties.AssumeRolePolicyDocument.Statement.0.Condition.StringEquals").(map[string]any)
	var trusted []string
	for _, s := range equals["token.actions.githubusercontent.com:sub"].([]any) {
		trusted = append(trusted, s.(string))
	}
	slices.Sort(trusted)
	if !slices.Equal(trusted, subjects) {
		t.Errorf("the deploy role of an account hosting every stage trusts %v; the jobs of deploy.yml have the subjects %v", trusted, subjects)
	}
}

// TestAccountStackCdkNag: AwsSolutionsChecks leaves no unsuppressed finding
// in the account stack either.
func TestAccountStackCdkNag(t *testing.T) {
	s := synth(t, map[string]any{"stage": "dev", "github.repository": "acme/shop"})
	for _, f := range nagFindings(s.account, "AwsSolutions-.*") {
		t.Errorf("cdk-nag: %s", f)
	}
}

// TestSnapshotAccount: the account stack's template, with the GitHub deploy
// role, as a snapshot.
func TestSnapshotAccount(t *testing.T) {
	s := synth(t, map[string]any{"stage": "dev", "github.repository": "acme/shop"})
	snaps.MatchStandaloneJSON(t, s.accountTemplate.masked())
}
