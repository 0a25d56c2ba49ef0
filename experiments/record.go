package experiments

import "reflect"

// withDefaults returns a copy of the config v in which every nested
// struct with a Defaults method of its own type (plasticity.Config,
// plasticity.MetaConfig, plasticity.GDConfig, …) has its defaults filled
// in, so that the recorded config shows the values used, not zeros.
func withDefaults(v any) any {
	rv := reflect.New(reflect.TypeOf(v)).Elem()
	rv.Set(reflect.ValueOf(v))
	fill(rv)
	return rv.Interface()
}

func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		if m := v.MethodByName("Defaults"); m.IsValid() && m.Type().NumIn() == 0 && m.Type().NumOut() == 1 && m.Type().Out(0) == v.Type() {
			v.Set(m.Call(nil)[0])
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			fill(v.Index(i))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			fill(v.Elem())
		}
	}
}
