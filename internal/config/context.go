package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"go-lambda-cdk/functions"
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
// strings may also be given comma-separated. Every other key is an error
// that suggests the closest known key, except the CDK's own (feature flags
// "@aws-cdk/…", "aws:cdk:…", "cdk-…", cached lookups "name:…"); a key of a
// function that is not declared names the declared ones. Load does not
// validate: call Validate.
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
	keys := Keys()
	var errs []error
	for _, key := range slices.Sorted(maps.Keys(context)) {
		switch {
		case key == StageKey || IsCDKKey(key):
			continue
		case !slices.Contains(keys, key):
			errs = append(errs, fmt.Errorf("context %s: %s", key, unknownKey(key, keys)))
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

// Keys lists every configuration key that Load accepts, in field order;
// function keys come once per declared function, in declaration order, and
// a trigger's keys (functions.<name>.schedule) only for the functions that
// have that trigger.
func Keys() []string {
	var keys []string
	var walk func(t reflect.Type, prefix string, decl *functions.Declaration)
	walk = func(t reflect.Type, prefix string, decl *functions.Declaration) {
		for i := range t.NumField() {
			f := t.Field(i)
			name := jsonName(f)
			if name == "-" || (decl != nil && !hasTrigger(*decl, f.Tag.Get("trigger"))) {
				continue
			}
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			switch {
			case ft.Kind() == reflect.Struct:
				walk(ft, prefix+name+".", decl)
			case ft == reflect.TypeFor[Functions]():
				for _, d := range functions.All() {
					walk(ft.Elem(), prefix+name+"."+d.Name+".", &d)
				}
			case prefix+name != StageKey:
				keys = append(keys, prefix+name)
			}
		}
	}
	walk(reflect.TypeFor[Config](), "", nil)
	return keys
}

// hasTrigger reports whether a field tagged trigger:"kind" applies to d; an
// untagged field applies to every function.
func hasTrigger(d functions.Declaration, kind string) bool {
	return kind == "" || slices.Contains(d.Kinds(), kind)
}

// IsCDKKey reports whether a context key belongs to the CDK rather than to
// this app: feature flags ("@aws-cdk/…"), the CLI's own settings
// ("aws:cdk:…", "cdk-…", "acknowledged-issue-numbers") and cached context
// lookups, whose keys hold a colon ("availability-zones:account=…").
func IsCDKKey(key string) bool {
	return strings.HasPrefix(key, "@") || strings.HasPrefix(key, "cdk-") || strings.Contains(key, ":") ||
		key == "acknowledged-issue-numbers"
}

// unknownKey explains a key that is not a configuration key: a function
// that is not declared, or else the closest known key.
func unknownKey(key string, keys []string) string {
	if rest, ok := strings.CutPrefix(key, "functions."); ok {
		name, _, _ := strings.Cut(rest, ".")
		if _, declared := functions.Lookup(name); !declared {
			return fmt.Sprintf("no function %q is declared; declared: %s (functions/declared.go)", name, strings.Join(functions.Names(), ", "))
		}
	}
	return fmt.Sprintf("not a configuration key; did you mean %s?", closestKey(key, keys))
}

// closestKey is the known key at the smallest edit distance from key. The
// last part of each known key is also compared with the first and last
// parts of key (one more edit), so that "timeoutSeconds" finds
// "functions.<name>.timeoutSeconds" and "schedule.cron" finds
// "functions.report.schedule".
func closestKey(key string, keys []string) string {
	lower := strings.ToLower(key)
	first, _, _ := strings.Cut(lower, ".")
	last := lower[strings.LastIndex(lower, ".")+1:]
	best, bestDistance := "", -1
	for _, k := range append(keys, StageKey) {
		kl := strings.ToLower(k)
		leaf := kl[strings.LastIndex(kl, ".")+1:]
		d := editDistance(lower, kl)
		if strings.Contains(lower, ".") {
			d = min(d, editDistance(first, leaf)+1, editDistance(last, leaf)+1)
		} else {
			d = min(d, editDistance(lower, leaf))
		}
		if bestDistance < 0 || d < bestDistance {
			best, bestDistance = k, d
		}
	}
	rest, isFunctionKey := strings.CutPrefix(best, "functions.")
	if !isFunctionKey || strings.HasPrefix(key, "functions.") {
		return best
	}
	// A function's key: name every function that has it.
	_, field, _ := strings.Cut(rest, ".")
	var names []string
	for _, name := range functions.Names() {
		if slices.Contains(keys, "functions."+name+"."+field) {
			names = append(names, name)
		}
	}
	if len(names) == 1 {
		return best
	}
	return fmt.Sprintf("functions.<name>.%s (<name>: %s)", field, strings.Join(names, ", "))
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// set stores a context value at a key that Keys lists.
func set(c *Config, key string, value any) error {
	return setPath(reflect.ValueOf(c).Elem(), strings.Split(key, "."), value)
}

func setPath(v reflect.Value, path []string, value any) error {
	if len(path) == 0 {
		target := reflect.New(v.Type())
		if err := decode(value, target.Interface()); err != nil {
			return fmt.Errorf("value %s: %w", show(value), err)
		}
		v.Set(target.Elem())
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return setPath(v.Elem(), path, value)
	case reflect.Map:
		// Map elements are not addressable: change a copy, store it back.
		k := reflect.ValueOf(path[0])
		elem := reflect.New(v.Type().Elem()).Elem()
		if cur := v.MapIndex(k); cur.IsValid() {
			elem.Set(cur)
		}
		if err := setPath(elem, path[1:], value); err != nil {
			return err
		}
		v.SetMapIndex(k, elem)
		return nil
	}
	return setPath(fieldByJSONName(v, path[0]), path[1:], value)
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
