package scaffold

import (
	"fmt"

	"go-lambda-cdk/functions"
)

// Fill scaffolds functions into the module at dir, which declares
// declared, until it declares total: named fnNNN by their position, of
// every kind in turn (api, s3, schedule, none), as a growing team would
// add them. It returns the declarations with the new ones. bench-scale
// and the scale tests use it.
func Fill(dir string, declared []functions.Declaration, total int) ([]functions.Declaration, error) {
	kinds := []func(name string, i int) string{
		func(name string, _ int) string { return "api:/" + name },
		func(name string, _ int) string { return "s3:" + name + "/" },
		func(_ string, i int) string { return fmt.Sprintf("schedule:%d %d * * ? *", i%60, i%24) },
		func(string, int) string { return "none" },
	}
	for i := len(declared) + 1; i <= total; i++ {
		name := fmt.Sprintf("fn%03d", i)
		fn, files, err := Plan(Options{ModuleDir: dir, Name: name, Trigger: kinds[i%len(kinds)](name, i), Declared: declared})
		if err != nil {
			return nil, fmt.Errorf("scaffold %s: %w", name, err)
		}
		if err := Write(dir, files); err != nil {
			return nil, fmt.Errorf("scaffold %s: %w", name, err)
		}
		declared = append(declared, fn)
	}
	return declared, nil
}
