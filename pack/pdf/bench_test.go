package pdf

import (
	"fmt"
	"testing"
)

func BenchmarkRender(b *testing.B) {
	for _, n := range []int{10, 500} {
		bundle := bigFixture(n)
		b.Run(fmt.Sprintf("tools=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var size int
			for b.Loop() {
				out, err := Render(bundle)
				if err != nil {
					b.Fatal(err)
				}
				size = len(out)
			}
			b.ReportMetric(float64(size), "bytes/pdf")
		})
	}
}
