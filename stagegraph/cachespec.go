package stagegraph

import (
	"encoding/csv"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// CacheSpec is one cache backend for a whole build, as given to --cache:
// `type=local,dir=PATH`, `type=registry,ref=REPO`, `type=gha[,scope=PREFIX]`,
// `type=s3,bucket=...,region=...` or `type=azblob,...`. Each stage gets its
// own entry derived from it (see ForStage).
type CacheSpec struct {
	// Type is the backend: local, registry, gha, s3 or azblob.
	Type string
	// Attrs are the other key=value pairs, as given.
	Attrs map[string]string
}

// cacheTypes lists the backends and the attributes they require.
var cacheTypes = map[string][]string{
	"local":    {"dir"},
	"registry": {"ref"},
	"gha":      nil,
	"s3":       {"bucket", "region"},
	"azblob":   {"account_url"},
}

// exportOnly are attributes BuildKit reads only when exporting a cache.
var exportOnly = map[string]bool{
	"mode": true, "image-manifest": true, "oci-mediatypes": true, "ignore-error": true,
	"compression": true, "compression-level": true, "force-compression": true, "dest": true,
	"upload_parallelism": true, "touch_refresh": true, "reset": true,
}

// ParseCacheSpec parses a --cache value. A value without "=" is a registry
// repository, as with buildx (`ghcr.io/o/app` is `type=registry,ref=ghcr.io/o/app`).
func ParseCacheSpec(s string) (CacheSpec, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return CacheSpec{}, fmt.Errorf("empty cache spec: want type=local,dir=PATH, type=registry,ref=REPO or type=gha")
	}
	if !strings.Contains(s, "=") {
		s = "type=registry,ref=" + s
	}
	r := csv.NewReader(strings.NewReader(s))
	fields, err := r.Read()
	if err != nil {
		return CacheSpec{}, fmt.Errorf("cache spec %q: %v", s, err)
	}
	spec := CacheSpec{Attrs: map[string]string{}}
	for _, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		if !ok || k == "" {
			return CacheSpec{}, fmt.Errorf("cache spec %q: %q is not key=value", s, f)
		}
		if k == "type" {
			spec.Type = strings.ToLower(strings.TrimSpace(v))
			continue
		}
		if _, dup := spec.Attrs[k]; dup {
			return CacheSpec{}, fmt.Errorf("cache spec %q: %s given twice", s, k)
		}
		spec.Attrs[k] = v
	}
	if spec.Type == "" {
		return CacheSpec{}, fmt.Errorf("cache spec %q has no type= (local, registry, gha, s3 or azblob)", s)
	}
	required, ok := cacheTypes[spec.Type]
	if !ok {
		if spec.Type == "inline" {
			return CacheSpec{}, fmt.Errorf("cache spec %q: inline caches live in the image and cannot be split per stage; use registry, local, gha or s3", s)
		}
		return CacheSpec{}, fmt.Errorf("cache spec %q: unknown type %q (want local, registry, gha, s3 or azblob)", s, spec.Type)
	}
	// buildx spells the local directory src= (import) and dest= (export);
	// the per-stage entries import and export one directory, so they must
	// name the same one (the mv workaround of src=A,dest=A-new would import
	// an empty directory every time)
	if spec.Type == "local" {
		given := ""
		for _, k := range []string{"dir", "dest", "src"} {
			v, ok := spec.Attrs[k]
			if !ok || v == "" {
				continue
			}
			if given != "" && filepath.Clean(v) != filepath.Clean(spec.Attrs[given]) {
				return CacheSpec{}, fmt.Errorf("cache spec %q: %s=%s and %s=%s differ: type=local imports and exports one directory, dir=PATH (its old blobs are removed, so the mv of a new directory is not needed)", s, given, spec.Attrs[given], k, v)
			}
			if given == "" {
				given = k
			}
		}
		if given != "" {
			spec.Attrs["dir"] = spec.Attrs[given]
		}
		delete(spec.Attrs, "src")
		delete(spec.Attrs, "dest")
	}
	for _, k := range required {
		if strings.TrimSpace(spec.Attrs[k]) == "" {
			return CacheSpec{}, fmt.Errorf("cache spec %q: type=%s needs %s=", s, spec.Type, k)
		}
	}
	if spec.Type == "registry" {
		if strings.Contains(spec.Attrs["ref"], "@") {
			return CacheSpec{}, fmt.Errorf("cache spec %q: ref must be a repository, not a digest", s)
		}
	}
	if m := spec.Attrs["mode"]; m != "" && m != "min" && m != "max" {
		return CacheSpec{}, fmt.Errorf("cache spec %q: mode must be min or max, not %q", s, m)
	}
	// BuildKit fails every solve, not only the cache export, on these
	if k, v, bad := InvalidAttr(spec.Attrs, "image-manifest", "oci-mediatypes", "ignore-error", "force-compression", "reset"); bad {
		switch k {
		case "compression":
			return CacheSpec{}, fmt.Errorf("cache spec %q: compression must be %s, not %q", s, CompressionChoices, v)
		case "compression-level":
			return CacheSpec{}, fmt.Errorf("cache spec %q: compression-level must be a number, not %q", s, v)
		}
		return CacheSpec{}, fmt.Errorf("cache spec %q: %s must be true or false, not %q", s, k, v)
	}
	return spec, nil
}

