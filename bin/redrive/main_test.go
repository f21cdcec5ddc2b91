package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"go-lambda-cdk/internal/awsemu"
	"go-lambda-cdk/internal/cli/clitest"
	"go-lambda-cdk/internal/fixture"
	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/internal/local"
	"go-lambda-cdk/internal/local/events"
	"go-lambda-cdk/internal/local/template"
	"go-lambda-cdk/internal/processor"
	"go-lambda-cdk/internal/s3local"
)

func TestUsage(t *testing.T) {
	clitest.RefusesUsage(t, run, []clitest.UsageCase{
		{Name: "no function", Args: nil, Want: "-fn is required"},
		{Name: "negative limit", Args: []string{"-fn", "processor", "-limit", "-1"}, Want: "-limit must not be negative"},
		{Name: "unknown stage", Args: []string{"-fn", "processor", "-stage", "staging"}, Want: `"staging" is not a known stage`},
		{Name: "extra argument", Args: []string{"-fn", "processor", "now"}, Want: "unexpected arguments"},
	})
}

// TestLocalRunNotRunning refuses to start when nothing answers at the
// local endpoint, and leaves the records alone.
func TestLocalRunNotRunning(t *testing.T) {
	dir := t.TempDir()
	rec := filepath.Join(dir, "r.json")
	body := `{"requestContext":{"functionArn":"arn:aws:lambda:us-east-1:123456789012:function:processor:$LATEST"},"requestPayload":{}}`
	if err := os.WriteFile(rec, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"-local", "-fn", "processor", "-failed-dir", dir, "-endpoint", "http://127.0.0.1:1"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "make local") {
		t.Errorf("err = %v, want one saying to start make local", err)
	}
	if _, err := os.Stat(rec); err != nil {
		t.Errorf("the record is gone: %v", err)
	}
}

// TestLocalEndToEnd is the on-call story on the local run: an upload's
// event fails because its object is missing, and lands in failed/; the
// object is then put in place (the fix); redrive replays the record through
// the running local stack's Lambda endpoint, the result appears and the
// record is gone.
func TestLocalEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the processor under the emulator")
	}
	tpl, err := template.ReadFile(filepath.Join("..", "..", "internal", "local", "template", "testdata", "cdk-synth.template.json"), "GoLambdaCdk-dev")
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	failed := filepath.Join(state, "failed")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var logs bytes.Buffer
	defer func() {
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
		}
	}()
	start := func(lambdaAddr string) *local.App {
		app, err := local.Start(ctx, local.Options{
			Template: tpl, StateDir: state, S3Addr: "127.0.0.1:0", LambdaAddr: lambdaAddr,
			Functions:  []string{"processor"},
			RetryDelay: func(int) time.Duration { return 10 * time.Millisecond },
			Logs:       &logs,
		})
		if err != nil {
			t.Fatal(err)
		}
		return app
	}
	bucket := tpl.Notifications[0].Bucket
	id := layout.NewUploadID()
	key := layout.Upload{Owner: layout.AnonymousOwner, ID: id, Filename: "late.txt"}.Key()
	content := []byte("the object arrived after its event\n")

	// 1. The event fails on every attempt and is kept.
	app := start("")
	ev, _ := json.Marshal(events.S3Put(bucket, key, int64(len(content)), fmt.Sprintf("%x", md5.Sum(content)), s3local.Region, time.Now()))
	out, err := app.InvokeAsync(ctx, "processor", ev)
	if err != nil || out.FunctionErr == nil || out.FailureRecord == "" {
		t.Fatalf("first invocation: %+v, %v; want a failure record", out, err)
	}
	if err := app.Close(); err != nil {
		t.Fatal(err)
	}

	// 2. The fix: the object is stored, while nothing listens to the
	// bucket's notifications, so only a replay can process it.
	s3srv, err := s3local.Start(s3local.Options{Dir: filepath.Join(state, "s3"), Buckets: []string{bucket}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s3srv.Client().PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(content)}); err != nil {
		t.Fatal(err)
	}
	if err := s3srv.Close(); err != nil {
		t.Fatal(err)
	}

	// 3. make local is running again; redrive replays through it.
	app = start("127.0.0.1:0")
	closeApp := sync.OnceValue(app.Close)
	defer closeApp()
	redrive := func(extra ...string) string {
		t.Helper()
		var stdout bytes.Buffer
		args := append([]string{"-local", "-fn", "processor", "-failed-dir", failed, "-endpoint", app.LambdaURL()}, extra...)
		if err := run(ctx, args, &stdout, io.Discard); err != nil {
			t.Fatalf("redrive %v: %v\n%s", args, err, stdout.String())
		}
		return stdout.String()
	}
	if got := redrive("-dry-run"); !strings.Contains(got, "would replay") || !strings.Contains(got, "read 1, matched 1, replayed 0") {
		t.Errorf("dry run printed:\n%s", got)
	}
	if files, _ := os.ReadDir(failed); len(files) != 1 {
		t.Fatalf("after the dry run failed/ holds %d records, want 1", len(files))
	}
	if _, err := app.S3().Client().HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(layout.ResultKey(layout.AnonymousOwner, id))}); err == nil {
		t.Fatal("a result exists before the replay")
	}
	if got := redrive(); !strings.Contains(got, "read 1, matched 1, replayed 1") {
		t.Errorf("redrive printed:\n%s", got)
	}

	// 4. The result appears, and no new failure record.
	var res processor.Result
	deadline := time.Now().Add(30 * time.Second)
	for {
		obj, err := app.S3().Client().GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(layout.ResultKey(layout.AnonymousOwner, id))})
		if err == nil {
			err = json.NewDecoder(obj.Body).Decode(&res)
			obj.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no result %s within 30 s after the replay: %v", layout.ResultKey(layout.AnonymousOwner, id), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	sum := sha256.Sum256(content)
	if res.SHA256 != hex.EncodeToString(sum[:]) || res.Key != key {
		t.Errorf("result %+v, want the object's sha256", res)
	}
	if files, _ := os.ReadDir(failed); len(files) != 0 {
		t.Errorf("failed/ still holds %d records after a successful replay", len(files))
	}
	// The replayed processing logged its business metrics (EMF).
	if err := closeApp(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), `"ObjectsProcessed":1`) || !strings.Contains(logs.String(), `"_aws":{"Timestamp"`) {
		t.Errorf("the processor logged no EMF line for the replayed object")
	}
}

