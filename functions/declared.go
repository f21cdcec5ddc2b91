package functions

import "go-lambda-cdk/internal/layout"

// StackDescription says what the app's stack holds; the stack's
// description is "<project> (<stage>): " followed by it.
const StackDescription = "REST API, S3 upload processing and nightly report on AWS Lambda"

// declared is the app's functions, one declaration each. The stack, the
// build step, the local run and the tests derive everything per function
// from it; `make new-function` appends to it.
var declared = []Declaration{
	{
		Name:        "api",
		Description: "REST API: presigns uploads and serves processing results",
		Triggers: []Trigger{API{
			Paths:        []string{layout.ResourceHealth, layout.ResourceUploads, layout.ResourceUpload},
			Public:       []string{layout.ResourceHealth},
			UploadRoutes: []Route{{Method: layout.CreateUploadMethod, Path: layout.ResourceUploads}},
		}},
		Access: []Access{
			{Prefix: layout.UploadsPrefix, Write: true}, // presigned PUT URLs
			// Listing results/ lets S3 tell the api "no such key" (404)
			// for a result not written yet; without it S3 answers 403.
			{Prefix: layout.ResultsPrefix, List: true, Read: true},
		},
		TimeoutSeconds: 10,
	},
	{
		Name:           "processor",
		Description:    "Hashes and inspects each object uploaded under " + layout.UploadsPrefix,
		Triggers:       []Trigger{ObjectCreated{Prefix: layout.UploadsPrefix}},
		Access:         []Access{{Prefix: layout.UploadsPrefix, Read: true}, {Prefix: layout.ResultsPrefix, Write: true}},
		TimeoutSeconds: 60,
	},
	{
		Name:           "report",
		Description:    "Summarizes the day's results into " + layout.ReportsPrefix,
		Triggers:       []Trigger{Schedule{Cron: "0 0 * * ? *"}},
		Access:         []Access{{Prefix: layout.ResultsPrefix, List: true, Read: true}, {Prefix: layout.ReportsPrefix, Write: true}},
		TimeoutSeconds: 300,
	},
	// make new-function appends here.
}
