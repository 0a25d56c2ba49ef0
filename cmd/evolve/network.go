package main

import (
	"bytes"
	"fmt"
	"os"
	"time"

	"github.com/evolve-toolkit/evolve/internal/atomicfile"
	"github.com/evolve-toolkit/evolve/plasticity"
)

// networkFile is the name of the trained network written to --out by the
// training commands (format: plasticity.WriteNetwork, a NumPy .npz).
const networkFile = "network.npz"

// saveNetwork writes a trained network file atomically, stamping the
// provenance with the command's version and the time.
func saveNetwork(path string, net *plasticity.Network, rules plasticity.Rules, prov plasticity.Provenance) error {
	if prov.Version == "" {
		prov.Version = buildVersion()
	}
	if prov.Created == "" {
		prov.Created = time.Now().UTC().Format(time.RFC3339)
	}
	var buf bytes.Buffer
	if err := plasticity.WriteNetwork(&buf, net, rules, prov); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return atomicfile.Write(path, buf.Bytes())
}

// loadNetwork reads a network file.
func loadNetwork(path string) (*plasticity.Saved, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return plasticity.ReadNetwork(f, st.Size(), path)
}
