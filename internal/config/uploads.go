package config

import (
	"go-lambda-cdk/internal/quota"

	"time"

	"go-lambda-cdk/internal/layout"
)

// validateUploadFitsProcessors checks that the largest upload the API
// presigns (api.maxUploadBytes) can be read within the timeout of every
// function that an S3 object-created notification invokes
// (layout.CheckUploadFitsProcessor).
func (c Config) validateUploadFitsProcessors(add func(string, string, ...any)) {
	if c.API.MaxUploadBytes < 1 {
		return // reported by API.validate
	}
	for _, fn := range c.Functions.Named() {
		if _, ok := fn.Declaration.ObjectCreated(); !ok || fn.TimeoutSeconds < quota.MinTimeoutSeconds {
			continue
		}
		if err := layout.CheckUploadFitsProcessor(c.API.MaxUploadBytes, time.Duration(fn.TimeoutSeconds)*time.Second); err != nil {
			add("api.maxUploadBytes", "%v (functions.%s.timeoutSeconds)", err, fn.Name)
		}
	}
}
