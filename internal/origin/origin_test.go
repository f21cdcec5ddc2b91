package origin

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		origins []string
		want    []string // one fragment per problem, in order; nil: valid
	}{
		{"any", []string{"*"}, nil},
		{"https origins with a port", []string{"https://app.example.com", "https://admin.example.com:8443"}, nil},
		{"empty", nil, []string{"at least one origin"}},
		{"http", []string{"http://app.example.com"}, []string{`"http://app.example.com" is not https`}},
		{"no scheme", []string{"app.example.com"}, []string{"is not https"}},
		{"path", []string{"https://app.example.com/x"}, []string{"not an origin"}},
		{"trailing slash", []string{"https://app.example.com/"}, []string{"must not end with a slash"}},
		{"star with others", []string{"*", "https://a.example.com"}, []string{"only origin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Check(tt.origins)
			if len(got) != len(tt.want) {
				t.Fatalf("%d problems %v, want %d", len(got), got, len(tt.want))
			}
			for i, frag := range tt.want {
				if !strings.Contains(got[i].Err.Error(), frag) {
					t.Errorf("problem %d: %v, want it to contain %q", i, got[i].Err, frag)
				}
			}
		})
	}
}
