package awsemu_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

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

// TestSharedStartsEachTestEmpty leaves a queue behind in one test of the
// shared server; the next test gets the same server, without the queue.
func TestSharedStartsEachTestEmpty(t *testing.T) {
	ctx := context.Background()
	port := 0
	for _, name := range []string{"first", "second"} {
		t.Run(name, func(t *testing.T) {
			srv := awsemu.Shared(t)
			if port != 0 && srv.Port != port {
				t.Errorf("port %d, want the first test's %d (one server per package)", srv.Port, port)
			}
			port = srv.Port
			client := sqs.NewFromConfig(srv.Config())
			list, err := client.ListQueues(ctx, &sqs.ListQueuesInput{})
			if err != nil {
				t.Fatal(err)
			}
			if len(list.QueueUrls) > 0 {
				t.Errorf("the %s test sees queues %v left by an earlier test", name, list.QueueUrls)
			}
			if _, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("left-behind")}); err != nil {
				t.Fatal(err)
			}
		})
	}
}
