package devserver

import (
	"fmt"
	"net"
	"strconv"
)

// FreeAddr returns "host:port" with a TCP port that the system reported free on
// host a moment ago. Another process may take it before it is used, so it suits
// tests and local tools, not servers that must be sure of their port.
func FreeAddr(host string) (string, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", fmt.Errorf("find a free port on %q: %w", host, err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return "", fmt.Errorf("find a free port on %q: %w", host, err)
	}
	return net.JoinHostPort(host, strconv.Itoa(port)), nil
}

// endpoint is an address a listener binds and the address a client on this
// machine dials to reach it; they differ when binding every interface.
type endpoint struct {
	ip   string // what to bind; the server wants an IP, not a name
	port int
	dial string // host:port
}

// parseEndpoint accepts host:port where host is an IP address, "localhost", or
// empty for every interface, as net.Listen does.
func parseEndpoint(addr string) (endpoint, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return endpoint{}, fmt.Errorf("address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 1 || port > 65535 {
		return endpoint{}, fmt.Errorf("address %q: port must be 1-65535 (FreeAddr finds one)", addr)
	}
	switch host {
	case "":
		host = "0.0.0.0"
	case "localhost":
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return endpoint{}, fmt.Errorf("address %q: host must be an IP address or localhost", addr)
	}
	dialHost := ip.String()
	if ip.IsUnspecified() {
		dialHost = "127.0.0.1"
		if ip.To4() == nil {
			dialHost = "::1"
		}
	}
	return endpoint{
		ip:   ip.String(),
		port: port,
		dial: net.JoinHostPort(dialHost, strconv.Itoa(port)),
	}, nil
}

// bindAddr is the address to listen on, brackets included for IPv6.
func (e endpoint) bindAddr() string {
	return net.JoinHostPort(e.ip, strconv.Itoa(e.port))
}

// checkFree fails when something already listens on the endpoint. The server
// and the UI treat a failed bind as fatal to the whole process, so Start looks
// first and turns it into an error.
func (e endpoint) checkFree() error {
	l, err := net.Listen("tcp", e.bindAddr())
	if err != nil {
		return fmt.Errorf("%s is not free: %w", e.bindAddr(), err)
	}
	return l.Close()
}

// freeEndpoint is a free port on the IP ip.
func freeEndpoint(ip string) (endpoint, error) {
	free, err := FreeAddr(ip)
	if err != nil {
		return endpoint{}, err
	}
	return parseEndpoint(free)
}
