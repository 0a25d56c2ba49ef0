package genetics

import (
	"math/rand/v2"
	"testing"
)

// FuzzUnmarshalBinary: arbitrary bytes never panic, and a state that is
// accepted is re-marshalled unchanged apart from the generator state.
func FuzzUnmarshalBinary(f *testing.F) {
	enc := &Encoding{P: 2, N: 70}
	newPop := func() *Population {
		p, err := NewPopulation(&PopulationConfig{N: 5, LDPairs: 3, Workers: 1}, enc, neutral(2), Fitness{}, rand.NewPCG(1, 2))
		if err != nil {
			f.Fatal(err)
		}
		return p
	}
	good, err := newPop().MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:40])
	f.Add([]byte(populationMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := newPop()
		if err := p.UnmarshalBinary(data); err != nil {
			return
		}
		if err := p.Step(); err != nil {
			t.Fatalf("step after accepted state: %v", err)
		}
	})
}

// FuzzParseVariant: ParseVariant accepts exactly the names of String.
func FuzzParseVariant(f *testing.F) {
	for _, v := range Variants() {
		f.Add(v.String())
	}
	f.Add("Natural")
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVariant(s)
		if err == nil && v.String() != s {
			t.Fatalf("ParseVariant(%q) = %v", s, v)
		}
	})
}
