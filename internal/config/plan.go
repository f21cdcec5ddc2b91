package config

import (
	"fmt"

	"go-lambda-cdk/functions"
	"go-lambda-cdk/internal/bundle"
	"go-lambda-cdk/internal/cron"
)

// Plan is a stage's configuration resolved: checked, and with everything
// derived that the stack, the build step, the local run and the commands
// need, one FunctionPlan per declared function. A Plan comes only from
// NewPlan (or LoadPlan, LoadPlanFile), so building the stacks from it
// cannot fail on configuration.
type Plan struct {
	// Config is the validated configuration, for the stage-wide settings
	// (API, bucket, auth, alarms, deploy, ...).
	Config
	// Functions are the declared functions, in declaration order.
	Functions []FunctionPlan
	// RetentionName is the CDK's name of logs.retentionDays (awslogs).
	RetentionName string
	// Description is the app stack's description.
	Description string
}

// FunctionPlan is one declared function as the stage deploys it.
type FunctionPlan struct {
	// Name, the stage's settings and the declaration.
	NamedFunction
	// Build is what the build step makes the function's zip from, for the
	// function's architecture.
	Build bundle.Target
	// Environment is what the stack sets on the function besides the
	// bucket name (a token), followed by the stage's
	// functions.<name>.environment.
	Environment map[string]string
	// Schedule is the final cron of a schedule trigger ("" without one).
	Schedule string
	// Suffixes are the final suffixes of an S3 trigger.
	Suffixes []string
	// ProvisionedWeek is the provisioned concurrency at every minute of the
	// week (the zero Week: none).
	ProvisionedWeek cron.Week
}

// NewPlan validates c (every problem at once, as Validate) and resolves it.
func NewPlan(c Config) (Plan, error) {
	weeks, err := c.validate()
	if err != nil {
		return Plan{}, fmt.Errorf("configuration of stage %s:\n%w", c.Stage, err)
	}
	retention, err := RetentionName(c.Logs.RetentionDays)
	if err != nil { // unreachable: Validate checked it
		return Plan{}, fmt.Errorf("configuration of stage %s:\nlogs.retentionDays: %w", c.Stage, err)
	}
	p := Plan{
		Config:        c,
		RetentionName: retention,
		Description:   fmt.Sprintf("%s (%s): %s", c.Project, c.Stage, functions.StackDescription),
	}
	for _, fn := range c.Functions.Named() {
		env := c.Environment(fn.Declaration)
		for k, v := range fn.FunctionSettings.Environment {
			env[k] = v
		}
		p.Functions = append(p.Functions, FunctionPlan{
			NamedFunction:   fn,
			Build:           bundle.ForFunction(fn.Name, fn.GOARCH()),
			Environment:     env,
			Schedule:        fn.Cron(),
			Suffixes:        fn.Suffixes(),
			ProvisionedWeek: weeks[fn.Name],
		})
	}
	return p, nil
}

// LoadPlan is Load, then NewPlan: the CDK context to a Plan, or every
// problem at once.
func LoadPlan(context map[string]any) (Plan, error) {
	c, err := Load(context)
	if err != nil {
		return Plan{}, fmt.Errorf("configuration:\n%w", err)
	}
	return NewPlan(c)
}

// BuildTargets are what the build step makes for the plan's functions.
func (p Plan) BuildTargets() []bundle.Target {
	out := make([]bundle.Target, len(p.Functions))
	for i, fn := range p.Functions {
		out[i] = fn.Build
	}
	return out
}

// Function returns the plan of the function called name.
func (p Plan) Function(name string) (FunctionPlan, bool) {
	for _, fn := range p.Functions {
		if fn.Name == name {
			return fn, true
		}
	}
	return FunctionPlan{}, false
}

// ProvisionedCost describes, one line per function with provisioned
// concurrency, what it keeps warm and the GB-hours it bills each day
// (Sunday first), which synth prints: provisioned concurrency is billed
// whether it is used or not. None when no function has any.
func (p Plan) ProvisionedCost() []string {
	var out []string
	for _, fn := range p.Functions {
		if line := provisionedCost(fn.NamedFunction, fn.ProvisionedWeek); line != "" {
			out = append(out, line)
		}
	}
	return out
}
