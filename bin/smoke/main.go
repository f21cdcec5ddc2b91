// Command smoke checks a deployed stack, or `make local`, end to end (make
// smoke): /health, a temporary user and its token, POST /uploads, the PUT
// to the presigned URL, the result with the file's SHA-256, and a second
// user who gets 404 for it. The users and objects it created are deleted
// afterwards, whatever happened. Each step is printed with its duration;
// the first failure stops the run and exits 1 (usage errors exit 2).
//
//	smoke [-stage dev|prod | -stack NAME] [-client-id ID]
//	smoke -local [-stage dev] [-cdk-out cdk.out] [-state .local] [-api-addr 127.0.0.1:3000] [-s3-endpoint http://127.0.0.1:3001]
//
// Against AWS it reads the stack's outputs (ApiUrl, BucketName, UserPoolId,
// UserPoolClientId) with CloudFormation. With -local it reads the stack
// `make local` serves from cdk.out and signs tokens with the local issuer's
// key in the state folder.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"go-lambda-cdk/internal/cli"
	"go-lambda-cdk/internal/config"
	"go-lambda-cdk/internal/local"
	"go-lambda-cdk/internal/local/auth"
	"go-lambda-cdk/internal/local/template"
	"go-lambda-cdk/internal/s3local"
	"go-lambda-cdk/internal/smoke"
)

func main() { cli.Main("smoke", run) }

type flags struct {
	stage, stack, clientID      string
	local                       bool
	cdkOut, state               string
	apiAddr, s3Endpoint         string
	contentType                 string
	resultTimeout, pollInterval time.Duration
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("smoke", flag.ContinueOnError)
	var f flags
	fs.StringVar(&f.stage, "stage", config.DefaultStage, "stage whose stack to check (dev, prod)")
	fs.StringVar(&f.stack, "stack", "", "stack name (default: the stage's, e.g. GoLambdaCdk-dev)")
	fs.StringVar(&f.clientID, "client-id", "", "app client to sign in with (default: the stack's UserPoolClientId output; needed with auth.userPoolArn)")
	fs.BoolVar(&f.local, "local", false, "check `make local` instead of the deployed stack")
	fs.StringVar(&f.cdkOut, "cdk-out", "cdk.out", "with -local: cloud assembly `make local` serves")
	fs.StringVar(&f.state, "state", local.DefaultStateDir, "with -local: state folder of `make local` (its token issuer's key)")
	fs.StringVar(&f.apiAddr, "api-addr", local.DefaultAPIAddr, "with -local: address of `make local`'s REST API")
	fs.StringVar(&f.s3Endpoint, "s3-endpoint", "http://"+local.DefaultS3Addr, "with -local: endpoint of `make local`'s S3 server")
	fs.StringVar(&f.contentType, "content-type", smoke.DefaultContentType, "content type of the uploaded file; one of api.allowedContentTypes")
	fs.DurationVar(&f.resultTimeout, "timeout", smoke.DefaultResultTimeout, "how long to wait for the upload's result")
	fs.DurationVar(&f.pollInterval, "poll", smoke.DefaultPollInterval, "wait between two reads of the result")
	if err := cli.Parse(fs, args, stderr); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return cli.Usagef("unexpected arguments %q", fs.Args())
	case f.resultTimeout <= 0 || f.pollInterval <= 0:
		return cli.Usagef("-timeout and -poll must be positive, got %s and %s", f.resultTimeout, f.pollInterval)
	}
	stack := f.stack
	if stack == "" {
		c, err := config.StageNames(f.stage)
		if err != nil {
			return cli.UsageError{Err: err}
		}
		stack = c.StackName()
	}
	cfg := smoke.Config{Out: stdout, ContentType: f.contentType, ResultTimeout: f.resultTimeout, PollInterval: f.pollInterval}
	var err error
	if f.local {
		err = setupLocal(f, stack, &cfg)
	} else {
		err = setupDeployed(ctx, f, stack, &cfg)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "smoke: %s, bucket %s\n", cfg.APIURL, cfg.Objects)
	if err := smoke.Run(ctx, cfg); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "smoke: passed")
	return nil
}

// setupLocal checks the stack `make local` serves from -cdk-out.
func setupLocal(f flags, stack string, cfg *smoke.Config) error {
	tpl, err := template.Load(f.cdkOut, stack)
	if err != nil {
		return fmt.Errorf("%w (make local synthesizes it)", err)
	}
	t, err := smoke.LocalTarget(tpl, f.apiAddr)
	if err != nil {
		return err
	}
	cfg.APIURL = t.APIURL
	cfg.Objects = smoke.NewS3Objects(s3local.NewClient(f.s3Endpoint), t.Bucket)
	if t.Authorized {
		issuer, err := auth.LoadOrCreate(local.IssuerDir(f.state))
		if err != nil {
			return err
		}
		cfg.Identity = smoke.NewLocal(issuer, nil)
	}
	return nil
}

// setupDeployed checks the deployed stack, with the credentials and region
// of the environment.
func setupDeployed(ctx context.Context, f flags, stack string, cfg *smoke.Config) error {
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("load AWS configuration: %w", err)
	}
	t, err := smoke.DeployedTarget(ctx, cloudformation.NewFromConfig(awsCfg), stack, f.clientID)
	if err != nil {
		return err
	}
	cfg.APIURL = t.APIURL
	cfg.Objects = smoke.NewS3Objects(s3.NewFromConfig(awsCfg), t.Bucket)
	if t.Authorized {
		id, err := smoke.NewCognito(cognitoidentityprovider.NewFromConfig(awsCfg), t.UserPoolID, t.ClientID)
		if err != nil {
			return err
		}
		cfg.Identity = id
	}
	return nil
}
