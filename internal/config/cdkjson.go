package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
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
	context, err := ReadContext(cdkJSON)
	if err != nil {
		return Plan{}, err
	}
	for k, v := range overrides {
		context[k] = v
	}
	context[StageKey] = stage
	return LoadPlan(context)
}