// CompressionTypes are the layer compressions BuildKit knows, for a cache
// or an image (compression=).
var CompressionTypes = []string{"gzip", "zstd", "estargz", "uncompressed"}

// CompressionChoices lists CompressionTypes for a message.
var CompressionChoices = strings.Join(CompressionTypes[:len(CompressionTypes)-1], ", ") + " or " + CompressionTypes[len(CompressionTypes)-1]

// InvalidAttr returns the first attribute of a cache or output spec that
// BuildKit rejects only once a build has run: one of bools that is not
// true or false, then a compression it does not know, then a
// compression-level that is not a number. bad is false when there is none.
func InvalidAttr(attrs map[string]string, bools ...string) (key, value string, bad bool) {
	for _, k := range bools {
		if v, ok := attrs[k]; ok {
			if _, err := strconv.ParseBool(v); err != nil {
				return k, v, true
			}
		}
	}
	if c, ok := attrs["compression"]; ok && !slices.Contains(CompressionTypes, c) {
		return "compression", c, true
	}
	if l, ok := attrs["compression-level"]; ok {
		if _, err := strconv.Atoi(l); err != nil {
			return "compression-level", l, true
		}
	}
	return "", "", false
}

// String formats the spec back as type=...,key=value with sorted keys.
func (c CacheSpec) String() string {
	parts := []string{"type=" + c.Type}
	for _, k := range slices.Sorted(maps.Keys(c.Attrs)) {
		parts = append(parts, k+"="+c.Attrs[k])
	}
	return strings.Join(parts, ",")
}

// RegistryRef returns the registry reference of a stage's entry: REPO:cache-<stage>,
// or REPO:<tag>-<stage> when the spec's ref has a tag.
func RegistryRef(ref, stage string) string {
	repo, tag := ref, "cache"
	slash := strings.LastIndexByte(ref, '/')
	if i := strings.LastIndexByte(ref, ':'); i > slash {
		repo, tag = ref[:i], ref[i+1:]
	}
	return repo + ":" + tag + "-" + stage
}

// ForStage returns the cache import (cache-from) and export (cache-to)
// attributes of one stage's entry, both including "type":
//   - local: dir PATH/<stage> (src= to import, dest= to export), exported
//     with reset=true (old blobs are removed);
//   - registry: ref REPO:cache-<stage>, exported with image-manifest=true,
//     oci-mediatypes=true (so ECR accepts it) and ignore-error=true;
//   - gha: scope <stage> (or <scope>-<stage> when a scope prefix is given);
//   - s3, azblob: name <stage> (or <name>-<stage>), other attributes passed through.
//
// Exports use mode=max unless the spec says otherwise. Export-only
// attributes (mode, compression, ...) are left out of the import.
func (c CacheSpec) ForStage(stage string) (importAttrs, exportAttrs map[string]string) {
	importAttrs = map[string]string{"type": c.Type}
	exportAttrs = map[string]string{"type": c.Type}
	for k, v := range c.Attrs {
		exportAttrs[k] = v
		if !exportOnly[k] {
			importAttrs[k] = v
		}
	}
	setDefault := func(k, v string) {
		if _, ok := exportAttrs[k]; !ok {
			exportAttrs[k] = v
		}
	}
	setDefault("mode", "max")
	switch c.Type {
	case "local":
		dir := strings.TrimRight(c.Attrs["dir"], "/") + "/" + stage
		delete(importAttrs, "dir")
		delete(exportAttrs, "dir")
		importAttrs["src"] = dir
		exportAttrs["dest"] = dir
		// drop the blobs the new manifest no longer needs, so that the
		// directory does not grow with every build (BuildKit v0.34)
		setDefault("reset", "true")
	case "registry":
		ref := RegistryRef(c.Attrs["ref"], stage)
		importAttrs["ref"] = ref
		exportAttrs["ref"] = ref
		setDefault("image-manifest", "true")
		setDefault("oci-mediatypes", "true")
		setDefault("ignore-error", "true")
	case "gha":
		scope := stage
		if p := c.Attrs["scope"]; p != "" {
			scope = p + "-" + stage
		}
		importAttrs["scope"] = scope
		exportAttrs["scope"] = scope
	case "s3", "azblob":
		name := stage
		if p := c.Attrs["name"]; p != "" {
			name = p + "-" + stage
		}
		importAttrs["name"] = name
		exportAttrs["name"] = name
	}
	return importAttrs, exportAttrs
}

// FormatAttrs formats attributes as buildx's "type=...,k=v" with type first
// and the other keys sorted. Values with commas or quotes are quoted.
func FormatAttrs(attrs map[string]string) string {
	var parts []string
	if t, ok := attrs["type"]; ok {
		parts = append(parts, "type="+t)
	}
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		if k == "type" {
			continue
		}
		kv := k + "=" + attrs[k]
		if strings.ContainsAny(kv, ",\"\n") {
			kv = `"` + strings.ReplaceAll(kv, `"`, `""`) + `"`
		}
		parts = append(parts, kv)
	}
	return strings.Join(parts, ",")
}
