// Package userconf enforces the rule at the user boundary: a value the user
// gave (a flag, a key of a TOML file, a sweep grid value) is honoured or
// rejected with an error that names it; only an absent value takes the
// default.
//
// The library configs follow the zero-means-default convention (a zero
// field takes its documented default). At the boundary that convention
// would turn an explicit "nodes = 0" into 1000 nodes without a word. Given
// compares the config as the user wrote it with the config after
// defaults: every key the user gave must keep its value, so a given value
// that the defaults would replace is an error.
package userconf

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// Given maps the dotted TOML keys of the values the user gave to how the
// user gave them, for messages: "--nodes" for a flag, the key itself for a
// file.
type Given map[string]string

// File records every key a TOML decode found (tables included; Check
// skips them).
func (g Given) File(md toml.MetaData) {
	for _, k := range md.Keys() {
		if _, ok := g[k.String()]; !ok {
			g[k.String()] = k.String()
		}
	}
}

// Check reports every given key whose value in raw (the config as the
// user gave it, before defaults) differs from its value in eff (the same
// config after defaults): such a value would be silently replaced. raw and
// eff are structs (or pointers to structs) of the same type whose fields
// carry toml tags. Keys that name tables or that do not resolve to a field
// are ignored.
func (g Given) Check(raw, eff any) error {
	rv, ev := indirect(reflect.ValueOf(raw)), indirect(reflect.ValueOf(eff))
	if rv.Type() != ev.Type() {
		panic("userconf: raw and eff differ in type")
	}
	var bad []string
	for k, label := range g {
		r, ok1 := field(rv, strings.Split(k, "."))
		e, ok2 := field(ev, strings.Split(k, "."))
		if !ok1 || !ok2 || r.Kind() == reflect.Struct {
			continue
		}
		if !reflect.DeepEqual(r.Interface(), e.Interface()) {
			sep := " = "
			if strings.HasPrefix(label, "-") {
				sep = " "
			}
			bad = append(bad, fmt.Sprintf("%s%s%s is not a valid value (leave it out for the default, %s here)", label, sep, show(r), show(e)))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return fmt.Errorf("%s", strings.Join(bad, "; "))
}

// Set sets the field of the struct *dst named by the dotted TOML key to v,
// converting v to the field's type (a string to a named string type, an
// int to int64 …). It panics if the key names no field: a programming error.
func Set(dst any, key string, v any) {
	f, ok := field(reflect.ValueOf(dst), strings.Split(key, "."))
	if !ok || !f.CanSet() {
		panic("userconf: no settable field " + key)
	}
	val := reflect.ValueOf(v)
	if (val.Kind() == reflect.String) != (f.Kind() == reflect.String) || !val.Type().ConvertibleTo(f.Type()) {
		panic(fmt.Sprintf("userconf: %s: cannot use %T as %s", key, v, f.Type()))
	}
	f.Set(val.Convert(f.Type()))
}

func indirect(v reflect.Value) reflect.Value {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		v = v.Elem()
	}
	return v
}

func show(v reflect.Value) string {
	switch v.Kind() {
	case reflect.String:
		return fmt.Sprintf("%q", v.String())
	case reflect.Slice:
		if v.IsNil() {
			return "(none)"
		}
	}
	return fmt.Sprint(v.Interface())
}

// field finds the field of struct v named by the toml path; the fields of
// embedded structs sit at the level of the struct that embeds them.
func field(v reflect.Value, path []string) (reflect.Value, bool) {
	v = indirect(v)
	if len(path) == 0 {
		return v, true
	}
	if v.Kind() != reflect.Struct {
		return reflect.Value{}, false
	}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			if r, ok := field(v.Field(i), path); ok {
				return r, true
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name == path[0] {
			return field(v.Field(i), path[1:])
		}
	}
	return reflect.Value{}, false
}
