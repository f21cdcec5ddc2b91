package template

import (
	"fmt"
	"path/filepath"
	"strings"

	"go-lambda-cdk/internal/assembly"
)

// Load reads the template of the named stack in the cloud assembly dir
// (assembly.Stacks), its nested stacks flattened in (ReadFile).
// With name "", the assembly must hold exactly one stack.
func Load(dir, name string) (*Template, error) {
	stacks, err := assembly.Stacks(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, s := range stacks {
		if s.Name == name || name == "" && len(stacks) == 1 {
			return ReadFile(filepath.Join(dir, s.Path), s.Name)
		}
		names = append(names, s.Name)
	}
	if name == "" {
		return nil, fmt.Errorf("%s holds %d stacks (%s); name one", dir, len(stacks), strings.Join(names, ", "))
	}
	return nil, fmt.Errorf("%s has no stack %q; it has: %s", dir, name, strings.Join(names, ", "))
}
