package buildcache

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/containerd/containerd/v2/core/content"
	contentlocal "github.com/containerd/containerd/v2/plugins/content/local"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/client/ociindex"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/secrets/secretsprovider"
	digest "github.com/opencontainers/go-digest"
	"github.com/tonistiigi/fsutil"

	"github.com/gantry-ci/gantry/actions/runenv"
	"github.com/gantry-ci/gantry/stagegraph"
)

// ProgressModes are the values of BuildOptions.Progress (--progress).
var ProgressModes = []string{"auto", "tty", "plain", "rawjson", "quiet"}

// Flags are gantry build's flags that need parsing before they are
// BuildOptions.
type Flags struct {
	// BuildArgs are --build-arg NAME=VALUE, or NAME for the environment's
	// value.
	BuildArgs []string
	// Contexts are --build-context NAME=VALUE.
	Contexts []string
	// Outputs are --output values (see ParseOutput).
	Outputs []string
	// Builder is --builder: checked when set (see ResolveAddress).
	Builder string
}

// Prepare checks gantry build's flags and sets them in o (see setFlags).
// The SHA build argument defaults to the commit being built in GitHub
// Actions. Its errors are about the user's input.
func (o *BuildOptions) Prepare(f Flags, lookupEnv func(string) (string, bool)) error {
	if err := o.setFlags(f.BuildArgs, f.Contexts, f.Outputs, lookupEnv); err != nil {
		return err
	}
	getenv := func(name string) string {
		v, _ := lookupEnv(name)
		return v
	}
	runenv.SetDefaultSHA(o.BuildArgs, getenv)
	if f.Builder != "" {
		if _, err := ResolveAddress(f.Builder, getenv); err != nil {
			return err
		}
	}
	return nil
}

// setFlags checks gantry build's flags as typed and sets them in o:
// --build-arg (NAME=VALUE, or NAME to take the environment's value),
// --build-context NAME=VALUE, --output, and the spelling of o.Cache and
// o.Progress. Its errors are about the user's input.
func (o *BuildOptions) setFlags(buildArgs, contexts, outputs []string, lookupEnv func(string) (string, bool)) error {
	var err error
	if o.BuildArgs, err = stagegraph.ParseBuildArgs(buildArgs, lookupEnv); err != nil {
		return err
	}
	for _, c := range contexts {
		k, v, ok := strings.Cut(c, "=")
		if !ok || k == "" || v == "" {
			return fmt.Errorf("--build-context %q: want NAME=docker-image://REF, NAME=oci-layout://PATH or NAME=DIR", c)
		}
		if o.NamedContexts == nil {
			o.NamedContexts = map[string]string{}
		}
		o.NamedContexts[k] = v
	}
	for _, out := range outputs {
		ex, err := ParseOutput(out)
		if err != nil {
			return err
		}
		o.Exports = append(o.Exports, ex)
	}
	if o.Cache != "" {
		spec, err := stagegraph.ParseCacheSpec(o.Cache)
		if err == nil {
			err = checkCacheSpec(spec)
		}
		if err != nil {
			return fmt.Errorf("--cache: %w", err)
		}
	}
	if !slices.Contains(ProgressModes, o.Progress) {
		return fmt.Errorf("unknown --progress %q (valid: %s)", o.Progress, strings.Join(ProgressModes, ", "))
	}
	return nil
}

// checkCacheSpec checks the repository of a registry cache spec as BuildKit
// reads it: BuildKit fails every solve of the build, not only its cache
// import or export, on a reference it cannot parse (such as one with
// upper-case letters).
func checkCacheSpec(spec stagegraph.CacheSpec) error {
	if spec.Type != "registry" {
		return nil
	}
	ref := spec.Attrs["ref"]
	if strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, ".") {
		return fmt.Errorf("ref=%s is a directory, not a registry repository: a local cache is type=local,dir=%s", ref, ref)
	}
	tag, err := name.NewTag(stagegraph.RegistryRef(ref, "stage"))
	if err == nil {
		// go-containerregistry accepts some paths that BuildKit's parser
		// (distribution's reference grammar) does not, such as a//b
		for _, c := range strings.Split(tag.RepositoryStr(), "/") {
			if !repoComponent.MatchString(c) {
				err = fmt.Errorf("path component %q is not lower-case letters and digits joined by ., _, __ or -", c)
				break
			}
		}
	}
	if err != nil {
		return fmt.Errorf("ref=%s is not a registry repository: %v", ref, err)
	}
	return nil
}

