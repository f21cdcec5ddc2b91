package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodedeploy"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/jsii-runtime-go"

	"go-lambda-cdk/stacks/config"
)

// LiveAlias is the alias every trigger of a function invokes. CodeDeploy
// moves it from one version to the next; provisioned concurrency is kept on
// it.
const LiveAlias = "live"

// newLiveAlias publishes a version of fn's current code and configuration
// and points the live alias at it, with the baseline provisioned
// concurrency when there is one. A change to the function publishes a new
// version (its logical ID is a hash of the function); the old one is deleted
// once the deployment has shifted the alias away from it.
func newLiveAlias(g *GoFunction, baseline int) awslambda.Alias {
	props := &awslambda.AliasProps{
		AliasName:   jsii.String(LiveAlias),
		Version:     g.Function.CurrentVersion(),
		Description: jsii.String("What every trigger invokes; CodeDeploy shifts it to each new version"),
	}
	if baseline > 0 {
		props.ProvisionedConcurrentExecutions = jsii.Number(baseline)
	}
	return awslambda.NewAlias(g.Construct, jsii.String("Live"), props)
}

// scheduleProvisioned registers the live alias with Application Auto
// Scaling and adds two scheduled actions per window: at its start, min and
// max capacity become the window's value; at its end, the baseline. The
// scalable target's own range is baseline..peak. Nothing is created when
// the function has no windows (the alias holds the baseline by itself).
func scheduleProvisioned(alias awslambda.Alias, p config.Provisioned, peak int) {
	if len(p.Windows) == 0 {
		return
	}
	target := alias.AddAutoScaling(&awslambda.AutoScalingOptions{
		MinCapacity: jsii.Number(p.Baseline),
		MaxCapacity: jsii.Number(peak),
	})
	for i, w := range p.Windows {
		target.ScaleOnSchedule(jsii.String(fmt.Sprintf("Window%dStart", i)), &awsapplicationautoscaling.ScalingSchedule{
			Schedule:    awsapplicationautoscaling.Schedule_Expression(jsii.String("cron(" + w.Start + ")")),
			MinCapacity: jsii.Number(w.Value),
			MaxCapacity: jsii.Number(w.Value),
		})
		target.ScaleOnSchedule(jsii.String(fmt.Sprintf("Window%dEnd", i)), &awsapplicationautoscaling.ScalingSchedule{
			Schedule:    awsapplicationautoscaling.Schedule_Expression(jsii.String("cron(" + w.End + ")")),
			MinCapacity: jsii.Number(p.Baseline),
			MaxCapacity: jsii.Number(p.Baseline),
		})
	}
}

// deployment creates the CodeDeploy deployment group that shifts fn's live
// alias to each new version with the stage's strategy, rolling back when a
// deployment fails or stops, or when one of rollback (rollbackAlarms)
// fires meanwhile, and
// invoking the optional hooks (other functions' live aliases) before and
// after the shift.
//
// Its service role holds only what the deployment needs, inline, in place
// of the AWS managed AWSCodeDeployRoleForLambdaLimited (which the CDK
// attaches to any role it may modify, hence the immutable reference). The
// hooks' resource policies let it invoke them (the CDK adds those when it
// may not modify the role).
func (a *app) deployment(fn *GoFunction, rollback []awscloudwatch.Alarm, pre, post awslambda.Alias) {
	role := awsiam.NewRole(fn.Construct, jsii.String("DeploymentRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("codedeploy.amazonaws.com"), nil),
		Description: jsii.String(fmt.Sprintf("CodeDeploy's role for shifting the %s function's %s alias", fn.Name, LiveAlias)),
	})
	statement := func(sid string, actions, resources []string) {
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String(sid), Actions: jsii.Strings(actions...), Resources: jsii.Strings(resources...),
		}))
	}
	// The function's ARN and its alias's: Lambda authorizes alias actions
	// on the function, qualified or not. The alias's ARN is built from the
	// function's, not referenced: the alias's UpdatePolicy names the
	// deployment group, which waits for this policy.
	aliasARN := awscdk.Fn_Join(jsii.String(""), &[]*string{fn.Function.FunctionArn(), jsii.String(":" + LiveAlias)})
	statement("ShiftLiveAlias", []string{"lambda:GetAlias", "lambda:UpdateAlias", "lambda:GetProvisionedConcurrencyConfig"},
		[]string{*fn.Function.FunctionArn(), *aliasARN})
	alarms := make([]interfacesawscloudwatch.IAlarmRef, len(rollback))
	arns := make([]string, len(rollback))
	for i, al := range rollback {
		alarms[i] = al
		arns[i] = *al.AlarmArn()
	}
	statement("ReadRollbackAlarms", []string{"cloudwatch:DescribeAlarms"}, arns)
	if a.deployments == nil {
		a.deployments = awscodedeploy.NewLambdaApplication(a.stack, jsii.String("Deployments"), nil)
	}
	props := &awscodedeploy.LambdaDeploymentGroupProps{
		Application:      a.deployments,
		Alias:            fn.Alias,
		DeploymentConfig: awscodedeploy.LambdaDeploymentConfig_FromLambdaDeploymentConfigName(fn.Construct, jsii.String("Strategy"), jsii.String(a.cfg.Deploy.DeploymentConfigName())),
		Alarms:           &alarms,
		AutoRollback: &awscodedeploy.AutoRollbackConfig{
			FailedDeployment: jsii.Bool(true), StoppedDeployment: jsii.Bool(true), DeploymentInAlarm: jsii.Bool(true),
		},
		Role: awsiam.Role_FromRoleArn(fn.Construct, jsii.String("DeploymentRoleRef"), role.RoleArn(), &awsiam.FromRoleArnOptions{Mutable: jsii.Bool(false)}),
	}
	if pre != nil {
		props.PreHook = pre
	}
	if post != nil {
		props.PostHook = post
	}
	group := awscodedeploy.NewLambdaDeploymentGroup(fn.Construct, jsii.String("Deployment"), props)
	// The role is referenced by ARN only: wait for its policy too.
	group.Node().AddDependency(role)
}
