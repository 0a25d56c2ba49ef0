package genetics

import "math/bits"

// fastGen is the wyrand generator (Wang Yi): a Weyl sequence finalised by one
// 64×64→128-bit multiplication. It makes the recombination masks; its state
// is derived afresh every generation from the population's rand.Source and
// the chunk index, so it never needs to be saved.
type fastGen struct{ s uint64 }

const (
	wyP0 = 0xa0761d6478bd642f
	wyP1 = 0xe7037ed1a0b428db
)

func (g *fastGen) next() uint64 {
	g.s += wyP0
	hi, lo := bits.Mul64(g.s, g.s^wyP1)
	return hi ^ lo
}

// float64 returns a uniform number in (0, 1].
func (g *fastGen) float64() float64 {
	return float64(g.next()>>11+1) * 0x1p-53
}

// splitmix64 is a bijective mixer (Steele, Lea, Flood 2014).
func splitmix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// chunkGen returns the generator of chunk c in a generation with seed s.
func chunkGen(s uint64, c int) fastGen {
	return fastGen{s: splitmix64(s ^ splitmix64(uint64(c)+0x5851f42d4c957f2d))}
}