// repoComponent is a path component of a repository name in distribution's
// reference grammar, which BuildKit parses cache references with.
var repoComponent = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)

// splitCSV splits a key=value,key=value flag value (with CSV quoting).
func splitCSV(flag, s string) ([][2]string, error) {
	r := csv.NewReader(strings.NewReader(s))
	fields, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s %q: %v", flag, s, err)
	}
	var out [][2]string
	for _, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		if !ok || k == "" {
			return nil, fmt.Errorf("%s %q: %q is not key=value", flag, s, f)
		}
		out = append(out, [2]string{k, v})
	}
	return out, nil
}

// ParseOutput parses an --output value into a BuildKit export entry:
//
//	type=image,name=REPO:TAG[,push=true]   an image (pushed with push=true)
//	type=registry,name=REPO:TAG            an image, pushed (as with buildx)
//	type=oci,dest=FILE.tar                 an OCI image layout tarball ("-" is stdout)
//	type=oci,dest=DIR,tar=false            an OCI image layout directory
//	type=docker,dest=FILE.tar              a `docker load` tarball
//	type=local,dest=DIR                    the target stage's files
//	type=tar,dest=FILE.tar                 the target stage's files as a tarball
//
// A bare path is type=local,dest=PATH, and a bare "-" is type=tar,dest=-
// (the files as a tarball on stdout), as with docker build.
func ParseOutput(s string) (client.ExportEntry, error) {
	ex := client.ExportEntry{Attrs: map[string]string{}}
	if s == "" {
		return ex, errors.New("--output is empty")
	}
	switch {
	case s == "-":
		s = "type=tar,dest=-"
	case !strings.Contains(s, "="):
		s = "type=local,dest=" + s
	}
	kvs, err := splitCSV("--output", s)
	if err != nil {
		return ex, err
	}
	for _, kv := range kvs {
		if kv[0] == "type" {
			ex.Type = kv[1]
			continue
		}
		ex.Attrs[kv[0]] = kv[1]
	}
	if ex.Type == "registry" {
		// buildx's shorthand for a pushed image
		ex.Type = client.ExporterImage
		if _, ok := ex.Attrs["push"]; !ok {
			ex.Attrs["push"] = "true"
		}
		if ex.Attrs["name"] == "" {
			return ex, fmt.Errorf("--output %q: type=registry needs name=", s)
		}
	}
	// BuildKit rejects these only once the build has run
	if k, v, bad := stagegraph.InvalidAttr(ex.Attrs, "push", "push-by-digest", "unpack", "oci-mediatypes", "force-compression", "store", "rewrite-timestamp", "registry.insecure", "name-canonical"); bad {
		switch k {
		case "compression":
			return ex, fmt.Errorf("--output %q: compression must be %s, not %q", s, stagegraph.CompressionChoices, v)
		case "compression-level":
			return ex, fmt.Errorf("--output %q: compression-level=%q is not a number", s, v)
		}
		return ex, fmt.Errorf("--output %q: %s=%q is not true or false", s, k, v)
	}
	dest := ex.Attrs["dest"]
	delete(ex.Attrs, "dest")
	switch ex.Type {
	case client.ExporterImage:
		if dest != "" {
			return ex, fmt.Errorf("--output %q: type=image takes name=, not dest=", s)
		}
		if ex.Attrs["name"] == "" && ex.Attrs["push"] == "true" {
			return ex, fmt.Errorf("--output %q: push=true needs name=", s)
		}
	case client.ExporterOCI, client.ExporterDocker:
		if dest == "" {
			return ex, fmt.Errorf("--output %q: type=%s needs dest=FILE (or dest=DIR,tar=false)", s, ex.Type)
		}
		tar := true
		if v, ok := ex.Attrs["tar"]; ok {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return ex, fmt.Errorf("--output %q: tar=%q is not true or false", s, v)
			}
			tar = b
		}
		if !tar {
			ex.OutputDir = dest
			break
		}
		ex.Output = fileOutput(dest)
	case client.ExporterLocal:
		if dest == "" {
			return ex, fmt.Errorf("--output %q: type=local needs dest=DIR", s)
		}
		if dest == "-" {
			return ex, fmt.Errorf("--output %q: type=local writes a directory; for a tarball on stdout use type=tar,dest=- (or -o -)", s)
		}
		ex.OutputDir = dest
	case client.ExporterTar:
		if dest == "" {
			return ex, fmt.Errorf("--output %q: type=tar needs dest=FILE", s)
		}
		ex.Output = fileOutput(dest)
	case "":
		return ex, fmt.Errorf("--output %q has no type= (image, registry, oci, docker, local or tar)", s)
	default:
		return ex, fmt.Errorf("--output %q: unknown type %q (want image, registry, oci, docker, local or tar)", s, ex.Type)
	}
	return ex, nil
}

