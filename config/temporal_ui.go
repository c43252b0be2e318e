package config

import (
	"fmt"
	"net"
	"net/netip"
)

// checkLoopback refuses an address that is not on loopback. The Temporal Web UI that
// `lumo dev` serves has no authentication: anyone who reaches it can read every run's
// inputs and cancel or terminate runs, so it must not listen where others reach it.
func checkLoopback(name, addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil // the address check reports it
	}
	if host == "localhost" {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.Zone() == "" && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%s=%q: the Temporal Web UI under `lumo dev` has no authentication, so it listens on a loopback address only (e.g. 127.0.0.1:8233); reach it from another machine through an SSH tunnel", name, addr)
}
