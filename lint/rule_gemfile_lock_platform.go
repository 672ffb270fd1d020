package lint

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/gantry-ci/gantry/internal/lazyre"
	"github.com/gantry-ci/gantry/stagegraph"
)

// GemfileLockPlatformOptions are the options of the gemfile-lock-platform rule.
type GemfileLockPlatformOptions struct {
	// Platforms are the platforms images are built for when FROM has no
	// --platform, such as linux/amd64 and linux/arm64.
	Platforms []string `yaml:"platforms"`
}

// Validate checks that every platform is one gantry can map to a Ruby platform.
func (o *GemfileLockPlatformOptions) Validate() error {
	if len(o.Platforms) == 0 {
		return errors.New("platforms must list at least one platform, such as linux/amd64")
	}
	for _, p := range o.Platforms {
		if rubyArch(p) == "" {
			return fmt.Errorf("platform %q is not linux/amd64, linux/arm64 or linux/arm/v7", p)
		}
	}
	return nil
}

var gemfileLockPlatformRule = &Rule{
	ID: "gemfile-lock-platform", Source: SourceGantry, Target: TargetDockerfile, Severity: SeverityError,
	Summary:         "the Gemfile.lock next to the Dockerfile lacks a PLATFORMS entry for the image (x86_64-linux-musl on alpine, x86_64-linux on glibc, aarch64-* on arm), so bundle install fails",
	NewOptions:      func() any { return &GemfileLockPlatformOptions{Platforms: []string{"linux/amd64"}} },
	CheckDockerfile: checkGemfileLockPlatform,
}

// rubyArch maps an OCI platform to RubyGems' CPU name.
func rubyArch(platform string) string {
	switch strings.TrimPrefix(strings.ToLower(platform), "linux/") {
	case "amd64", "x86_64":
		return "x86_64"
	case "arm64", "arm64/v8", "aarch64":
		return "aarch64"
	case "arm/v7", "arm":
		return "arm"
	}
	return ""
}

// libcOf tells whether an image reference is musl (alpine) or glibc based;
// "" when gantry cannot tell.
func libcOf(ref string) string {
	ref = strings.ToLower(ref)
	ref, _, _ = strings.Cut(ref, "@")
	repo, tag := ref, ""
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		repo, tag = ref[:i], ref[i+1:]
	}
	name := path.Base(repo)
	switch {
	case strings.Contains(tag, "alpine") || strings.Contains(name, "alpine"):
		return "musl"
	case strings.Contains(name, "ruby") || strings.Contains(name, "rails"):
		return "gnu"
	case slices.Contains([]string{"debian", "ubuntu", "buildpack-deps", "fedora", "amazonlinux", "rockylinux", "almalinux"}, name):
		return "gnu"
	}
	return ""
}

// lockPlatforms reads the PLATFORMS section of a Gemfile.lock: each
// platform and its 1-based line, and the line of the section header.
func lockPlatforms(src []byte) (platforms []string, lines []int, header int) {
	in := false
	for i, l := range strings.Split(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n") {
		switch {
		case l == "PLATFORMS":
			in, header = true, i+1
		case in && strings.HasPrefix(l, "  ") && strings.TrimSpace(l) != "":
			platforms = append(platforms, strings.TrimSpace(l))
			lines = append(lines, i+1)
		case in:
			return
		}
	}
	return
}

var bundleInstallRe = lazyre.New(`\bbundle(\s+-\S+)*\s+install\b`)

// checkGemfileLockPlatform compares Gemfile.lock's PLATFORMS with the
// platform of each image that runs bundle install: Bundler refuses to
// install a bundle that does not list the platform it runs on.
func checkGemfileLockPlatform(f *File, opts any) []Finding {
	o, _ := opts.(*GemfileLockPlatformOptions)
	if o == nil || len(o.Platforms) == 0 {
		o = &GemfileLockPlatformOptions{Platforms: []string{"linux/amd64"}}
	}
	df := f.Dockerfile
	if df.Dir == "" {
		return nil
	}
	src, err := os.ReadFile(filepath.Join(df.Dir, "Gemfile.lock"))
	if err != nil {
		return nil
	}
	have, _, header := lockPlatforms(src)
	if header == 0 || slices.Contains(have, "ruby") {
		return nil // no PLATFORMS (old Bundler) or the generic ruby platform
	}
	lockPath := path.Join(path.Dir(f.Path), "Gemfile.lock")
	g := df.Graph
	var out []Finding
	for _, st := range g.Stages {
		for i := range st.Steps {
			s := &st.Steps[i]
			r, ok := s.Command.(*instructions.RunCommand)
			if !ok || !bundleInstallRe.MatchString(stagegraph.RunScript(r)) {
				continue
			}
			root := rootBase(st)
			libc := libcOf(root.Base)
			if libc == "" {
				continue
			}
			var missing []string
			for _, p := range stagePlatforms(st, o.Platforms) {
				arch := rubyArch(p)
				if arch == "" {
					continue
				}
				if want, ok := lockHasPlatform(have, arch, libc); !ok && !slices.Contains(missing, want) {
					missing = append(missing, want)
				}
			}
			if len(missing) == 0 {
				continue
			}
			line, col := findInStep(g, s, bundleInstallRe)
			kind := "glibc (" + root.Base + ")"
			if libc == "musl" {
				kind = "alpine (" + root.Base + ")"
			}
			fd := Finding{Line: line, Column: col, Message: fmt.Sprintf(
				"Gemfile.lock lists PLATFORMS %s but not %s, the platform of this %s image: bundle install fails with \"Your bundle only supports platforms\"; run `bundle lock --add-platform %s` and commit Gemfile.lock",
				strings.Join(have, ", "), strings.Join(missing, " or "), kind, strings.Join(missing, " "))}
			fd.Related = []Location{{File: lockPath, Line: header, Column: 1, Message: "PLATFORMS section"}}
			out = append(out, fd)
		}
	}
	return out
}

// stagePlatforms returns the platforms a stage is built for: its own (or
// an ancestor's) FROM --platform, else the configured platforms.
func stagePlatforms(st *stagegraph.Stage, def []string) []string {
	for _, a := range ancestry(st) {
		if a.Platform != "" && !strings.Contains(a.Instruction.Platform, "$") {
			return []string{a.Platform}
		}
	}
	return def
}

// lockHasPlatform reports whether the lockfile's platforms cover the
// image's, and returns the platform to add when they do not. A plain
// <arch>-linux also covers musl, as it did for Bundler before 2.5.
func lockHasPlatform(have []string, arch, libc string) (string, bool) {
	var accept []string
	want := arch + "-linux"
	if libc == "musl" {
		want = arch + "-linux-musl"
		accept = []string{want, arch + "-linux"}
	} else {
		accept = []string{want, arch + "-linux-gnu"}
	}
	if arch == "arm" {
		accept = append(accept, "arm-linux-gnueabihf", "arm-linux-musleabihf", "armv7-linux")
	}
	for _, h := range have {
		if slices.Contains(accept, h) {
			return want, true
		}
	}
	return want, false
}
