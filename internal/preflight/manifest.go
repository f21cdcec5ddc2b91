package preflight

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// RequiredBootstrapVersion reads a synthesized cloud assembly (cdk.out) and
// returns the lowest CDK bootstrap version that deploying and diffing the
// stack needs: the highest requiresBootstrapStackVersion of the stack, its
// lookup role (used by cdk diff) and its asset manifest. CDK writes these
// from what the synthesizer's roles and asset locations need.
func RequiredBootstrapVersion(cdkOut, stack string) (int, error) {
	path := filepath.Join(cdkOut, "manifest.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read the synthesized app: %w (run cdk synth first)", err)
	}
	type requirement struct {
		RequiresBootstrapStackVersion int `json:"requiresBootstrapStackVersion"`
	}
	var m struct {
		Artifacts map[string]struct {
			Type         string   `json:"type"`
			Dependencies []string `json:"dependencies"`
			Properties   struct {
				requirement
				LookupRole *requirement `json:"lookupRole"`
			} `json:"properties"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	a, ok := m.Artifacts[stack]
	if !ok || a.Type != "aws:cloudformation:stack" {
		return 0, fmt.Errorf("%s: no stack %s", path, stack)
	}
	version := a.Properties.RequiresBootstrapStackVersion
	if a.Properties.LookupRole != nil {
		version = max(version, a.Properties.LookupRole.RequiresBootstrapStackVersion)
	}
	for _, dep := range a.Dependencies {
		version = max(version, m.Artifacts[dep].Properties.RequiresBootstrapStackVersion)
	}
	return version, nil
}
