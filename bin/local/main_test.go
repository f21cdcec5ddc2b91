package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go-lambda-cdk/internal/cli"
	"go-lambda-cdk/internal/local/auth"

	"github.com/aws/aws-lambda-go/events"
)

func TestRunUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "usage"},
		{"unknown command", []string{"deploy"}, `unknown command "deploy"`},
		{"invoke without fn", []string{"invoke", "-event", "x.json"}, "-fn and -event are required"},
		{"unknown flag", []string{"serve", "-nope"}, "not defined"},
		{"extra argument", []string{"event", "schedule", "extra"}, "unexpected arguments"},
		{"unknown event", []string{"event", "sqs"}, `unknown event "sqs"`},
		{"bad api path", []string{"event", "api", "-path", "/a/b", "-resource", "/x/{id}"}, "does not match"},
		{"token without sub", []string{"token"}, "-sub is required"},
		{"token with a bad sub", []string{"token", "-sub", "../x", "-state", "STATE"}, "sub"},
		{"token too long", []string{"token", "-sub", "alice", "-ttl", "48h"}, "-ttl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := slices.Clone(tt.args)
			for i, a := range args {
				if a == "STATE" {
					args[i] = t.TempDir()
				}
			}
			err := run(context.Background(), args, strings.NewReader(""), &out, &errOut)
			if !errors.As(err, new(cli.UsageError)) || !strings.Contains(err.Error()+errOut.String(), tt.want) {
				t.Errorf("err = %v (stderr %q), want a usage error mentioning %q", err, errOut.String(), tt.want)
			}
		})
	}
}

func TestRunFailures(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"serve", "-cdk-out", dir}, strings.NewReader(""), &out, &errOut)
	if err == nil || errors.As(err, new(cli.UsageError)) || !strings.Contains(err.Error(), "make synth") {
		t.Errorf("serve without cdk.out: err = %v, want a failure telling to run make synth", err)
	}
}

func TestEventCommand(t *testing.T) {
	t.Run("s3-put", func(t *testing.T) {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"event", "s3-put", "-bucket", "b", "-key", "uploads/x/a b.txt", "-size", "5"}, nil, &out, &out); err != nil {
			t.Fatal(err)
		}
		var ev events.S3Event
		if err := json.Unmarshal(out.Bytes(), &ev); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		o := ev.Records[0].S3.Object
		if ev.Records[0].S3.Bucket.Name != "b" || o.Key != "uploads/x/a+b.txt" || o.URLDecodedKey != "uploads/x/a b.txt" || o.Size != 5 {
			t.Errorf("record = %+v", ev.Records[0])
		}
	})
	t.Run("api", func(t *testing.T) {
		var out bytes.Buffer
		args := []string{"event", "api", "-method", "POST", "-path", "/uploads", "-body", `{"a":1}`, "-H", "Content-Type: application/json", "-H", "X-A: 1", "-H", "X-A: 2", "-sub", "alice"}
		if err := run(context.Background(), args, nil, &out, &out); err != nil {
			t.Fatal(err)
		}
		var ev events.APIGatewayProxyRequest
		if err := json.Unmarshal(out.Bytes(), &ev); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		if ev.HTTPMethod != "POST" || ev.Resource != "/uploads" || ev.Body != `{"a":1}` || len(ev.MultiValueHeaders["X-A"]) != 2 {
			t.Errorf("event = %+v", ev)
		}
		if claims, _ := ev.RequestContext.Authorizer["claims"].(map[string]any); claims["sub"] != "alice" {
			t.Errorf("requestContext.authorizer = %v, want claims with sub alice", ev.RequestContext.Authorizer)
		}
	})
	t.Run("schedule", func(t *testing.T) {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"event", "schedule", "-rule", "R1"}, nil, &out, &out); err != nil {
			t.Fatal(err)
		}
		var ev events.EventBridgeEvent
		if err := json.Unmarshal(out.Bytes(), &ev); err != nil || ev.DetailType != "Scheduled Event" || !strings.HasSuffix(ev.Resources[0], "rule/GoLambdaCdk-dev-R1") {
			t.Errorf("event = %+v (%v)", ev, err)
		}
	})
}

// TestTokenCommand checks that the printed token is one the local API's
// authorizer accepts, signed by a key kept in the state folder.
func TestTokenCommand(t *testing.T) {
	state := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"token", "-sub", "alice", "-state", state}, nil, &out, &out); err != nil {
		t.Fatal(err)
	}
	issuer, err := auth.LoadOrCreate(filepath.Join(state, "issuer"))
	if err != nil {
		t.Fatal(err)
	}
	claims, err := issuer.Verify(strings.TrimSpace(out.String()), time.Now())
	if err != nil || claims["sub"] != "alice" {
		t.Fatalf("printed token %q: claims %v, %v", out.String(), claims, err)
	}
}
