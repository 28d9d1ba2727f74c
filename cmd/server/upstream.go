package main

import "fmt"

// UpstreamConfig selects and configures the cloud upstream. The simulator
// wiring arrives with the upstream issue; until then only "sim" is known.
type UpstreamConfig struct {
	Kind string // UPSTREAM: sim (default) or huawei
}

func loadUpstreamConfig(getenv func(string) string) (UpstreamConfig, []error) {
	c := UpstreamConfig{Kind: getenv("UPSTREAM")}
	if c.Kind == "" {
		c.Kind = "sim"
	}
	if c.Kind != "sim" && c.Kind != "huawei" {
		return c, []error{fmt.Errorf("UPSTREAM: want sim or huawei")}
	}
	return c, nil
}

func (c UpstreamConfig) write(row func(string, any)) {
	row("UPSTREAM", c.Kind)
}
