package sim

import "github.com/evolve-toolkit/evolve/plasticity"

func smallNet() plasticity.Config { return plasticity.Config{Nodes: 40, Cap: 20} }
