package smoke_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"go-lambda-cdk/internal/awsemu"
	"go-lambda-cdk/internal/smoke"
)

// TestAgainstMoto runs the AWS side of the check against moto's
// CloudFormation, Cognito and S3: the target from a stack's outputs, a
// temporary user of a pool like the stack's (email usernames, an app
// client allowing only ADMIN_USER_PASSWORD_AUTH and SRP) who gets an ID
// token for its own sub and is gone after DeleteUser, and the deletion of
// every version of a key in a versioned bucket and of the key in an
// unversioned one.
func TestAgainstMoto(t *testing.T) {
	cfg := awsemu.StartInModule(t).SetEnv(t)
	ctx := context.Background()

	t.Run("target from the stack's outputs", func(t *testing.T) {
		cfn := cloudformation.NewFromConfig(cfg)
		outputs := func(keys ...string) string {
			o := map[string]any{}
			for _, k := range keys {
				o[k] = map[string]string{"Value": "value-of-" + k}
			}
			b, _ := json.Marshal(map[string]any{
				"Resources": map[string]any{"Queue": map[string]string{"Type": "AWS::SQS::Queue"}},
				"Outputs":   o,
			})
			return string(b)
		}
		for _, tt := range []struct {
			name, stack, body, clientID string
			want                        smoke.Target
			wantErr                     string
		}{
			{name: "cognito", stack: "Cognito", body: outputs(smoke.OutputAPIURL, smoke.OutputBucket, smoke.OutputPoolID, smoke.OutputClientID),
				want: smoke.Target{APIURL: "value-of-ApiUrl", Bucket: "value-of-BucketName", UserPoolID: "value-of-UserPoolId", ClientID: "value-of-UserPoolClientId", Authorized: true}},
			{name: "auth none", stack: "Public", body: outputs(smoke.OutputAPIURL, smoke.OutputBucket),
				want: smoke.Target{APIURL: "value-of-ApiUrl", Bucket: "value-of-BucketName"}},
			{name: "existing pool without client id", stack: "Existing", body: outputs(smoke.OutputAPIURL, smoke.OutputBucket, smoke.OutputPoolID),
				wantErr: "pass -client-id"},
			{name: "existing pool with -client-id", stack: "Existing", clientID: "mine", body: outputs(smoke.OutputAPIURL, smoke.OutputBucket, smoke.OutputPoolID),
				want: smoke.Target{APIURL: "value-of-ApiUrl", Bucket: "value-of-BucketName", UserPoolID: "value-of-UserPoolId", ClientID: "mine", Authorized: true}},
			{name: "no API", stack: "NoAPI", body: outputs(smoke.OutputBucket), wantErr: "has no output ApiUrl"},
			{name: "no stack", stack: "Missing", wantErr: "describe stack Missing"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if tt.body != "" {
					if _, err := cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(tt.stack)}); err != nil {
						if _, err := cfn.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String(tt.stack), TemplateBody: aws.String(tt.body)}); err != nil {
							t.Fatal(err)
						}
					}
				}
				got, err := smoke.DeployedTarget(ctx, cfn, tt.stack, tt.clientID)
				if tt.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
						t.Fatalf("DeployedTarget = %+v, %v; want an error containing %q", got, err, tt.wantErr)
					}
					return
				}
				if err != nil || got != tt.want {
					t.Fatalf("DeployedTarget = %+v, %v; want %+v", got, err, tt.want)
				}
			})
		}
	})

	t.Run("cognito users", func(t *testing.T) {
		api := cip.NewFromConfig(cfg)
		pool, err := api.CreateUserPool(ctx, &cip.CreateUserPoolInput{
			PoolName:           aws.String("smoke"),
			UsernameAttributes: []ciptypes.UsernameAttributeType{ciptypes.UsernameAttributeTypeEmail},
			Policies: &ciptypes.UserPoolPolicyType{PasswordPolicy: &ciptypes.PasswordPolicyType{
				MinimumLength: aws.Int32(12), RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true,
			}},
		})
		if err != nil {
			t.Fatal(err)
		}
		poolID := aws.ToString(pool.UserPool.Id)
		client, err := api.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
			UserPoolId: aws.String(poolID), ClientName: aws.String("web"),
			ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{ciptypes.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth, ciptypes.ExplicitAuthFlowsTypeAllowUserSrpAuth},
		})
		if err != nil {
			t.Fatal(err)
		}
		id, err := smoke.NewCognito(api, poolID, aws.ToString(client.UserPoolClient.ClientId))
		if err != nil {
			t.Fatal(err)
		}
		u, err := id.CreateUser(ctx)
		if err != nil {
			t.Fatal(err)
		}
		token, err := id.Token(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		claims := jwtClaims(t, token)
		user, err := api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(poolID), Username: aws.String(u.Name)})
		if err != nil {
			t.Fatal(err)
		}
		var sub string
		for _, a := range user.UserAttributes {
			if aws.ToString(a.Name) == "sub" {
				sub = aws.ToString(a.Value)
			}
		}
		if claims["sub"] != sub || claims["token_use"] != "id" || user.UserStatus != ciptypes.UserStatusTypeConfirmed {
			t.Errorf("token claims %v, user %s status %s; want an ID token of the confirmed user's sub %s", claims, u.Name, user.UserStatus, sub)
		}
		if err := id.DeleteUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if _, err := api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(poolID), Username: aws.String(u.Name)}); !errors.As(err, new(*ciptypes.UserNotFoundException)) {
			t.Errorf("after DeleteUser, AdminGetUser = %v, want UserNotFoundException", err)
		}
		if err := id.DeleteUser(ctx, u); err != nil {
			t.Errorf("deleting a deleted user: %v, want nil", err)
		}
	})

	t.Run("objects", func(t *testing.T) {
		client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
		for _, versioned := range []bool{true, false} {
			bucket := "smoke-unversioned"
			if versioned {
				bucket = "smoke-versioned"
			}
			if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
				t.Fatal(err)
			}
			if versioned {
				if _, err := client.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
					VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
					t.Fatal(err)
				}
			}
			key, neighbour := "uploads/u/1/smoke.txt", "uploads/u/1/smoke.txt.keep" // shares the key as prefix
			for _, k := range []string{key, key, neighbour} {
				if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: bytes.NewReader([]byte("x"))}); err != nil {
					t.Fatal(err)
				}
			}
			if versioned { // a delete marker on top of two versions
				if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
					t.Fatal(err)
				}
			}
			if err := smoke.NewS3Objects(client, bucket).Delete(ctx, key); err != nil {
				t.Fatalf("%s: %v", bucket, err)
			}
			left, err := client.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket)})
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, v := range left.Versions {
				keys = append(keys, aws.ToString(v.Key))
			}
			for _, m := range left.DeleteMarkers {
				keys = append(keys, "marker "+aws.ToString(m.Key))
			}
			if len(keys) != 1 || keys[0] != neighbour {
				t.Errorf("%s holds %v after Delete(%s), want only %s", bucket, keys, key, neighbour)
			}
		}
	})
}

// jwtClaims decodes a JWT's claims without checking its signature.
func jwtClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWT", token)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(b, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

// TestOutputsAreTheStacks checks that the outputs DeployedTarget reads are
// the ones the stacks declare, in both stages' snapshots.
func TestOutputsAreTheStacks(t *testing.T) {
	for _, stage := range []string{"dev", "prod"} {
		t.Run(stage, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("..", "..", "test", "__snapshots__", "TestSnapshot_"+stage+"_1.snap.json"))
			if err != nil {
				t.Fatal(err)
			}
			var tpl struct{ Outputs map[string]any }
			if err := json.Unmarshal(b, &tpl); err != nil {
				t.Fatal(err)
			}
			for _, o := range []string{smoke.OutputAPIURL, smoke.OutputBucket, smoke.OutputPoolID, smoke.OutputClientID} {
				if _, ok := tpl.Outputs[o]; !ok {
					t.Errorf("the %s stack has no output %s", stage, o)
				}
			}
		})
	}
}
