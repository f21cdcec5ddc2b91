package stacks_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"go-lambda-cdk/stacks"
)

// A GoFunction from a built zip: memory, timeout and architecture as
// props, the rest at their defaults. A prop out of Lambda's limits is an
// error that names it, and nothing is created.
func ExampleNewGoFunction() {
	dir, _ := os.MkdirTemp("", "gofunction")
	defer os.RemoveAll(dir)
	asset := filepath.Join(dir, "hello.zip")
	_ = os.WriteFile(asset, []byte("a zip with bootstrap at its root"), 0o644)

	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Example"), nil)
	_, err := stacks.NewGoFunction(stack, "Hello", stacks.GoFunctionProps{
		Name:         "hello",
		Asset:        asset,
		MemorySize:   256,
		Timeout:      10 * time.Second,
		Architecture: awslambda.Architecture_ARM_64(),
	})
	fmt.Println("created:", err == nil)
	fn := assertions.Template_FromStack(stack, nil).FindResources(jsii.String("AWS::Lambda::Function"), nil)
	for _, r := range *fn {
		p := (*r)["Properties"].(map[string]any)
		fmt.Println(p["MemorySize"], p["Timeout"], p["Architectures"], p["Runtime"])
	}

	_, err = stacks.NewGoFunction(stack, "TooSlow", stacks.GoFunctionProps{Name: "slow", Asset: asset, Timeout: 20 * time.Minute, MemorySize: 64})
	fmt.Println(err)
	// Output:
	// created: true
	// 256 10 [arm64] provided.al2023
	// function TooSlow: GoFunctionProps.MemorySize: 64 is out of range; allowed 128 to 10240 MB
	// GoFunctionProps.Timeout: 20m0s is out of range; allowed 1s to 15m0s in whole seconds
}
