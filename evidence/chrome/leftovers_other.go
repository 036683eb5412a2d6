//go:build !linux

package chrome

// killLeftovers relies on the allocator's own process handling elsewhere.
func killLeftovers(string) {}

// Processes is only implemented on Linux.
func Processes(string) []int { return nil }

// profileDirPattern names no owner outside Linux: removeStale cannot tell
// a live owner from a dead one there.
func profileDirPattern() string { return profilePrefix + "*" }

// removeStale is only implemented on Linux.
func removeStale(string) {}
