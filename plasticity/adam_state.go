package plasticity

import (
	"bytes"
	"encoding/gob"
	"fmt"
)

type adamState struct {
	M, V []float64
	T    int
}

// MarshalBinary saves the optimiser's moments and step count, so a
// checkpointed run resumes exactly.
func (a *Adam) MarshalBinary() ([]byte, error) {
	var buf bytes.Buffer
	err := gob.NewEncoder(&buf).Encode(adamState{M: a.m, V: a.v, T: a.t})
	return buf.Bytes(), err
}

// UnmarshalBinary restores a state saved by MarshalBinary; the settings
// (LR, betas, …) are not part of the state.
func (a *Adam) UnmarshalBinary(data []byte) error {
	var s adamState
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&s); err != nil {
		return fmt.Errorf("plasticity: Adam state: %w", err)
	}
	if len(s.M) != len(s.V) {
		return fmt.Errorf("plasticity: Adam state: moments of lengths %d and %d", len(s.M), len(s.V))
	}
	a.m, a.v, a.t = s.M, s.V, s.T
	return nil
}
