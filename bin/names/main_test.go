package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"go-lambda-cdk/internal/cli"
)

// TestPrintName: what the Makefile asks, with the stage and -c settings
// over cdk.json's context; an unknown name or a stray argument is a usage
// error (exit 2), an unknown configuration key a configuration error (exit 1).
func TestPrintName(t *testing.T) {
	for _, tt := range []struct {
		args     []string
		want     string
		wantErr  string
		wantCode int
	}{
		{args: []string{"-print", "stack-name", "-stage", "prod"}, want: "GoLambdaCdk-prod\n"},
		{args: []string{"-print", "stack-name", "-c", "project=shop-app"}, want: "ShopApp-dev\n"},
		{args: []string{"-print", "account-stack-name", "-c", "project=shop-app"}, want: "shop-app-account\n"},
		{args: []string{"-print", "bucket"}, wantErr: `-print "bucket": allowed: stack-name, account-stack-name`, wantCode: 2},
		{args: []string{"-print", "stack-name", "dev"}, wantErr: `unexpected arguments ["dev"]`, wantCode: 2},
		{args: []string{"-print", "stack-name", "-c", "projekt=x"}, wantErr: "context projekt: not a configuration key", wantCode: 1},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out strings.Builder
			err := run(context.Background(), tt.args, &out, io.Discard)
			switch {
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			case tt.wantErr == "" && err != nil:
				t.Fatal(err)
			case cli.ExitCode(err) != tt.wantCode:
				t.Errorf("exit code %d, want %d", cli.ExitCode(err), tt.wantCode)
			case out.String() != tt.want:
				t.Errorf("printed %q, want %q", out.String(), tt.want)
			}
		})
	}
}