// fileOutput opens the tarball destination when BuildKit starts writing it,
// not at parse time, so that a failed build leaves no empty file behind.
func fileOutput(dest string) func(map[string]string) (io.WriteCloser, error) {
	return func(map[string]string) (io.WriteCloser, error) {
		if dest == "-" {
			return nopCloser{os.Stdout}, nil
		}
		if fi, err := os.Stat(dest); err == nil && fi.IsDir() {
			return nil, fmt.Errorf("output %s is a directory; use dest=DIR,tar=false for a layout directory", dest)
		}
		return os.Create(dest)
	}
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// parseSecrets turns --secret values (id=ID,src=FILE or id=ID,env=VAR) into
// BuildKit's secrets provider.
func parseSecrets(specs []string) (session.Attachable, error) {
	var srcs []secretsprovider.Source
	for _, s := range specs {
		kvs, err := splitCSV("--secret", s)
		if err != nil {
			return nil, err
		}
		var src secretsprovider.Source
		typ := ""
		for _, kv := range kvs {
			switch kv[0] {
			case "id":
				src.ID = kv[1]
			case "src", "source":
				src.FilePath = kv[1]
			case "env":
				src.Env = kv[1]
			case "type":
				if kv[1] != "file" && kv[1] != "env" {
					return nil, fmt.Errorf("--secret %q: type must be file or env", s)
				}
				typ = kv[1]
			default:
				return nil, fmt.Errorf("--secret %q: unknown key %q (want id, src, env, type)", s, kv[0])
			}
		}
		if typ == "env" && src.Env == "" {
			src.Env, src.FilePath = src.FilePath, ""
		}
		if src.ID == "" {
			src.ID = filepath.Base(src.FilePath)
			if src.FilePath == "" {
				src.ID = src.Env
			}
		}
		if src.ID == "" {
			return nil, fmt.Errorf("--secret %q needs id= and src= or env=", s)
		}
		if src.FilePath != "" {
			if _, err := os.Stat(src.FilePath); err != nil {
				return nil, fmt.Errorf("--secret %s: %w", src.ID, err)
			}
		}
		srcs = append(srcs, src)
	}
	store, err := secretsprovider.NewStore(srcs)
	if err != nil {
		return nil, fmt.Errorf("--secret: %w", err)
	}
	return secretsprovider.NewSecretProvider(store), nil
}

var contextName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.\-/:]*$`)

// namedContexts turns --build-context values into frontend attributes,
// local mounts and OCI content stores.
type namedContexts struct {
	attrs     map[string]string
	mounts    map[string]fsutil.FS
	ociStores map[string]content.Store
}

func parseNamedContexts(ctxs map[string]string) (*namedContexts, error) {
	nc := &namedContexts{attrs: map[string]string{}, mounts: map[string]fsutil.FS{}, ociStores: map[string]content.Store{}}
	i := 0
	for _, name := range slices.Sorted(maps.Keys(ctxs)) {
		v := ctxs[name]
		if !contextName.MatchString(name) {
			return nil, fmt.Errorf("--build-context %s: invalid name", name)
		}
		key := "context:" + name
		switch {
		case strings.HasPrefix(v, "docker-image://"), strings.HasPrefix(v, "https://"), strings.HasPrefix(v, "git@"),
			strings.HasPrefix(v, "git://"), strings.HasPrefix(v, "target:"):
			nc.attrs[key] = v
		case strings.HasPrefix(v, "oci-layout://"):
			i++
			storeID := fmt.Sprintf("gantry-oci-%d", i)
			dgst, store, err := openOCILayout(strings.TrimPrefix(v, "oci-layout://"))
			if err != nil {
				return nil, fmt.Errorf("--build-context %s=%s: %w", name, v, err)
			}
			nc.ociStores[storeID] = store
			nc.attrs[key] = "oci-layout://" + storeID + "@" + dgst.String()
		default:
			dir := v
			fi, err := os.Stat(dir)
			if err != nil {
				return nil, fmt.Errorf("--build-context %s=%s: want docker-image://REF, oci-layout://PATH[:TAG] or a directory: %w", name, v, err)
			}
			fs, err := localContext(dir, fi)
			if err != nil {
				return nil, fmt.Errorf("--build-context %s: %w", name, err)
			}
			// names that differ only in / or : and - (org/lib, org-lib)
			// get mounts of their own
			local := "named-context-" + strings.NewReplacer("/", "-", ":", "-").Replace(name)
			for n := 2; nc.mounts[local] != nil; n++ {
				local = fmt.Sprintf("named-context-%s-%d", strings.NewReplacer("/", "-", ":", "-").Replace(name), n)
			}
			nc.mounts[local] = fs
			nc.attrs[key] = "local:" + local
		}
	}
	return nc, nil
}

// localContext is a directory, or a single file: a context holding only
// that file, under its own name (e.g. busybox=/bin/busybox for
// COPY --from=busybox busybox), without sending the rest of its directory.
func localContext(path string, fi os.FileInfo) (fsutil.FS, error) {
	if fi.IsDir() {
		return fsutil.NewFS(path)
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, err
	}
	if fi, err = os.Stat(real); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a directory or a regular file", path)
	}
	fs, err := fsutil.NewFS(filepath.Dir(real))
	if err != nil {
		return nil, err
	}
	return fsutil.NewFilterFS(fs, &fsutil.FilterOpt{IncludePatterns: []string{filepath.Base(real)}})
}

// openOCILayout opens an OCI image layout directory, PATH[:TAG] or
// PATH@DIGEST, and returns the manifest digest and the content store.
func openOCILayout(ref string) (digest.Digest, content.Store, error) {
	path, tag, dg := ref, "", ""
	if i := strings.LastIndex(ref, "@"); i >= 0 {
		path, dg = ref[:i], ref[i+1:]
	} else if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		path, tag = ref[:i], ref[i+1:]
	}
	if _, err := os.Stat(filepath.Join(path, "index.json")); err != nil {
		return "", nil, fmt.Errorf("not an OCI layout directory: %w", err)
	}
	store, err := contentlocal.NewStore(path)
	if err != nil {
		return "", nil, err
	}
	if dg != "" {
		d, err := digest.Parse(dg)
		if err != nil {
			return "", nil, err
		}
		return d, store, nil
	}
	idx := ociindex.NewStoreIndex(path)
	if tag == "" {
		// no tag: "latest", or the layout's only image
		index, err := idx.Read()
		if err != nil {
			return "", nil, err
		}
		if len(index.Manifests) == 1 {
			return index.Manifests[0].Digest, store, nil
		}
		tag = "latest"
	}
	desc, err := idx.Get(tag)
	if err != nil {
		return "", nil, err
	}
	if desc == nil {
		return "", nil, fmt.Errorf("no image tagged %q in the layout (name one with oci-layout://PATH:TAG or PATH@DIGEST)", tag)
	}
	return desc.Digest, store, nil
}
