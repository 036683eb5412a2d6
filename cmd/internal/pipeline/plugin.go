package pipeline

import (
	"fmt"
	"path/filepath"

	"github.com/dossier-dev/dossier/pack/bundle"
	"github.com/dossier-dev/dossier/pack/manifest"
	"github.com/dossier-dev/dossier/pack/plugin"
)

// pluginListing is what init --plugin drafts the manifest's app and
// submission sections from.
func pluginListing(pkg *plugin.Package) *manifest.Listing {
	in := pkg.Interface
	return &manifest.Listing{
		Source:        pkg.Path,
		Name:          in.DisplayName,
		Vendor:        in.DeveloperName,
		Version:       pkg.Version,
		Description:   firstOf(in.LongDescription, pkg.Description),
		PrivacyPolicy: in.PrivacyPolicyURL,
		Terms:         in.TermsOfServiceURL,
		Support:       in.SupportURL,
		Subtitle:      in.ShortDescription,
		Category:      in.Category,
	}
}

// packageListing is the package's listing as the pack records it, or nil
// without a package. The package's path stays out: it is the vendor's
// file system, not the app.
func packageListing(pkg *plugin.Package) *bundle.Package {
	if pkg == nil {
		return nil
	}
	l := pluginListing(pkg)
	file := filepath.Base(pkg.Path)
	if pkg.Kind == "directory" {
		file += "/"
	}
	return &bundle.Package{
		File: file, Layout: pkg.Layout,
		Name: l.Name, Vendor: l.Vendor, Version: l.Version, Subtitle: l.Subtitle, Description: l.Description,
		Category: l.Category, PrivacyPolicy: l.PrivacyPolicy, Terms: l.Terms, Support: l.Support,
	}
}

// pluginURL is the MCP URL of a package that connects exactly one server,
// for init --plugin without --url.
func pluginURL(pkg *plugin.Package) (string, error) {
	if len(pkg.Servers) != 1 || pkg.Servers[0].URL == "" {
		return "", fmt.Errorf("--plugin: the package connects %d MCP servers, so which to list is not clear: pass --url", len(pkg.Servers))
	}
	return pkg.Servers[0].URL, nil
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
