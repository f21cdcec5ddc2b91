package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// StageKey is the CDK context key that selects the stage preset.
const StageKey = "stage"

// Load builds a stage's configuration from the CDK context: the preset named
// by "stage" (default dev), then every context key that names a field of
// Config, e.g. `-c functions.api.memoryMB=512` or, in cdk.json,
// "api.corsAllowedOrigins": ["https://app.example.com"].
//
// Values given on the command line arrive as strings and are read as JSON
// when the field is not a string ("512", "true", "[\"a\",\"b\"]"); a list of
// strings may also be given comma-separated. Keys that start like a field
// path but name none ("functions.api.memory") are errors; other keys (CDK
// feature flags) are ignored. Load does not validate: call Validate.
func Load(context map[string]any) (Config, error) {
	stage := DefaultStage
	if v, ok := context[StageKey]; ok {
		s, isString := v.(string)
		if !isString {
			return Config{}, fmt.Errorf("context %s: %v is not a string; allowed: %s", StageKey, v, quoteList(Stages()))
		}
		stage = s
	}
	c, err := ForStage(stage)
	if err != nil {
		return Config{}, fmt.Errorf("context %w", err)
	}
	fields := Keys()
	var errs []error
	for _, key := range sortedKeys(context) {
		if key == StageKey {
			continue
		}
		if !slices.Contains(fields, key) {
			if isOurs(key) {
				errs = append(errs, fmt.Errorf("context %s: not a configuration key; known keys: %s", key, strings.Join(fields, ", ")))
			}
			continue
		}
		if err := set(&c, key, context[key]); err != nil {
			errs = append(errs, fmt.Errorf("context %s: %w", key, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Keys lists every configuration key that Load accepts, in field order.
func Keys() []string {
	var keys []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := range t.NumField() {
			f := t.Field(i)
			name := jsonName(f)
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				walk(ft, prefix+name+".")
				continue
			}
			if prefix+name != StageKey {
				keys = append(keys, prefix+name)
			}
		}
	}
	walk(reflect.TypeFor[Config](), "")
	return keys
}

// isOurs reports whether a context key starts with a top-level field of
// Config followed by a dot, so that a misspelt key is reported, not ignored.
func isOurs(key string) bool {
	head, _, nested := strings.Cut(key, ".")
	if !nested {
		return false
	}
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		if jsonName(t.Field(i)) == head {
			return true
		}
	}
	return false
}

func set(c *Config, key string, value any) error {
	v := reflect.ValueOf(c).Elem()
	for _, part := range strings.Split(key, ".") {
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = fieldByJSONName(v, part)
	}
	target := reflect.New(v.Type())
	if err := decode(value, target.Interface()); err != nil {
		return fmt.Errorf("value %s: %w", show(value), err)
	}
	v.Set(target.Elem())
	return nil
}

// decode turns a context value into the field's type. Strings from the
// command line are read as JSON unless the field is a string.
func decode(value any, target any) error {
	kind := reflect.TypeOf(target).Elem()
	if s, ok := value.(string); ok {
		switch {
		case kind.Kind() == reflect.String:
			reflect.ValueOf(target).Elem().SetString(s)
			return nil
		case kind == reflect.TypeFor[[]string]() && !strings.HasPrefix(strings.TrimSpace(s), "["):
			parts := strings.Split(s, ",")
			for i := range parts {
				parts[i] = strings.TrimSpace(parts[i])
			}
			reflect.ValueOf(target).Elem().Set(reflect.ValueOf(parts))
			return nil
		}
		return typed(json.Unmarshal([]byte(s), target), kind)
	}
	raw, err := json.Marshal(value)
	if err != nil {
		return err
	}
	return typed(json.Unmarshal(raw, target), kind)
}

func typed(err error, t reflect.Type) error {
	if err == nil {
		return nil
	}
	want := map[reflect.Kind]string{
		reflect.Int: "a whole number", reflect.Int64: "a whole number", reflect.Float64: "a number",
		reflect.Bool: "true or false", reflect.Slice: "a JSON list or comma-separated values", reflect.Map: "a JSON object",
		reflect.Struct: "a JSON object",
	}[t.Kind()]
	if want == "" {
		want = t.String()
	}
	return fmt.Errorf("want %s", want)
}

func show(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func fieldByJSONName(v reflect.Value, name string) reflect.Value {
	for i := range v.NumField() {
		if jsonName(v.Type().Field(i)) == name {
			return v.Field(i)
		}
	}
	panic("config: no field " + name) // unreachable: keys come from Keys
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" {
		return f.Name
	}
	return name
}
