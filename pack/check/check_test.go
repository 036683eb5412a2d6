package check

import "testing"

// TestStatusRank: worst first is fail, error, warn, manual, then pass and
// na alike; the PDF and the terminal table both sort by it.
func TestStatusRank(t *testing.T) {
	order := []Status{Fail, Error, Warn, Manual, Pass}
	for i := 1; i < len(order); i++ {
		if order[i-1].Rank() <= order[i].Rank() {
			t.Errorf("%s ranks %d, not above %s's %d", order[i-1], order[i-1].Rank(), order[i], order[i].Rank())
		}
	}
	if NA.Rank() != Pass.Rank() || Status("bogus").Rank() != Pass.Rank() {
		t.Errorf("na %d and an unknown status %d should rank with pass %d", NA.Rank(), Status("bogus").Rank(), Pass.Rank())
	}
}
