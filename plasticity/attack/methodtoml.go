package attack

import (
	"errors"
	"fmt"
	"slices"
)

// UnmarshalTOML decodes an attack from a TOML table, such as an
// [[attack.attacks]] entry of a config file. It implements the
// BurntSushi/toml Unmarshaler. Unlike plain struct decoding, a key given
// with the value that means "the default" to Defaults (steps = 0,
// step_factor = 0, loss = "") is an error naming the key: at the user
// boundary an explicit value is honoured or rejected, never replaced.
// Unknown keys are errors.
func (m *Method) UnmarshalTOML(data any) error {
	t, ok := data.(map[string]any)
	if !ok {
		return fmt.Errorf("attack: an attack is a table of loss, normalize, steps, step_factor and restarts, got %T", data)
	}
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out Method
	var errs []error
	bad := func(k string, v any, want string) {
		errs = append(errs, fmt.Errorf("%s = %v: %s", k, v, want))
	}
	zero := func(k, v, def string) {
		errs = append(errs, fmt.Errorf("%s = %s is not a valid value (leave it out for the default, %s)", k, v, def))
	}
	for _, k := range keys {
		v := t[k]
		switch k {
		case "loss":
			s, ok := v.(string)
			switch {
			case !ok:
				bad(k, v, "a string expected")
			case s == "":
				zero(k, `""`, fmt.Sprintf("%q", CrossEntropy))
			default:
				out.Loss = Loss(s)
			}
		case "normalize":
			b, ok := v.(bool)
			if !ok {
				bad(k, v, "true or false expected")
			}
			out.Normalize = b
		case "steps", "restarts":
			n, ok := v.(int64)
			switch {
			case !ok:
				bad(k, v, "an integer expected")
			case k == "steps" && n == 0:
				zero(k, "0", "50")
			case k == "steps":
				out.Steps = int(n)
			default:
				out.Restarts = int(n)
			}
		case "step_factor":
			var f float64
			switch x := v.(type) {
			case float64:
				f = x
			case int64:
				f = float64(x)
			default:
				bad(k, v, "a number expected")
				continue
			}
			if f == 0 {
				zero(k, "0", "2.5")
			}
			out.StepFactor = f
		default:
			errs = append(errs, fmt.Errorf("unknown key %q (an attack has loss, normalize, steps, step_factor and restarts)", k))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("attack: %w", err)
	}
	*m = out
	return nil
}
