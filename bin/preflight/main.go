// Command preflight checks, read-only, that the target account is ready for
// the stage's stack: `make deploy` and `make diff` run it first (`make
// preflight STAGE=...` alone). It reads the stage's configuration as the CDK
// app does (cdk.json's context plus -c key=value) and the synthesized app in
// cdk.out, then prints one line per check and exits 1 when any failed.
//
// Usage:
//
//	go run ./bin/preflight [-stage dev|prod] [-c key=value ...] [-cdk-out dir] [-toolkit-stack name] [-via-lookup-role]
//
// The AWS clients use the standard AWS settings (AWS_PROFILE, AWS_REGION,
// AWS_ENDPOINT_URL, ...); for prod they talk to prod.region.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"go-lambda-cdk/internal/cli"
	"go-lambda-cdk/internal/config"
	"go-lambda-cdk/internal/preflight"
)

func main() { cli.Main("preflight", run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("preflight", flag.ContinueOnError)
	stage := config.AddStageFlags(flags, "`stage` to check for")
	cdkOut := flags.String("cdk-out", "cdk.out", "synthesized app `folder`")
	toolkit := flags.String("toolkit-stack", preflight.DefaultToolkitStack, "CDK bootstrap stack `name`")
	viaLookup := flags.Bool("via-lookup-role", false, "make the checks after the credentials one through the CDK bootstrap's read-only lookup role (for a caller, such as the GitHub deploy role, that may only assume the bootstrap roles)")
	if err := cli.Parse(flags, args, stderr); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return cli.Usagef("unexpected arguments %q", flags.Args())
	}
	moduleDir, plan, err := stage.LoadPlan()
	if err != nil {
		return err
	}
	cfg := plan.Config
	out := *cdkOut
	if !filepath.IsAbs(out) {
		out = filepath.Join(moduleDir, out)
	}
	minVersion, err := preflight.RequiredBootstrapVersion(out, cfg.StackName())
	if err != nil {
		return err
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("AWS settings: %w", err)
	}
	target := preflight.Target{Config: cfg, Region: awsCfg.Region, CredentialsRegion: awsCfg.Region, ToolkitStack: *toolkit, MinBootstrapVersion: minVersion}
	if cfg.Stage == config.StageProd {
		target.Region = cfg.Prod.Region
	}
	clientCfg := awsCfg.Copy()
	clientCfg.Region = target.Region
	identity := sts.NewFromConfig(clientCfg)
	if *viaLookup {
		who, err := identity.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return fmt.Errorf("resolve the caller's account to find the lookup role: %w", err)
		}
		partition := "aws"
		if parts := strings.Split(aws.ToString(who.Arn), ":"); len(parts) > 1 {
			partition = parts[1]
		}
		role := fmt.Sprintf("arn:%s:iam::%s:role/cdk-%s-lookup-role-%s-%s", partition, aws.ToString(who.Account), preflight.DefaultQualifier, aws.ToString(who.Account), target.Region)
		clientCfg = clientCfg.Copy()
		clientCfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(identity, role))
	}
	clients := preflight.Clients{
		STS:            identity,
		CloudFormation: cloudformation.NewFromConfig(clientCfg),
		APIGateway:     apigateway.NewFromConfig(clientCfg),
		Lambda:         lambda.NewFromConfig(clientCfg),
	}
	fmt.Fprintf(stdout, "preflight: %s in region %s\n", cfg.StackName(), target.Region)
	results := preflight.Run(ctx, target, clients)
	preflight.Write(stdout, results)
	if n := preflight.Failures(results); n > 0 {
		return fmt.Errorf("%d of %d checks failed; nothing was deployed", n, len(results))
	}
	fmt.Fprintln(stdout, "preflight: ready")
	return nil
}
