package functions

import (
	"reflect"
	"testing"
)

func TestDerivedAttributes(t *testing.T) {
	tests := []struct {
		name       string
		fn         Declaration
		async      bool
		maxTimeout int
		kinds      []string
	}{
		{"api only", Declaration{Triggers: []Trigger{API{Paths: []string{"/a"}}}}, false, 29, []string{"api"}},
		{"s3", Declaration{Triggers: []Trigger{ObjectCreated{Prefix: "in/"}}}, true, 900, []string{"s3"}},
		{"schedule", Declaration{Triggers: []Trigger{Schedule{Cron: "0 0 * * ? *"}}}, true, 900, []string{"schedule"}},
		{"no trigger: invoked by others", Declaration{}, true, 900, []string{"none"}},
		{"api and s3", Declaration{Triggers: []Trigger{API{Paths: []string{"/a"}}, ObjectCreated{Prefix: "in/"}}}, true, 29, []string{"api", "s3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.fn.Async(); got != tt.async {
				t.Errorf("Async() = %v, want %v", got, tt.async)
			}
			if got := tt.fn.MaxTimeoutSeconds(); got != tt.maxTimeout {
				t.Errorf("MaxTimeoutSeconds() = %d, want %d", got, tt.maxTimeout)
			}
			if got := tt.fn.Kinds(); !reflect.DeepEqual(got, tt.kinds) {
				t.Errorf("Kinds() = %v, want %v", got, tt.kinds)
			}
		})
	}
}

func TestStatements(t *testing.T) {
	fn := Declaration{Access: []Access{
		{Prefix: "user-data/", Write: true},
		{Prefix: "results/", List: true, Read: true, Write: true},
	}}
	want := []Statement{
		{Sid: "WriteUserData", Actions: []string{"s3:PutObject"}, Prefix: "user-data/"},
		{Sid: "ListResults", Actions: []string{"s3:ListBucket"}, Prefix: "results/", OnBucket: true},
		{Sid: "ReadResults", Actions: []string{"s3:GetObject"}, Prefix: "results/"},
		{Sid: "WriteResults", Actions: []string{"s3:PutObject"}, Prefix: "results/"},
	}
	if got := fn.Statements(); !reflect.DeepEqual(got, want) {
		t.Errorf("Statements() =\n%+v\nwant\n%+v", got, want)
	}
	if got := fn.ObjectPrefixes(); !reflect.DeepEqual(got, []string{"user-data/", "results/"}) {
		t.Errorf("ObjectPrefixes() = %v", got)
	}
	listOnly := Declaration{Access: []Access{{Prefix: "results/", List: true}}}
	if got := listOnly.ObjectPrefixes(); len(got) != 0 {
		t.Errorf("a list-only access holds no object wildcard, got %v", got)
	}
}

func TestConstructID(t *testing.T) {
	for name, want := range map[string]string{"api": "Api", "thumbnail2": "Thumbnail2", "x": "X"} {
		if got := (Declaration{Name: name}).ConstructID(); got != want {
			t.Errorf("ConstructID(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestAllIsACopy(t *testing.T) {
	all := All()
	if len(all) == 0 {
		t.Fatal("no functions declared")
	}
	all[0].Name = "changed"
	if Names()[0] == "changed" {
		t.Error("changing All()'s result changed the declarations")
	}
	if _, ok := Lookup(Names()[0]); !ok {
		t.Error("Lookup does not find the first declared function")
	}
	if _, ok := Lookup("no-such-function"); ok {
		t.Error("Lookup found an undeclared function")
	}
}
