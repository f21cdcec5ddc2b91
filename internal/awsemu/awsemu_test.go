package awsemu_test

import (
	"net/http"
	"testing"

	"go-lambda-cdk/internal/awsemu"
)

// TestStartAnswersAndCloses starts the emulator, sees its API answer, and
// sees the port closed after Close.
func TestStartAnswersAndCloses(t *testing.T) {
	s := awsemu.StartInModule(t)
	resp, err := http.Get(s.Endpoint() + "/moto-api/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /moto-api/: %s", resp.Status)
	}
	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(s.Endpoint() + "/moto-api/"); err == nil {
		t.Fatal("the emulator still answers after Close")
	}
}
