// Package docs holds no code: its tests keep README.md and the pages under
// docs/ in step with the Makefile and with each other.
package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// root is the module's root, relative to this package.
const root = "../.."

// makeTargets returns the Makefile's documented targets: those with a
// `## ` comment, which `make help` lists (the same pattern as its grep).
func makeTargets(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	var targets []string
	for _, m := range regexp.MustCompile(`(?m)^([a-zA-Z_-]+):.*## `).FindAllStringSubmatch(string(raw), -1) {
		targets = append(targets, m[1])
	}
	if len(targets) == 0 {
		t.Fatal("Makefile: no target with a `## ` comment, the pattern make help lists")
	}
	return targets
}

// section returns the part of a markdown text from the heading line
// `heading` to the next heading of the same or a higher level.
func section(text, heading string) (string, bool) {
	_, after, ok := strings.Cut(text, "\n"+heading+"\n")
	if !ok {
		return "", false
	}
	level := strings.Index(heading, " ") // number of #
	for _, l := range regexp.MustCompile(`(?m)^#{1,6} `).FindAllStringIndex(after, -1) {
		if l[1]-l[0]-1 <= level {
			return after[:l[0]], true
		}
	}
	return after, true
}

// TestReadmeCommandsListEveryMakeTarget checks that the README's command
// list names every target `make help` lists, as "`make <target>".
func TestReadmeCommandsListEveryMakeTarget(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	commands, ok := section(string(raw), "## Commands")
	if !ok {
		t.Fatal(`README.md has no "## Commands" section`)
	}
	for _, target := range makeTargets(t) {
		t.Run(target, func(t *testing.T) {
			if !regexp.MustCompile("`make " + regexp.QuoteMeta(target) + "[ `]").MatchString(commands) {
				t.Errorf("README.md's Commands section does not list `make %s` (a target make help lists)", target)
			}
		})
	}
}

// markdownFiles returns README.md and every page under docs/, relative to
// the module's root.
func markdownFiles(t *testing.T) []string {
	t.Helper()
	pages, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"README.md"}
	for _, p := range pages {
		rel, err := filepath.Rel(root, p)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, filepath.ToSlash(rel))
	}
	return files
}

// prose returns a markdown text without its fenced code blocks and inline
// code spans, where brackets and parentheses are no links.
func prose(text string) string {
	var b strings.Builder
	fenced := false
	for line := range strings.Lines(text) {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			b.WriteString("\n")
			continue
		}
		if fenced {
			b.WriteString("\n")
			continue
		}
		b.WriteString(line)
	}
	return regexp.MustCompile("`[^`\n]*`").ReplaceAllString(b.String(), "``")
}

// anchor is the fragment GitHub gives a heading: lower case, every
// character but letters, digits, marks, spaces, hyphens and underscores
// dropped, spaces turned into hyphens.
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestAnchor(t *testing.T) {
	for _, tc := range []struct{ heading, want string }{
		{"Replay failed events", "replay-failed-events"},
		{"Hotswap (dev only)", "hotswap-dev-only"},
		{"What pages you, and why", "what-pages-you-and-why"},
		{"No helper Lambdas: the bucket's name", "no-helper-lambdas-the-buckets-name"},
		{"I want to …", "i-want-to-"},
		{"Run it locally (no Docker, no AWS account)", "run-it-locally-no-docker-no-aws-account"},
	} {
		t.Run(tc.heading, func(t *testing.T) {
			if got := anchor(tc.heading); got != tc.want {
				t.Errorf("anchor(%q) = %q, want %q", tc.heading, got, tc.want)
			}
		})
	}
}

// anchors returns the fragments of a markdown text's headings.
func anchors(text string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`(?m)^#{1,6} (.+)$`).FindAllStringSubmatch(prose(text), -1) {
		out = append(out, anchor(strings.ReplaceAll(m[1], "``", "")))
	}
	return out
}

// TestDocsLinksResolve checks every relative link of README.md and the
// docs/ pages: the file it names exists, and a #fragment names a heading
// of that file.
func TestDocsLinksResolve(t *testing.T) {
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	for _, file := range markdownFiles(t) {
		t.Run(file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(root, file))
			if err != nil {
				t.Fatal(err)
			}
			links := link.FindAllStringSubmatch(prose(string(raw)), -1)
			for _, m := range links {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				path, fragment, _ := strings.Cut(target, "#")
				dest := file
				if path != "" {
					dest = filepath.ToSlash(filepath.Join(filepath.Dir(file), path))
				}
				text, err := os.ReadFile(filepath.Join(root, dest))
				if err != nil {
					t.Errorf("%s links to %s: %v", file, target, err)
					continue
				}
				if fragment != "" && strings.HasSuffix(dest, ".md") && !slices.Contains(anchors(string(text)), fragment) {
					t.Errorf("%s links to %s: %s has no heading with the anchor #%s (it has %v)", file, target, dest, fragment, anchors(string(text)))
				}
			}
		})
	}
}

// TestDocsNameOnlyMakeTargets checks that every "`make <word>" in README.md
// and the docs/ pages names a target of the Makefile.
func TestDocsNameOnlyMakeTargets(t *testing.T) {
	targets := makeTargets(t)
	raw, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	// Targets without a `## ` comment (internal ones) exist too.
	for _, m := range regexp.MustCompile(`(?m)^([a-zA-Z_-]+):`).FindAllStringSubmatch(string(raw), -1) {
		targets = append(targets, m[1])
	}
	mention := regexp.MustCompile("`make ([a-z][a-z-]*)")
	for _, file := range markdownFiles(t) {
		t.Run(file, func(t *testing.T) {
			text, err := os.ReadFile(filepath.Join(root, file))
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range mention.FindAllStringSubmatch(string(text), -1) {
				if !slices.Contains(targets, m[1]) {
					t.Errorf("%s names `make %s`, which is no Makefile target", file, m[1])
				}
			}
		})
	}
}
