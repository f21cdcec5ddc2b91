package stacks

import (
	"fmt"
	"go-lambda-cdk/internal/layout"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodedeploy"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/jsii-runtime-go"

	"go-lambda-cdk/internal/config"
)

// LiveAlias is layout.LiveAlias, the alias every trigger invokes.
const LiveAlias = layout.LiveAlias

// newLiveAlias publishes a version of fn's current code and configuration
// and points the live alias at it. A change to the function publishes a new
// version (its logical ID is a hash of the function); the old one is deleted
// once the deployment has shifted the alias away from it.
//
// The alias keeps baseline as its own ProvisionedConcurrencyConfig (0:
// none). Provisioned concurrency has one owner: with windows it is
// Application Auto Scaling alone (scheduleProvisioned), the baseline
// included, and the app passes 0 here (provisionedBaseline), so a deploy
// neither fights a running window nor shows drift.
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
//
// The target owns the baseline too: each RegisterScalableTarget call (when
// CloudFormation creates or updates the target) brings the alias's current
// provisioned concurrency into min..max, so the deploy that adds windows
// sets the baseline at once, and a later change deployed during a window
// (capacity at the window's value, within the range) leaves the window
// running
// (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html,
// https://docs.aws.amazon.com/autoscaling/application/userguide/getting-started.html).
// At its time, a scheduled action scales to its new minimum or maximum when
// the current capacity is outside them
// (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScheduledAction.html).
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

// liveAliasARN is the ARN of f's live alias, built from the function's ARN
// rather than referencing the alias: the alias's UpdatePolicy names its
// deployment group, which waits for its role's policy, so that policy
// naming its own alias, or a hook's that hooks back, would close a cycle.
func liveAliasARN(f *GoFunction) *string {
	return awscdk.Fn_Join(jsii.String(""), &[]*string{f.Function.FunctionArn(), jsii.String(":" + LiveAlias)})
}

