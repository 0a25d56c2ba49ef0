package genetics

import (
	"encoding"
	"encoding/binary"
	"errors"
	"fmt"
)

var (
	_ encoding.BinaryMarshaler   = (*Population)(nil)
	_ encoding.BinaryUnmarshaler = (*Population)(nil)
)

const populationMagic = "evolve/genetics.Population v1\n"

// MarshalBinary saves the state of the population: its genomes, generation,
// sampled locus pairs and the state of its rand.Source, which must
// implement encoding.BinaryMarshaler (as *rand.PCG does). Restoring it into
// a population built with the same configuration and encoding continues the
// run exactly.
func (p *Population) MarshalBinary() ([]byte, error) {
	m, ok := p.src.(encoding.BinaryMarshaler)
	if !ok {
		return nil, fmt.Errorf("genetics: rand.Source %T cannot be saved: it does not implement encoding.BinaryMarshaler", p.src)
	}
	st, err := m.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("genetics: saving rand.Source: %w", err)
	}
	b := make([]byte, 0, len(populationMagic)+64+len(st)+4*len(p.pairs)+8*len(p.cur))
	b = append(b, populationMagic...)
	for _, v := range []int{p.n, p.loci, p.W, p.P, p.gen, len(st), len(p.pairs)} {
		b = binary.AppendUvarint(b, uint64(v))
	}
	b = append(b, st...)
	for _, v := range p.pairs {
		b = binary.AppendUvarint(b, uint64(v))
	}
	for _, v := range p.cur {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	return b, nil
}

// UnmarshalBinary restores a state saved by MarshalBinary. The population
// must have the same size and encoding, and its rand.Source must implement
// encoding.BinaryUnmarshaler.
func (p *Population) UnmarshalBinary(data []byte) error {
	u, ok := p.src.(encoding.BinaryUnmarshaler)
	if !ok {
		return fmt.Errorf("genetics: rand.Source %T cannot be restored: it does not implement encoding.BinaryUnmarshaler", p.src)
	}
	if len(data) < len(populationMagic) || string(data[:len(populationMagic)]) != populationMagic {
		return errors.New("genetics: population state: bad header")
	}
	b := data[len(populationMagic):]
	var h [7]uint64
	for k := range h {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return errors.New("genetics: population state: truncated header")
		}
		h[k], b = v, b[n:]
	}
	if h[0] != uint64(p.n) || h[1] != uint64(p.loci) || h[2] != uint64(p.W) || h[3] != uint64(p.P) {
		return fmt.Errorf("genetics: population state: N=%d, loci=%d, words=%d, P=%d; this population has %d, %d, %d, %d",
			h[0], h[1], h[2], h[3], p.n, p.loci, p.W, p.P)
	}
	nst, npairs := h[5], h[6]
	if nst > uint64(len(b)) || npairs > uint64(len(b)) || npairs%2 != 0 {
		return errors.New("genetics: population state: truncated")
	}
	st := b[:nst]
	b = b[nst:]
	pairs := make([]int32, npairs)
	for k := range pairs {
		v, n := binary.Uvarint(b)
		if n <= 0 || v >= uint64(p.loci) {
			return errors.New("genetics: population state: bad locus pair")
		}
		pairs[k], b = int32(v), b[n:]
	}
	if len(b) != 8*len(p.cur) {
		return fmt.Errorf("genetics: population state: %d bytes of genomes, want %d", len(b), 8*len(p.cur))
	}
	for k := range p.cur {
		if binary.LittleEndian.Uint64(b[8*k:])&^p.enc.validMask(k%p.W) != 0 {
			return fmt.Errorf("genetics: population state: padding bits set in word %d", k)
		}
	}
	if err := u.UnmarshalBinary(st); err != nil {
		return fmt.Errorf("genetics: restoring rand.Source: %w", err)
	}
	for k := range p.cur {
		p.cur[k] = binary.LittleEndian.Uint64(b[8*k:])
	}
	p.pairs = pairs
	if len(p.ldLoc) < len(pairs) {
		p.ldLoc = make([]int32, len(pairs))
		p.ldCount = make([]int32, 3*len(pairs)/2)
	}
	p.gen = int(h[4])
	for j := range p.n {
		p.decodeRow(p.ys[j*p.P:(j+1)*p.P], p.cur[j*p.W:(j+1)*p.W])
	}
	p.fitValid = false
	return nil
}
