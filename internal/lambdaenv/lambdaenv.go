// Package lambdaenv reads what a function needs from its environment at
// start-up: required variables, and an S3 client built once from the SDK's
// default configuration.
package lambdaenv

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"go-lambda-cdk/internal/layout"
)

// Lookup has the shape of os.LookupEnv; tests pass a map's lookup instead.
type Lookup func(key string) (string, bool)

// MapLookup returns a Lookup over m.
func MapLookup(m map[string]string) Lookup {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// Required returns the value of every named variable, or one error naming
// each variable that is unset or empty.
func Required(lookup Lookup, names ...string) (map[string]string, error) {
	values := make(map[string]string, len(names))
	var errs []error
	for _, name := range names {
		v, ok := lookup(name)
		if !ok || v == "" {
			errs = append(errs, fmt.Errorf("environment variable %s is not set", name))
			continue
		}
		values[name] = v
	}
	return values, errors.Join(errs...)
}

// S3Client returns an S3 client from the SDK's default configuration
// (region, credentials, AWS_ENDPOINT_URL_S3, AWS_REQUEST_CHECKSUM_CALCULATION
// and the rest). When layout.EnvS3ForcePathStyle is "true" it addresses
// buckets path-style, as local S3 servers need; the deployed stack never sets
// it. Call it once at start-up, never per invocation.
func S3Client(ctx context.Context, lookup Lookup) (*s3.Client, error) {
	pathStyle := false
	if v, ok := lookup(layout.EnvS3ForcePathStyle); ok && v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("environment variable %s: %q is not a boolean", layout.EnvS3ForcePathStyle, v)
		}
		pathStyle = b
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = pathStyle }), nil
}

// BucketClient returns the app's bucket name (layout.EnvBucketName, required)
// and an S3 client from S3Client.
func BucketClient(ctx context.Context, lookup Lookup) (string, *s3.Client, error) {
	vars, err := Required(lookup, layout.EnvBucketName)
	if err != nil {
		return "", nil, err
	}
	client, err := S3Client(ctx, lookup)
	if err != nil {
		return "", nil, err
	}
	return vars[layout.EnvBucketName], client, nil
}
