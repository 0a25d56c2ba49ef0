package attack

import (
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// TestMethodTOMLExplicitZero: in a TOML [[attacks]] entry an explicit
// steps = 0, step_factor = 0 or loss = "" is an error naming the key, not
// the default (before, steps = 0 silently became 50 steps); absent keys
// still take the defaults, and unknown keys are errors.
func TestMethodTOMLExplicitZero(t *testing.T) {
	type file struct {
		Attacks []Method `toml:"attacks"`
	}
	for _, tc := range []struct {
		entry, want string
	}{
		{"loss = \"margin\"\nsteps = 0", "steps = 0 is not a valid value (leave it out for the default, 50)"},
		{"step_factor = 0", "step_factor = 0 is not a valid value"},
		{"step_factor = 0.0", "step_factor = 0 is not a valid value"},
		{"loss = \"\"", `loss = "" is not a valid value`},
		{"stepz = 3", `unknown key "stepz"`},
		{"steps = \"many\"", "steps = many: an integer expected"},
	} {
		var f file
		_, err := toml.Decode("[[attacks]]\nloss = \"ce\"\n[[attacks]]\n"+tc.entry+"\n", &f)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want one containing %q", tc.entry, err, tc.want)
		}
		if err != nil && !strings.Contains(err.Error(), "attacks") {
			t.Errorf("%q: the error %v does not name the table", tc.entry, err)
		}
	}
	// Given values are kept; absent ones are zero, filled by Defaults.
	var f file
	md, err := toml.Decode("[[attacks]]\nloss = \"margin\"\nnormalize = true\nsteps = 7\nstep_factor = 2\nrestarts = 0\n[[attacks]]\nloss = \"hsj\"\n", &f)
	if err != nil {
		t.Fatal(err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		t.Errorf("undecoded keys %v", und)
	}
	want := []Method{{Loss: Margin, Normalize: true, Steps: 7, StepFactor: 2}, {Loss: HopSkipJump}}
	if len(f.Attacks) != 2 || f.Attacks[0] != want[0] || f.Attacks[1] != want[1] {
		t.Fatalf("decoded %+v, want %+v", f.Attacks, want)
	}
	if d := f.Attacks[1].Defaults(); d.Steps != 50 {
		t.Errorf("absent steps: %d after defaults, want 50", d.Steps)
	}
}
