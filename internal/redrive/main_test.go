package redrive_test

import (
	"os"
	"testing"

	"go-lambda-cdk/internal/awsemu"
)

func TestMain(m *testing.M) { os.Exit(awsemu.RunTests(m)) }
