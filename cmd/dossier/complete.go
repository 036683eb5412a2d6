package main

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dossier-dev/dossier/cmd/internal/pipeline"
	"github.com/dossier-dev/dossier/pack"
	"github.com/dossier-dev/dossier/samples/app"
)

// failOnValues are what every --fail-on takes.
func failOnValues() []string { return []string{"critical", "high", "medium", "low", "info", "none"} }

// registerCompletions lets the shell complete the values of the flags
// whose values are a fixed list (--format, --fail-on, --login, --flaw),
// wherever a command defines them, and the arguments of schema. It runs
// once the command tree is built, so a command added later gets them too.
func registerCompletions(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for name, values := range map[string]func(c *cobra.Command) ([]string, bool){
			"format":  formatValues,
			"fail-on": func(*cobra.Command) ([]string, bool) { return failOnValues(), false },
			"login":   func(*cobra.Command) ([]string, bool) { return pipeline.LoginModes(), false },
			"flaw":    flawValues,
		} {
			if c.Flags().Lookup(name) == nil {
				continue
			}
			list, multi := values(c)
			// Registering twice is an error; a command that registered its
			// own completion keeps it.
			_ = c.RegisterFlagCompletionFunc(name, completeFrom(list, multi))
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// formatValues are check's output formats, or the documents a pack command
// writes (a comma-separated list).
func formatValues(c *cobra.Command) ([]string, bool) {
	switch c.Name() {
	case "check":
		return checkFormats(), false
	case "answer":
		var fs []string
		for _, f := range pack.AnswerFormats() {
			fs = append(fs, f.Format)
		}
		return append(fs, "all"), true
	}
	return append(pack.Formats(), "all"), true
}

func flawValues(*cobra.Command) ([]string, bool) {
	var names []string
	for _, f := range app.Flaws() {
		names = append(names, f.Name)
	}
	return names, false
}

// completeFrom completes a value from list; with multi, the last item of
// a comma-separated list, leaving out the items already given.
func completeFrom(list []string, multi bool) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		prefix, last := "", toComplete
		if multi {
			if i := strings.LastIndexByte(toComplete, ','); i >= 0 {
				prefix, last = toComplete[:i+1], toComplete[i+1:]
			}
		}
		given := strings.Split(prefix, ",")
		var out []cobra.Completion
		for _, v := range list {
			if strings.HasPrefix(v, last) && !slices.Contains(given, v) {
				out = append(out, prefix+v)
			}
		}
		directive := cobra.ShellCompDirectiveNoFileComp
		if multi {
			directive |= cobra.ShellCompDirectiveNoSpace // another item may follow the comma
		}
		return out, directive
	}
}