// TestAgainstMoto runs the command against moto's CloudFormation, SQS and
// Lambda: the stack is found by its stage's name, the queue and the
// function through the stack, and Lambda accepts the replayed events (moto
// accepts an Event invocation without running the code).
func TestAgainstMoto(t *testing.T) {
	cfg := awsemu.StartInModule(t).SetEnv(t)
	ctx := context.Background()
	body, err := os.ReadFile(filepath.Join("..", "..", "internal", "redrive", "testdata", "stack.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	processorID := fixture.LogicalID(t, body, "AWS::Lambda::Function", "GoLambdaCdk-dev/Processor/Function/Resource")
	cfn := cloudformation.NewFromConfig(cfg)
	if _, err := cfn.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("GoLambdaCdk-prod"), TemplateBody: aws.String(string(body))}); err != nil {
		t.Fatal(err)
	}
	res, err := cfn.DescribeStackResource(ctx, &cloudformation.DescribeStackResourceInput{StackName: aws.String("GoLambdaCdk-prod"), LogicalResourceId: aws.String(processorID)})
	if err != nil {
		t.Fatal(err)
	}
	fnName := aws.ToString(res.StackResourceDetail.PhysicalResourceId)
	stacks, err := cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("GoLambdaCdk-prod")})
	if err != nil {
		t.Fatal(err)
	}
	queueURL := aws.ToString(stacks.Stacks[0].Outputs[0].OutputValue)
	q := sqs.NewFromConfig(cfg)
	arn := "arn:aws:lambda:us-east-1:123456789012:function:"
	for _, body := range []string{
		`{"requestContext":{"functionArn":"` + arn + fnName + `:$LATEST","condition":"RetriesExhausted","approximateInvokeCount":3},"requestPayload":{"n":1}}`,
		`{"requestContext":{"functionArn":"` + arn + `other:$LATEST","condition":"RetriesExhausted","approximateInvokeCount":3},"requestPayload":{"n":2}}`,
	} {
		if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(queueURL), MessageBody: aws.String(body)}); err != nil {
			t.Fatal(err)
		}
	}
	var stdout bytes.Buffer
	if err := run(ctx, []string{"-stage", "prod", "-fn", "processor"}, &stdout, io.Discard); err != nil {
		t.Fatalf("redrive: %v\n%s", err, stdout.String())
	}
	t.Log(stdout.String())
	if !strings.Contains(stdout.String(), "read 2, matched 1, replayed 1, skipped (other functions) 1") {
		t.Errorf("redrive printed:\n%s", stdout.String())
	}
	left, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(left.Messages) != 1 || !strings.Contains(aws.ToString(left.Messages[0].Body), `"n":2`) {
		t.Errorf("queue holds %d messages, want the other function's record, visible", len(left.Messages))
	}
}
