//go:build !linux

package chrome

// host is what decides whether Chrome's sandbox can run here.
type host struct{}

func sandboxHost(string) host { return host{} }

// decide leaves the sandbox on: outside Linux, Chrome's sandbox does not
// depend on namespaces or root.
func (host) decide() (bool, string) { return true, "sandboxed" }
