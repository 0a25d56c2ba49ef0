package plasticity

import (
	"bytes"
	"strings"
	"testing"
)

// TestRuleOrigin: a rule file records the setting its rule was learned
// under and reads it back; a file without it (written before) reads with
// no origin; Mismatch names both values of every difference and nothing
// when the settings agree (issue 15's provenance).
func TestRuleOrigin(t *testing.T) {
	learned := Config{Nodes: 100, Rounds: 3, Recurrence: Reference}
	o := OriginOf(learned, "meta")
	want := Origin{Recurrence: Reference, Rounds: 3, Scheme: Mistakes, AllEdges: false, Command: "meta"}
	if *o != want {
		t.Fatalf("OriginOf: %+v, want %+v (defaults filled in)", *o, want)
	}
	var buf bytes.Buffer
	if err := WriteRuleOrigin(&buf, Perceptron(3), "test", o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"recurrence": "reference"`) {
		t.Errorf("the file does not record the recurrence:\n%s", buf.String())
	}
	r, got, err := ReadRuleOrigin(bytes.NewReader(buf.Bytes()), "x")
	if err != nil || got == nil || *got != want || r.Rounds != 3 {
		t.Fatalf("read back: %+v, %v; want %+v", got, err, want)
	}
	// An old file (no "learned") has no origin and warns about nothing.
	buf.Reset()
	if err := WriteRule(&buf, Perceptron(3), "old"); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "learned") {
		t.Errorf("WriteRule wrote an origin:\n%s", buf.String())
	}
	if _, none, err := ReadRuleOrigin(bytes.NewReader(buf.Bytes()), "old"); err != nil || none != nil || len(none.Mismatch(Config{Recurrence: Paper})) != 0 {
		t.Errorf("old file: origin %+v, err %v", none, err)
	}

	for _, tc := range []struct {
		use  Config
		want []string
	}{
		{Config{Rounds: 3, Recurrence: Reference}, nil},
		{Config{Rounds: 3}, []string{"learned under the reference recurrence, used under the paper recurrence"}},
		{Config{Rounds: 2, Recurrence: Reference, Scheme: All, AllEdges: true}, []string{
			"learned with T = 3 rounds, used with T = 2",
			"learned with scheme mistakes, used with scheme all",
			"learned with all_edges = false, used with all_edges = true"}},
	} {
		got := o.Mismatch(tc.use)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("Mismatch(%+v) = %q, want %q", tc.use, got, tc.want)
		}
	}
}
