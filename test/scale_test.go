package test

import (
	"regexp"
	"strings"
	"testing"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/config"
)

// TestAlarmCountMatchesWhatSynthPrints: for every alarms.perFunction, each
// function holds its paging alarms (config.Alarms.PagingAlarms) and its two
// rollback alarms, and the template's alarms are as many as
// config.AlarmCount, the count whose monthly cost synth prints.
func TestAlarmCountMatchesWhatSynthPrints(t *testing.T) {
	for _, mode := range config.PerFunctionModes {
		t.Run(mode, func(t *testing.T) {
			ctx := map[string]any{"stage": config.StageDev, "alarms.perFunction": mode}
			tpl := synth(t, ctx).template
			plan, err := config.LoadPlan(withProdEnvironment(ctx))
			if err != nil {
				t.Fatal(err)
			}
			alarms := tpl.resources("AWS::CloudWatch::Alarm")
			if got, want := len(alarms), plan.AlarmCount(); got != want {
				t.Errorf("%d alarms in the template, synth prints %d", got, want)
			}
			for _, fn := range plan.Functions {
				n := 0
				for id := range alarms {
					if strings.HasPrefix(id, fn.Declaration.ConstructID()) {
						n++
					}
				}
				if want := plan.Alarms.PagingAlarms(fn.FunctionSettings) + config.RollbackAlarms; n != want {
					t.Errorf("function %s: %d alarms, want %d", fn.Name, n, want)
				}
			}
		})
	}
}

// TestAPIInvokePermissionOnePerPath: each path of an api trigger grants
// API Gateway invoke once, on the function's live alias, for every method
// and stage of that path only ({parameters} as "*"), and nothing else
// grants API Gateway invoke.
func TestAPIInvokePermissionOnePerPath(t *testing.T) {
	tpl := synth(t, map[string]any{"stage": config.StageDev}).template
	perms := map[string]int{} // "<alias ID> <path>" -> permissions
	total := 0
	suffix := regexp.MustCompile(`/\*/\*(/[^"]*)"\]\]\}$`)
	for id, p := range tpl.resources("AWS::Lambda::Permission") {
		if get(p, "Properties.Principal") != "apigateway.amazonaws.com" {
			continue
		}
		total++
		m := suffix.FindStringSubmatch(js(get(p, "Properties.SourceArn")))
		if m == nil {
			t.Errorf("permission %s: SourceArn %s is not <api>/*/*/<path>", id, js(get(p, "Properties.SourceArn")))
			continue
		}
		perms[js(get(p, "Properties.FunctionName"))+" "+m[1]]++
	}
	want := 0
	for _, d := range functions.All() {
		api, ok := d.API()
		if !ok {
			continue
		}
		alias := `{"Ref":"` + liveAliasOf(t, tpl, d.ConstructID()) + `"}`
		for _, path := range api.Paths {
			want++
			key := alias + " " + regexp.MustCompile(`\{[^}]*\}`).ReplaceAllString(path, "*")
			if perms[key] != 1 {
				t.Errorf("function %s, path %s: %d permissions, want 1 (have %v)", d.Name, path, perms[key], perms)
			}
		}
	}
	if total != want {
		t.Errorf("%d API Gateway invoke permissions, want %d (one per declared path)", total, want)
	}
}
