package chrome

import (
	"os"
	"time"

	"github.com/dossier-dev/dossier/internal/owned"
)

// removeStale removes the profile directories in tmp that a dossier
// killed before Close left behind (SIGKILL, a crash), with the Chrome
// processes that still use them and Chrome's singleton directory. Only a
// directory that is ours is touched (see owned.Stale); a directory of an
// older dossier, which names no owner, is left alone.
func removeStale(tmp string) {
	for _, dir := range owned.Stale(tmp, profilePrefix) {
		removeProfile(dir)
	}
}

// RemoveMine kills the browsers this process started and removes their
// profile directories in tmp at once, without closing them: for a run
// that quits on a second interrupt, whose Close will never come.
func RemoveMine(tmp string) {
	for _, dir := range owned.Mine(tmp, profilePrefix) {
		removeProfile(dir)
	}
}

// removeProfile kills the processes that use the profile dir, then removes
// it and Chrome's singleton directory. A process the kill missed (one
// still being forked when the owner died) can write into the directory
// while it is removed; then RemoveAll fails, and the next round kills it
// too.
func removeProfile(dir string) {
	for range 5 {
		killLeftovers(dir)
		removeSingletonDir(dir)
		if os.RemoveAll(dir) == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}
