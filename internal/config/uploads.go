package config

import (
	"time"

	"go-lambda-cdk/internal/layout"
	"go-lambda-cdk/internal/quota"
)

// validateUploadFitsProcessors checks that the largest upload the API
// presigns (api.maxUploadBytes) can be read within the timeout of every
// function whose S3 trigger takes the uploads (its prefix overlaps
// layout.UploadsPrefix; layout.CheckUploadFitsProcessor). A function
// triggered by another prefix never reads an upload.
func (c Config) validateUploadFitsProcessors(add func(string, string, ...any)) {
	if c.API.MaxUploadBytes < 1 {
		return // reported by API.validate
	}
	for _, fn := range c.Functions.Named() {
		o, ok := fn.Declaration.ObjectCreated()
		if !ok || !prefixesOverlap(o.Prefix, layout.UploadsPrefix) || fn.TimeoutSeconds < quota.MinTimeoutSeconds {
			continue
		}
		if err := layout.CheckUploadFitsProcessor(c.API.MaxUploadBytes, time.Duration(fn.TimeoutSeconds)*time.Second); err != nil {
			add("api.maxUploadBytes", "%v (functions.%s.timeoutSeconds)", err, fn.Name)
		}
	}
}
