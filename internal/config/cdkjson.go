package config

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go-lambda-cdk/internal/bundle"
)

// ReadContext returns the "context" object of a cdk.json file, the values
// the CDK CLI gives the app; a missing file gives an empty map.
func ReadContext(path string) (map[string]any, error) {
	context := map[string]any{}
	raw, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return context, nil
	case err != nil:
		return nil, err
	}
	var file struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for k, v := range file.Context {
		context[k] = v
	}
	return context, nil
}

// ContextFlag collects `-c key=value` command-line settings into a context
// map, as the CDK CLI's -c does (values stay strings; Load reads them). It
// implements flag.Value.
type ContextFlag map[string]any

func (c ContextFlag) String() string { return "" }

// Set adds one key=value.
func (c ContextFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q is not key=value", s)
	}
	c[k] = v
	return nil
}

// LoadPlanFile resolves a stage's plan as the CDK app does: the context
// of the cdk.json file at cdkJSON, then the overrides (the -c key=value
// settings), then the stage.
func LoadPlanFile(cdkJSON, stage string, overrides map[string]any) (Plan, error) {
	context, err := ReadStageContext(cdkJSON, stage, overrides)
	if err != nil {
		return Plan{}, err
	}
	return LoadPlan(context)
}

// ReadStageContext returns the context the CDK CLI passes the app for
// stage: cdk.json's (ReadContext), then overrides (-c key=value), then the
// stage. Every command that reads the configuration outside the app starts
// here, so a `project` or any other key set in cdk.json counts the same
// everywhere.
func ReadStageContext(cdkJSON, stage string, overrides map[string]any) (map[string]any, error) {
	context, err := ReadContext(cdkJSON)
	if err != nil {
		return nil, err
	}
	for k, v := range overrides {
		context[k] = v
	}
	context[StageKey] = stage
	return context, nil
}

// LoadNames reads stage's configuration from cdk.json and overrides
// (ReadStageContext) without validating it, for what depends on the
// project and the stage alone, such as StackName: a prod stage without its
// account still has a name.
func LoadNames(cdkJSON, stage string, overrides map[string]any) (Config, error) {
	context, err := ReadStageContext(cdkJSON, stage, overrides)
	if err != nil {
		return Config{}, err
	}
	return Load(context)
}

// StageNames is LoadNames over the cdk.json of the module the command runs
// in, without overrides: what a command that only names the stage's stacks
// (make redrive, make smoke) reads.
func StageNames(stage string) (Config, error) {
	return (&StageFlags{Stage: stage}).LoadNames()
}

// StageFlags are the -stage and -c flags of a command that reads one
// stage's configuration from cdk.json outside the app (make hotswap, make
// preflight, the app's -print): the stage, then -c key=value settings over
// cdk.json's context, as the CDK CLI would pass them (ReadStageContext).
type StageFlags struct {
	Stage     string
	Overrides ContextFlag
}

// AddStageFlags defines on flags -stage (default DefaultStage, described by
// stageUsage) and the repeatable -c key=value, and returns where they are
// parsed into.
func AddStageFlags(flags *flag.FlagSet, stageUsage string) *StageFlags {
	s := &StageFlags{Overrides: ContextFlag{}}
	flags.StringVar(&s.Stage, "stage", DefaultStage, stageUsage)
	flags.Var(s.Overrides, "c", "configuration `key=value`, as cdk's -c (repeatable)")
	return s
}

// LoadPlan finds the module the command runs in (bundle.FindModuleDir) and
// reads the stage's validated configuration and functions from its
// cdk.json (LoadPlanFile); it returns the module's folder with the plan.
func (s *StageFlags) LoadPlan() (moduleDir string, plan Plan, err error) {
	moduleDir, err = bundle.FindModuleDir()
	if err != nil {
		return "", Plan{}, err
	}
	plan, err = LoadPlanFile(filepath.Join(moduleDir, "cdk.json"), s.Stage, s.Overrides)
	return moduleDir, plan, err
}

// LoadNames is LoadNames over the cdk.json of the module the command runs
// in, with the flags' stage and -c settings: unvalidated, for names only.
func (s *StageFlags) LoadNames() (Config, error) {
	dir, err := bundle.FindModuleDir()
	if err != nil {
		return Config{}, err
	}
	return LoadNames(filepath.Join(dir, "cdk.json"), s.Stage, s.Overrides)
}
