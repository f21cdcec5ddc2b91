// Package lambdaenv reads what a function needs from its environment at
// start-up: required variables, and an S3 client built once from the SDK's
// default configuration.
package lambdaenv

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
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
// it. optFns adjust the client further. Call it once at start-up, never per
// invocation.
func S3Client(ctx context.Context, lookup Lookup, optFns ...func(*s3.Options)) (*s3.Client, error) {
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
	return s3.NewFromConfig(cfg, append([]func(*s3.Options){func(o *s3.Options) { o.UsePathStyle = pathStyle }}, optFns...)...), nil
}

// BucketClient returns the app's bucket name (layout.EnvBucketName, required)
// and an S3 client from S3Client with optFns.
func BucketClient(ctx context.Context, lookup Lookup, optFns ...func(*s3.Options)) (string, *s3.Client, error) {
	vars, err := Required(lookup, layout.EnvBucketName)
	if err != nil {
		return "", nil, err
	}
	client, err := S3Client(ctx, lookup, optFns...)
	if err != nil {
		return "", nil, err
	}
	return vars[layout.EnvBucketName], client, nil
}

// MaxConnsPerHost is an S3 option that keeps up to n idle connections to a
// host (the SDK keeps 10 by default), for a handler that runs n requests at
// once: without it every request beyond 10 opens a new TLS connection.
func MaxConnsPerHost(n int) func(*s3.Options) {
	return func(o *s3.Options) {
		o.HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
			t.MaxIdleConnsPerHost = n
		})
	}
}