// deployment creates the CodeDeploy deployment group that shifts fn's live
// alias to each new version with the stage's strategy, rolling back when a
// deployment fails or stops, or when one of rollback (rollbackAlarms)
// fires meanwhile, and invoking the optional hooks (other functions, nil
// for none) through their live aliases before and after the shift.
//
// Its service role holds only what the deployment needs, inline, in place
// of the AWS managed AWSCodeDeployRoleForLambdaLimited (which the CDK
// attaches to any role it may modify, hence the immutable reference). The
// hooks are wired here, not by the CDK: given a role it may not modify,
// the CDK grants invoking a hook by the hook's resource policy, and only
// when the two accounts differ as literals (prod), nothing at all when
// both are unresolved (dev). Here the role itself may invoke exactly the
// hooks' live aliases, in every stage, and each hook's role may report to
// this deployment group only.
func (a *app) deployment(fn *GoFunction, rollback []awscloudwatch.Alarm, pre, post *GoFunction) {
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
	// on the function, qualified or not.
	statement("ShiftLiveAlias", []string{"lambda:GetAlias", "lambda:UpdateAlias"}, []string{*fn.Function.FunctionArn(), *liveAliasARN(fn)})
	// CodeDeploy reads the provisioned concurrency of what it shifts, which
	// AWS's own policy for it grants on "*"
	// (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCodeDeployRoleForLambdaLimited.html).
	// The action always names a qualifier, a version or an alias
	// (https://docs.aws.amazon.com/lambda/latest/api/API_GetProvisionedConcurrencyConfig.html),
	// and the versions change with every deploy: every qualifier of this
	// function ("<function ARN>:*"), nothing unqualified, no other function.
	qualifiers := awscdk.Fn_Join(jsii.String(""), &[]*string{fn.Function.FunctionArn(), jsii.String(":*")})
	statement("ReadProvisionedConcurrency", []string{"lambda:GetProvisionedConcurrencyConfig"}, []string{*qualifiers})
	fnID := awscdk.Stack_Of(fn.Function).GetLogicalId(fn.Function.Node().DefaultChild().(awscdk.CfnElement))
	suppress(role, "AwsSolutions-IAM5", fmt.Sprintf("CodeDeploy reads the provisioned concurrency of the %s function's versions, which change with every deploy: the statement names every qualifier of this one function (<function ARN>:*) in place of the \"*\" of AWS's managed AWSCodeDeployRoleForLambdaLimited.", fn.Name),
		"Resource::<"+*fnID+".Arn>:*")
	alarms := make([]interfacesawscloudwatch.IAlarmRef, len(rollback))
	arns := make([]string, len(rollback))
	for i, al := range rollback {
		alarms[i] = al
		arns[i] = *al.AlarmArn()
	}
	statement("ReadRollbackAlarms", []string{"cloudwatch:DescribeAlarms"}, arns)
	hooks := []struct {
		key string // in the alias's UpdatePolicy.CodeDeployLambdaAliasUpdate
		fn  *GoFunction
	}{{"BeforeAllowTrafficHook", pre}, {"AfterAllowTrafficHook", post}}
	var invoked []string
	for _, h := range hooks {
		if h.fn != nil && !slices.Contains(invoked, *liveAliasARN(h.fn)) {
			invoked = append(invoked, *liveAliasARN(h.fn))
		}
	}
	if len(invoked) > 0 {
		// CodeDeploy invokes a hook with this role (AWS's managed policy
		// grants lambda:InvokeFunction to it, on CodeDeployHook_*
		// functions). The hook is invoked as "<name>:live", which Lambda
		// authorizes on the alias's ARN alone
		// (https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html).
		statement("InvokeTrafficHooks", []string{"lambda:InvokeFunction"}, invoked)
	}
	group := awscodedeploy.NewLambdaDeploymentGroup(fn.Construct, jsii.String("Deployment"), &awscodedeploy.LambdaDeploymentGroupProps{
		Application:      a.codeDeployApplication(fn.Name),
		Alias:            fn.Alias,
		DeploymentConfig: awscodedeploy.LambdaDeploymentConfig_FromLambdaDeploymentConfigName(fn.Construct, jsii.String("Strategy"), jsii.String(a.cfg.Deploy.DeploymentConfigName())),
		Alarms:           &alarms,
		AutoRollback: &awscodedeploy.AutoRollbackConfig{
			FailedDeployment: jsii.Bool(true), StoppedDeployment: jsii.Bool(true), DeploymentInAlarm: jsii.Bool(true),
		},
		Role: awsiam.Role_FromRoleArn(fn.Construct, jsii.String("DeploymentRoleRef"), role.RoleArn(), &awsiam.FromRoleArnOptions{Mutable: jsii.Bool(false)}),
	})
	// The hooks CodeDeploy calls are the alias's UpdatePolicy's
	// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatepolicy.html#cfn-attributes-updatepolicy-codedeploylambdaaliasupdate),
	// named "<function name>:live" as the CDK would, but from the function,
	// not the alias: two functions hooking each other would otherwise make
	// each alias wait for the other.
	cfnAlias := fn.Alias.Node().DefaultChild().(awslambda.CfnAlias)
	reporting := map[string]bool{}
	for _, h := range hooks {
		if h.fn == nil {
			continue
		}
		cfnAlias.AddOverride(jsii.String("UpdatePolicy.CodeDeployLambdaAliasUpdate."+h.key),
			awscdk.Fn_Join(jsii.String(""), &[]*string{h.fn.Function.FunctionName(), jsii.String(":" + LiveAlias)}))
		if reporting[h.fn.Name] {
			continue
		}
		reporting[h.fn.Name] = true
		// A hook reports its result to this group
		// (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_PutLifecycleEventHookExecutionStatus.html),
		// allowed by a policy of its own on the hook's role, not by the
		// role's default policy, which the hook function waits for: the
		// group waits for its alarms and they for fn, so two functions
		// hooking each other would close a cycle.
		policy := awsiam.NewPolicy(fn.Construct, jsii.String("HookPolicy"+*h.fn.Construct.Node().Id()), &awsiam.PolicyProps{
			Roles: &[]awsiam.IRole{h.fn.Role},
			Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("ReportTrafficHook"),
				Actions:   jsii.Strings("codedeploy:PutLifecycleEventHookExecutionStatus"),
				Resources: &[]*string{group.DeploymentGroupArn()},
			})},
		})
		fn.Alias.Node().AddDependency(policy)
	}
	// The role is referenced by ARN only: wait for its policy too.
	group.Node().AddDependency(role)
}

// codeDeployApplication is the stage's CodeDeploy application as the
// stack that holds the named function sees it. It is created once, in the
// stage's stack. With nested stacks it is named after the stage's stack,
// and each nested stack refers to it by that name, a literal, and waits
// for it: no parameter carries it (moto's CloudFormation, which the deploy
// rehearsal runs on, cannot resolve a Ref of an
// AWS::CodeDeploy::Application).
func (a *app) codeDeployApplication(name string) awscodedeploy.ILambdaApplication {
	if a.codeDeployApp == nil {
		var props *awscodedeploy.LambdaApplicationProps
		if a.placement.Nested {
			props = &awscodedeploy.LambdaApplicationProps{ApplicationName: jsii.String(a.cfg.StackName())}
		}
		a.codeDeployApp = awscodedeploy.NewLambdaApplication(a.stack, jsii.String("Deployments"), props)
	}
	g, nested := a.placement.GroupOf(name)
	if !nested {
		return a.codeDeployApp
	}
	if imported, ok := a.codeDeployApps[g]; ok {
		return imported
	}
	scope := a.scopeOf(name)
	imported := awscodedeploy.LambdaApplication_FromLambdaApplicationName(scope, jsii.String("Deployments"), jsii.String(a.cfg.StackName()))
	scope.Node().AddDependency(a.codeDeployApp)
	a.codeDeployApps[g] = imported
	return imported
}
