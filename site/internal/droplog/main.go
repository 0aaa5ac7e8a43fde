// Command droplog removes the log import that vugugen writes into every generated file
// (import "log" and "var _ log.Logger", to keep the import used) when nothing else uses
// it. The linker keeps an imported package's initialisation, and log's standard logger
// with it: 8.8 kB of main.wasm gzip for a package the page never calls. go generate runs
// it after vugugen (site/doc.go); it refuses a file that uses log for anything else.
//
// Usage:
//
//	go run ./site/internal/droplog FILE
package main

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"strconv"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: droplog FILE")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "droplog:", err)
		os.Exit(1)
	}
}

func run(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := dropLog(src)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, out, 0o644)
}

// dropLog returns the Go source without its log import and its "var _ log.Logger"
// declarations; it fails when log is used otherwise or the source does not parse.
func dropLog(src []byte) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	var decls []ast.Decl
	for _, d := range f.Decls {
		if !isBlankLogVar(d) {
			decls = append(decls, d)
		}
	}
	f.Decls = decls
	var imports []*ast.ImportSpec
	found := false
	for _, im := range f.Imports {
		p, _ := strconv.Unquote(im.Path.Value)
		if p == "log" && im.Name == nil {
			found = true
			continue
		}
		imports = append(imports, im)
	}
	if !found {
		return src, nil
	}
	f.Imports = imports
	// Remove the spec from its import declaration, and a declaration left empty.
	decls = decls[:0]
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if ok && g.Tok == token.IMPORT {
			var specs []ast.Spec
			for _, s := range g.Specs {
				if p, _ := strconv.Unquote(s.(*ast.ImportSpec).Path.Value); p != "log" {
					specs = append(specs, s)
				}
			}
			if len(specs) == 0 {
				continue
			}
			g.Specs = specs
		}
		decls = append(decls, d)
	}
	f.Decls = decls
	used := false
	ast.Inspect(f, func(n ast.Node) bool {
		if s, ok := n.(*ast.SelectorExpr); ok {
			if x, ok := s.X.(*ast.Ident); ok && x.Name == "log" && x.Obj == nil {
				used = true
			}
		}
		return !used
	})
	if used {
		return nil, errors.New("the file uses package log beyond vugugen's blank variables")
	}
	var b bytes.Buffer
	if err := format.Node(&b, fset, f); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// isBlankLogVar reports whether d is "var _ log.Logger".
func isBlankLogVar(d ast.Decl) bool {
	g, ok := d.(*ast.GenDecl)
	if !ok || g.Tok != token.VAR || len(g.Specs) != 1 {
		return false
	}
	v := g.Specs[0].(*ast.ValueSpec)
	if len(v.Names) != 1 || v.Names[0].Name != "_" || len(v.Values) != 0 {
		return false
	}
	s, ok := v.Type.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	x, ok := s.X.(*ast.Ident)
	return ok && x.Name == "log" && s.Sel.Name == "Logger"
}
