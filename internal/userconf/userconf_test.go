package userconf

import (
	"strings"
	"testing"
)

type inner struct {
	Nodes int     `toml:"nodes"`
	Eta   float64 `toml:"eta"`
}

type Embedded struct {
	Dataset string `toml:"dataset"`
}

type config struct {
	Embedded
	Seed    uint64 `toml:"seed"`
	Network inner  `toml:"network"`
}

func (c config) defaults() config {
	if c.Network.Nodes == 0 {
		c.Network.Nodes = 1000
	}
	if c.Network.Eta == 0 {
		c.Network.Eta = 0.01
	}
	if c.Dataset == "" {
		c.Dataset = "mnist"
	}
	return c
}

func TestCheck(t *testing.T) {
	raw := config{Seed: 0, Network: inner{Nodes: 0, Eta: 0.5}}
	eff := raw.defaults()
	// Seed 0 is kept by the defaults (0 is a valid seed): no error.
	if err := (Given{"seed": "--seed", "network.eta": "network.eta"}).Check(raw, eff); err != nil {
		t.Fatalf("kept values reported: %v", err)
	}
	// nodes = 0 given: replaced by 1000, an error naming how it was given.
	err := (Given{"network.nodes": "--nodes", "dataset": "dataset", "network": "network"}).Check(raw, eff)
	if err == nil || !strings.Contains(err.Error(), "--nodes 0") || !strings.Contains(err.Error(), "1000") || !strings.Contains(err.Error(), `dataset = ""`) {
		t.Fatalf("err = %v, want --nodes 0 and the embedded dataset named", err)
	}
	// Absent values take the default silently.
	if err := (Given{}).Check(raw, eff); err != nil {
		t.Fatal(err)
	}
}

func TestSet(t *testing.T) {
	var c config
	Set(&c, "network.nodes", 7)
	Set(&c, "dataset", "halfspace")
	Set(&c, "seed", uint64(3))
	if c.Network.Nodes != 7 || c.Dataset != "halfspace" || c.Seed != 3 {
		t.Fatalf("Set gave %+v", c)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("an int set into a string field did not panic")
		}
	}()
	Set(&c, "dataset", 5)
}
