//go:build !linux

package chrome

// killLeftovers relies on the allocator's own process handling elsewhere.
func killLeftovers(string) {}

// Processes is only implemented on Linux.
func Processes(string) []int { return nil }
