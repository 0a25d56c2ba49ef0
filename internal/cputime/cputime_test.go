package cputime

import "testing"

// TestProcessAdvances: a busy loop of about 20 ms of work shows up as
// CPU time (on platforms that report it).
func TestProcessAdvances(t *testing.T) {
	t0 := Process()
	if t0 == 0 {
		t.Skip("no CPU time on this platform")
	}
	x := 0.0
	for i := 0; i < 20_000_000; i++ {
		x += float64(i % 7)
	}
	if d := Process() - t0; d <= 0 || x == 0 {
		t.Fatalf("CPU time did not advance over a busy loop: %v s", d)
	}
}
