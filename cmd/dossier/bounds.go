package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dossier-dev/dossier/collect"
)

// boundsFlags set the probe's read limits. Zero leaves collect's default;
// the results that hit a bound name the flag that raises it.
type boundsFlags struct {
	body, resource byteSize
	pages, tools   int
	request        time.Duration
}

func (f *boundsFlags) register(cmd *cobra.Command) {
	cmd.Flags().Var(&f.body, "max-body", "bytes read from one server answer, such as 8MiB (default: the probe's own bound)")
	cmd.Flags().Var(&f.resource, "max-resource", "bytes read from one UI resource (widget bundle), such as 32MiB (default: the probe's own bound)")
	cmd.Flags().IntVar(&f.pages, "max-pages", 0, "pages read of one paginated listing (default: the probe's own bound)")
	cmd.Flags().IntVar(&f.tools, "max-tools", 0, "tools kept from tools/list (default: the probe's own bound)")
	cmd.Flags().DurationVar(&f.request, "request-timeout", 0, "how long one request to the server may take, answer included, such as 30s (default: the probe's own bound, 10s)")
}

func (f *boundsFlags) bounds() (collect.Bounds, error) {
	if f.pages < 0 || f.tools < 0 || f.request < 0 {
		return collect.Bounds{}, &usageError{fmt.Errorf("--max-pages, --max-tools and --request-timeout must not be negative")}
	}
	return collect.Bounds{Body: int64(f.body), Resource: int64(f.resource), Pages: f.pages, Tools: f.tools, Request: f.request}, nil
}

// byteSize is a flag holding a number of bytes, written as 1048576, 512KiB,
// 32MiB, 1GiB or with SI units (kB, MB, GB).
type byteSize int64

var sizeUnits = []struct {
	suffix string
	n      int64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30},
	{"kb", 1000}, {"mb", 1000 * 1000}, {"gb", 1000 * 1000 * 1000},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30},
	{"b", 1},
}

func (s *byteSize) Set(v string) error {
	t := strings.ToLower(strings.TrimSpace(v))
	mult := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.n
			break
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || n < 0 || math.IsInf(n, 0) || math.IsNaN(n) || n*float64(mult) > math.MaxInt64/2 {
		return fmt.Errorf("%q is not a size (such as 4194304, 512KiB, 32MiB or 1GiB)", v)
	}
	*s = byteSize(n * float64(mult))
	return nil
}

func (s *byteSize) String() string {
	if *s == 0 {
		return "0"
	}
	for _, u := range []struct {
		suffix string
		n      int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if int64(*s)%u.n == 0 {
			return strconv.FormatInt(int64(*s)/u.n, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(*s), 10)
}

func (s *byteSize) Type() string { return "size" }
