package test

import (
	"strings"
	"testing"
)

// TestRestAPINameAndMetricsAreTheStages: the REST API is named
// "<project>-<stage>", and its alarms and dashboard graphs read the
// metrics of that API's stage (ApiName and Stage), so two stages or two
// apps in one account and region never feed each other's alarms.
func TestRestAPINameAndMetricsAreTheStages(t *testing.T) {
	for _, tc := range []struct {
		context map[string]any
		name    string
		stage   string
	}{
		{map[string]any{"stage": "dev"}, "go-lambda-cdk-dev", "dev"},
		{map[string]any{"stage": "prod"}, "go-lambda-cdk-prod", "prod"},
		{map[string]any{"stage": "dev", "project": "acme"}, "acme-dev", "dev"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tpl := synth(t, tc.context).template
			_, api := tpl.one(t, "AWS::ApiGateway::RestApi", "RestApi")
			if got := get(api, "Properties.Name"); got != tc.name {
				t.Errorf("REST API name %v, want %s", got, tc.name)
			}
			_, st := tpl.one(t, "AWS::ApiGateway::Stage", "RestApiDeploymentStage")
			if got := get(st, "Properties.StageName"); got != tc.stage {
				t.Fatalf("stage name %v, want %s", got, tc.stage)
			}
			dims := `[{"Name":"ApiName","Value":"` + tc.name + `"},{"Name":"Stage","Value":"` + tc.stage + `"}]`
			for _, id := range []string{"RestApiServerErrorsAlarm", "RestApiLatencyAlarm"} {
				_, a := tpl.one(t, "AWS::CloudWatch::Alarm", id)
				if got := js(get(a, "Properties.Dimensions")); got != dims {
					t.Errorf("%s dimensions %s, want %s", id, got, dims)
				}
			}
			_, d := tpl.one(t, "AWS::CloudWatch::Dashboard", "Dashboard")
			body := js(get(d, "Properties.DashboardBody"))
			// Each API graph's metric: namespace, name, then its dimensions.
			apiMetrics := strings.Count(body, `[\"AWS/ApiGateway\",`)
			staged := strings.Count(body, `\"ApiName\",\"`+tc.name+`\",\"Stage\",\"`+tc.stage+`\"`)
			if apiMetrics == 0 || staged != apiMetrics {
				t.Errorf("dashboard: %d of %d API Gateway metrics select ApiName %s and Stage %s", staged, apiMetrics, tc.name, tc.stage)
			}
		})
	}
}
