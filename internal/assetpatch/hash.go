package assetpatch

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// The hashes below are aws-cdk-lib 2.275.0's, in plain Go. Each is checked
// against the previous assembly before it is trusted (see Prepare).

// fingerprint is the asset hash aws-cdk-lib gives a single file staged
// with the default options (core/lib/fs/fingerprint.js, fingerprint: no
// extraHash or asset salt, symlinks followed "external", glob ignore mode):
// a SHA-256 over framed fields, the file's being "<size>:<SHA-256 of its
// content>". aws-cdk-lib normalises the line ends of a text file (no NUL
// byte in its first 8 KiB); zips are binary, and text files are refused.
func fingerprint(content []byte) (string, error) {
	const firstRead = 8 * 1024
	head := content[:min(len(content), firstRead)]
	if len(content) == 0 || bytes.IndexByte(head, 0) < 0 {
		return "", fmt.Errorf("not a binary file (aws-cdk-lib hashes text files with their line ends normalised, which is not reimplemented)")
	}
	sum := sha256.Sum256(content)
	h := sha256.New()
	field := func(header, value string) {
		h.Write([]byte("\x01" + header + "\x02" + value + "\x03"))
	}
	field("options.extra", "")
	field("options.follow", "external")
	field("file:", fmt.Sprintf("%d:%s", len(content), hex.EncodeToString(sum[:])))
	return hex.EncodeToString(h.Sum(nil)), nil
}

// versionLocked is aws-lambda's VERSION_LOCKED (function-hash.js): true for
// the function properties that make a new version, false for those left
// out of its hash. A property in neither is refused, as aws-cdk-lib does.
var versionLocked = map[string]bool{
	"Architectures": true, "Code": true, "DeadLetterConfig": true, "Description": true,
	"Environment": true, "EphemeralStorage": true, "FileSystemConfigs": true,
	"FunctionName": true, "Handler": true, "ImageConfig": true, "KmsKeyArn": true,
	"Layers": true, "MemorySize": true, "PackageType": true, "RecursiveLoop": true,
	"Role": true, "Runtime": true, "RuntimeManagementConfig": true, "SnapStart": true,
	"Timeout": true, "TracingConfig": true, "VpcConfig": true, "LoggingConfig": true,
	"CapacityProviderConfig": true, "FunctionScalingConfig": true,
	"PublishToLatestPublished": true, "DurableConfig": true,
	"CodeSigningConfigArn": false, "ReservedConcurrentExecutions": false,
	"Tags": false, "TenancyConfig": false,
}

// propertyOrder is sortFunctionProperties' order of the known properties;
// the others follow, sorted.
var propertyOrder = []string{"Code", "Handler", "Role", "Runtime", "Architectures",
	"CodeSigningConfigArn", "DeadLetterConfig", "Description", "Environment",
	"EphemeralStorage", "FileSystemConfigs", "FunctionName", "ImageConfig", "KmsKeyArn",
	"Layers", "MemorySize", "PackageType", "ReservedConcurrentExecutions",
	"RuntimeManagementConfig", "SnapStart", "Tags", "Timeout", "TracingConfig", "VpcConfig"}

var propertyName = regexp.MustCompile(`^[A-Za-z0-9]+$`)

// versionHash is calculateFunctionHash (aws-lambda/lib/function-hash.js)
// of a function without layers or hash mixins, with the feature flags
// @aws-cdk/aws-lambda:recognizeVersionProps and recognizeLayerVersion on:
// the MD5 of the function's version-locked properties, in
// sortFunctionProperties' order, as compact JSON, followed by the MD5 of
// "{}" (no layers). The properties are the template's as written: their
// values are compacted, not re-encoded, so that strings keep the escapes
// JSON.stringify gave them.
func versionHash(properties json.RawMessage) (string, error) {
	var props map[string]json.RawMessage
	if err := json.Unmarshal(properties, &props); err != nil {
		return "", err
	}
	if _, ok := props["Layers"]; ok {
		return "", fmt.Errorf("the function has layers, whose hash is not reimplemented")
	}
	var keys []string
	for k := range props {
		locked, known := versionLocked[k]
		switch {
		case !known:
			return "", fmt.Errorf("property %s is not one aws-cdk-lib classifies for versions", k)
		case !propertyName.MatchString(k):
			return "", fmt.Errorf("property name %q", k)
		case locked:
			keys = append(keys, k)
		}
	}
	keys = sortProperties(keys)
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + k + `":`)
		if err := json.Compact(&b, props[k]); err != nil {
			return "", err
		}
	}
	b.WriteByte('}')
	return md5Hex(b.String() + md5Hex("{}")), nil
}

// sortProperties orders keys as sortFunctionProperties does.
func sortProperties(keys []string) []string {
	var out []string
	for _, k := range propertyOrder {
		if slices.Contains(keys, k) {
			out = append(out, k)
		}
	}
	var rest []string
	for _, k := range keys {
		if !slices.Contains(propertyOrder, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// templateHash is the asset hash of a template file: a stack's is the
// SHA-256 of the file (DefaultStackSynthesizer), a nested stack's the
// SHA-256 of the template as compact JSON (nested-stack.js), which the
// file, indented by JSON.stringify, compacts back to.
func templateHash(name string, content []byte) (string, error) {
	if !strings.HasSuffix(name, ".nested.template.json") {
		return sha256Hex(content), nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, content); err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return sha256Hex(b.Bytes()), nil
}

// destinationSuffix is the hash that ends an asset destination's key in an
// asset manifest (asset-manifest-builder.js): the first 8 hex digits of the
// SHA-256 of the destination as compact JSON.
func destinationSuffix(dest json.RawMessage) (string, error) {
	var b bytes.Buffer
	if err := json.Compact(&b, dest); err != nil {
		return "", err
	}
	return sha256Hex(b.Bytes())[:8], nil
}
