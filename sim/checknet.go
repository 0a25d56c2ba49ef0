package sim

import "github.com/evolve-toolkit/evolve/plasticity"

// smallCheckNet is the network of the default check's plasticity landscape.
func smallCheckNet() plasticity.Config { return plasticity.Config{Nodes: 30, Cap: 15} }
