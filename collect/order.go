package collect

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
)

// maxInFlight bounds the requests the probe has open at once. The probe's
// steps are independent enough to overlap, and the server under test pays
// for every one: a few at a time hides its latency without hammering it.
const maxInFlight = 4

// order is a place in a run's sequence. Probe steps run at the same time,
// so what they record (exchanges, skips, bounds hit) is not kept in the
// order it happened but in the order the steps are written: each gets a key
// (its order's path, then a count within it) and the report sorts by key.
// A run numbers its evidence the same way however its requests interleave.
type order struct {
	path []int
	next *atomic.Int64
}

type orderKey struct{}

func newOrder(path ...int) *order { return &order{path: path, next: new(atomic.Int64)} }

// take returns the next key of o. Code that runs one thing after another
// under one order takes its keys in a fixed sequence.
func (o *order) take() []int {
	return append(slices.Clip(o.path), int(o.next.Add(1)-1))
}

// orderOf returns the order of ctx, or root when ctx carries none.
func orderOf(ctx context.Context, root *order) *order {
	if o, ok := ctx.Value(orderKey{}).(*order); ok {
		return o
	}
	return root
}

// inSlot places what is done under the returned context at position slot
// of the run, whenever it actually happens.
func inSlot(ctx context.Context, slot int) context.Context {
	return context.WithValue(ctx, orderKey{}, newOrder(slot))
}

// together runs fns at the same time and waits for all of them. What each
// records is placed as if they had run one after another in the order
// given. The recorder bounds the requests they make (maxInFlight).
func (p *prober) together(ctx context.Context, fns ...func(context.Context)) {
	if len(fns) == 1 {
		fns[0](ctx)
		return
	}
	base := orderOf(ctx, p.rec.root).take()
	var wg sync.WaitGroup
	for i, fn := range fns {
		cctx := context.WithValue(ctx, orderKey{}, newOrder(append(slices.Clip(base), i)...))
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(cctx)
		}()
	}
	wg.Wait()
}

// keyed is something recorded with its place in the run.
type keyed[T any] struct {
	key []int
	v   T
}

// inOrder returns the values of ks sorted by key.
func inOrder[T any](ks []keyed[T]) []T {
	s := slices.Clone(ks)
	slices.SortStableFunc(s, func(a, b keyed[T]) int { return slices.Compare(a.key, b.key) })
	out := make([]T, len(s))
	for i, k := range s {
		out[i] = k.v
	}
	return out
}
