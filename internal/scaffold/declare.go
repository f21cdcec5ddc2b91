package scaffold

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"strconv"
	"strings"

	"go-lambda-cdk/functions"
)

// declarationsVar is the variable in the declarations file that lists the
// functions.
const declarationsVar = "declared"

// insertionMarker is the comment inside the list before which new
// declarations go, so that they keep the order of creation.
const insertionMarker = "// make new-function appends here."

// declaredNames returns the Name of every declaration in the declarations
// file's source, as written there.
func declaredNames(src []byte) ([]string, error) {
	_, list, err := parseDeclarations(src)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, elt := range list.Elts {
		lit, ok := elt.(*ast.CompositeLit)
		if !ok {
			continue
		}
		for _, e := range lit.Elts {
			kv, ok := e.(*ast.KeyValueExpr)
			if !ok {
				continue
			}
			if key, ok := kv.Key.(*ast.Ident); ok && key.Name == "Name" {
				if s, ok := kv.Value.(*ast.BasicLit); ok && s.Kind == token.STRING {
					name, err := strconv.Unquote(s.Value)
					if err == nil {
						names = append(names, name)
					}
				}
			}
		}
	}
	return names, nil
}

// parseDeclarations finds the composite literal of declarationsVar.
func parseDeclarations(src []byte) (*token.FileSet, *ast.CompositeLit, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "declared.go", src, parser.ParseComments)
	if err != nil {
		return nil, nil, fmt.Errorf("parse: %w", err)
	}
	for _, decl := range file.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.VAR {
			continue
		}
		for _, spec := range gen.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if name.Name != declarationsVar || i >= len(vs.Values) {
					continue
				}
				if lit, ok := vs.Values[i].(*ast.CompositeLit); ok {
					return fset, lit, nil
				}
			}
		}
	}
	return nil, nil, fmt.Errorf("no `var %s = []Declaration{...}` found", declarationsVar)
}

// appendDeclaration returns src with the declaration of fn added at the end
// of the list (before the insertion marker when there is one), gofmt'ed.
// It checks that the result parses and lists exactly one more function.
func appendDeclaration(src []byte, fn functions.Declaration) ([]byte, error) {
	fset, list, err := parseDeclarations(src)
	if err != nil {
		return nil, err
	}
	at := fset.Position(list.Rbrace).Offset
	if i := bytes.Index(src, []byte(insertionMarker)); i >= 0 && i < at {
		at = i
	}
	// Insert at the start of the line that holds the insertion point.
	at = bytes.LastIndexByte(src[:at], '\n') + 1
	out := append([]byte(nil), src[:at]...)
	out = append(out, declarationSource(fn)...)
	out = append(out, src[at:]...)
	formatted, err := format.Source(out)
	if err != nil {
		return nil, fmt.Errorf("the edited declarations do not format: %w", err)
	}
	_, after, err := parseDeclarations(formatted)
	if err != nil {
		return nil, err
	}
	if len(after.Elts) != len(list.Elts)+1 {
		return nil, errors.New("the edit did not add exactly one declaration")
	}
	return formatted, nil
}

// declarationSource is the Go source of one element of the list.
func declarationSource(fn functions.Declaration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\t{\n\t\tName:        %q,\n\t\tDescription: %q,\n", fn.Name, fn.Description)
	for _, t := range fn.Triggers {
		fmt.Fprintf(&b, "\t\tTriggers:    []Trigger{%s},\n", triggerSource(t))
	}
	if len(fn.Access) > 0 {
		var access []string
		for _, a := range fn.Access {
			fields := []string{fmt.Sprintf("Prefix: %q", a.Prefix)}
			for _, f := range []struct {
				name string
				on   bool
			}{{"List", a.List}, {"Read", a.Read}, {"Write", a.Write}} {
				if f.on {
					fields = append(fields, f.name+": true")
				}
			}
			access = append(access, "{"+strings.Join(fields, ", ")+"}")
		}
		fmt.Fprintf(&b, "\t\tAccess:      []Access{%s},\n", strings.Join(access, ", "))
	}
	fmt.Fprintf(&b, "\t\tTimeoutSeconds: %d,\n\t},\n", fn.TimeoutSeconds)
	return b.String()
}

func triggerSource(t functions.Trigger) string {
	switch t := t.(type) {
	case functions.API:
		quoted := make([]string, len(t.Paths))
		for i, p := range t.Paths {
			quoted[i] = strconv.Quote(p)
		}
		return "API{Paths: []string{" + strings.Join(quoted, ", ") + "}}"
	case functions.ObjectCreated:
		return fmt.Sprintf("ObjectCreated{Prefix: %q}", t.Prefix)
	case functions.Schedule:
		return fmt.Sprintf("Schedule{Cron: %q}", t.Cron)
	}
	panic(fmt.Sprintf("scaffold: unknown trigger %T", t)) // ParseTrigger returns no other
}
