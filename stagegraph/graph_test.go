package stagegraph

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

func names(sts []*Stage) string {
	var n []string
	for _, st := range sts {
		n = append(n, st.DisplayName())
	}
	return strings.Join(n, " ")
}

func waveNames(ws [][]*Stage) string {
	var n []string
	for _, w := range ws {
		n = append(n, names(w))
	}
	return strings.Join(n, " | ")
}

func mustParse(t *testing.T, src string, args map[string]string) *StageGraph {
	t.Helper()
	g, err := ParseStageGraph([]byte(src), args)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return g
}

const seedDockerfile = `FROM ruby:3.0.1-alpine3.13 AS base
RUN gem install bundler
FROM base AS builder
RUN apk add --no-cache build-base yarn
FROM builder AS bundle
COPY Gemfile Gemfile.lock ./
RUN bundle install
FROM builder AS npm
COPY package.json yarn.lock ./
RUN yarn install && yarn cache clean
FROM builder AS assets
COPY . .
COPY --from=bundle /app/vendor/bundle /app/vendor/bundle
COPY --from=npm /app/node_modules node_modules
RUN SECRET_KEY_BASE=dummy bin/rails assets:precompile
FROM base AS main
COPY . .
COPY --from=bundle /app/vendor/bundle /app/vendor/bundle
COPY --from=assets /app/public/packs public/packs
ARG SHA
`

func TestSeedGraph(t *testing.T) {
	g := mustParse(t, seedDockerfile, nil)
	for _, c := range []struct{ target, needed, waves, dead string }{
		{"", "base builder bundle npm assets main", "base | builder | bundle npm | assets | main", ""},
		{"main", "base builder bundle npm assets main", "base | builder | bundle npm | assets | main", ""},
		{"assets", "base builder bundle npm assets", "base | builder | bundle npm | assets", "main"},
		{"npm", "base builder npm", "base | builder | npm", "bundle assets main"},
		{"0", "base", "base", "builder bundle npm assets main"},
	} {
		needed, err := g.Needed(c.target)
		if err != nil {
			t.Fatal(err)
		}
		waves, _ := g.Waves(c.target)
		if names(needed) != c.needed || waveNames(waves) != c.waves || names(g.Dead(c.target)) != c.dead {
			t.Errorf("target %q:\n needed %s\n waves %s\n dead %s", c.target, names(needed), waveNames(waves), names(g.Dead(c.target)))
		}
	}
	main, _ := g.Stage("MAIN")
	if main.BaseStage == nil || main.BaseStage.Name != "base" || names(main.Deps) != "base bundle assets" {
		t.Errorf("main: base %v deps %s", main.BaseStage, names(main.Deps))
	}
	if strings.Join(main.Args, ",") != "SHA" || main.Line != 16 || main.Column != 1 {
		t.Errorf("main: args %v line %d:%d", main.Args, main.Line, main.Column)
	}
	plan, err := g.CachePlan("")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range plan.Entries {
		got = append(got, e.Stage+"<"+strings.Join(e.Imports, ",")+"|"+strings.Join(e.Ancestors, ",")+">")
	}
	// each stage imports only its own entry; main has no RUN step, so no
	// entry in the plan (the build still gives the target one)
	want := "base<base|> builder<builder|base> bundle<bundle|base,builder> npm<npm|base,builder> assets<assets|base,builder,bundle,npm>"
	if strings.Join(got, " ") != want || plan.Target != "main" {
		t.Errorf("cache plan:\n have %s\n want %s", strings.Join(got, " "), want)
	}
	if !strings.Contains(main.Reason, "no RUN step") || main.Cacheable {
		t.Errorf("main reason %q", main.Reason)
	}
	if _, err := g.Needed("nope"); err == nil || !strings.Contains(err.Error(), `target stage "nope" not found (stages: base, builder, bundle, npm, assets, main)`) {
		t.Errorf("unknown target: %v", err)
	}
}

func TestGraphEdges(t *testing.T) {
	src := `ARG BASE=alpine:3.20
ARG TAG
FROM ${BASE} AS tools
RUN apk add --no-cache curl
FROM tools
RUN --mount=type=bind,from=tools,target=/t --mount=type=cache,target=/root/.cache make
FROM tools AS later
RUN go build ./...
FROM scratch AS Out
COPY --from=1 /bin/app /app
COPY --from=nginx:1.27 /etc/nginx /etc/nginx
COPY --from=LATER /x /x
RUN --mount=from=golang:1.22,target=/go true
FROM later AS unused
RUN echo
FROM out AS final
`
	g := mustParse(t, src, map[string]string{"TAG": "v1"})
	st1, _ := g.Stage("1")
	out, _ := g.Stage("out")
	final, _ := g.Stage("final")
	if g.Stages[0].Base != "alpine:3.20" || strings.Join(g.Stages[0].Args, ",") != "BASE" {
		t.Errorf("tools: base %q args %v", g.Stages[0].Base, g.Stages[0].Args)
	}
	if names(st1.Deps) != "tools" || len(st1.Edges) != 2 || st1.Edges[1].Kind != EdgeMount {
		t.Errorf("stage 1: deps %s edges %+v", names(st1.Deps), st1.Edges)
	}
	if names(out.Deps) != "stage-1 later" || strings.Join(out.Images, ",") != "nginx:1.27,golang:1.22" {
		t.Errorf("out: deps %s images %v", names(out.Deps), out.Images)
	}
	// FROM out: stage names are lower case, so FROM Out names the stage
	if final.BaseStage != out {
		t.Errorf("final's base stage: %v", final.BaseStage)
	}
	waves, _ := g.Waves("")
	if waveNames(waves) != "tools | stage-1 later | out | final" || names(g.Dead("")) != "unused" {
		t.Errorf("waves %s dead %s", waveNames(waves), names(g.Dead("")))
	}
	if st1.CacheName != "stage-1" || out.CacheName != "out" {
		t.Errorf("cache names %q %q", st1.CacheName, out.CacheName)
	}
	plan, _ := g.CachePlan("")
	var got []string
	for _, e := range plan.Entries {
		got = append(got, e.Stage)
	}
	// stage-1 is unnamed: BuildKit cannot target it, so no entry
	if strings.Join(got, " ") != "tools later" {
		t.Errorf("cache plan entries %v", got)
	}
}

func TestGraphBuildArgs(t *testing.T) {
	src := "ARG RUBY=3.3\nARG VARIANT=alpine\nFROM ruby:${RUBY}-${VARIANT} AS base\nFROM --platform=$BUILDPLATFORM golang AS tools\n"
	g := mustParse(t, src, map[string]string{"VARIANT": "slim"})
	if g.Stages[0].Base != "ruby:3.3-slim" || g.Stages[1].Platform != "linux/amd64" {
		t.Errorf("base %q platform %q", g.Stages[0].Base, g.Stages[1].Platform)
	}
	// $BUILDPLATFORM is the builder's, not the target's (TestGraphBuildPlatform)
	g, _ = ParseStageGraphOptions([]byte(src), Options{Platform: "linux/arm64"})
	if g.Stages[1].Platform != "linux/amd64" {
		t.Errorf("platform %q", g.Stages[1].Platform)
	}
	g, err := ParseStageGraphOptions([]byte("ARG IMG\nFROM $IMG AS a\n"), Options{Lenient: true})
	if err != nil || g.Stages[0].Base != "$IMG" {
		t.Errorf("lenient: %v %+v", err, g)
	}
	if _, err := ParseStageGraphOptions([]byte("ARG P\nFROM --platform=$P alpine AS a\n"), Options{Lenient: true}); err != nil {
		t.Errorf("lenient --platform: %v", err)
	}
}

// TestGraphPlatform: --platform is read as BuildKit reads it (containerd's
// platforms), whatever the OS gantry runs on.
func TestGraphPlatform(t *testing.T) {
	src := "FROM x-${TARGETOS}-${TARGETARCH}-${TARGETVARIANT}\n"
	for platform, want := range map[string]string{
		"":               "linux/amd64 x-linux-amd64-",
		"arm64":          "linux/arm64 x-linux-arm64-",
		"linux/arm64/v8": "linux/arm64 x-linux-arm64-",
		"linux/arm/v7":   "linux/arm/v7 x-linux-arm-v7",
		"linux/armhf":    "linux/arm/v7 x-linux-arm-v7",
		"LINUX/AMD64":    "linux/amd64 x-linux-amd64-",
		"windows/amd64":  "windows/amd64 x-windows-amd64-",
	} {
		g, err := ParseStageGraphOptions([]byte(src), Options{Platform: platform})
		if err != nil {
			t.Errorf("%q: %v", platform, err)
			continue
		}
		if got := g.Platform + " " + g.Stages[0].Base; got != want {
			t.Errorf("--platform %q: %s, want %s", platform, got, want)
		}
	}
}

// TestGraphBuildPlatform: $BUILDPLATFORM and friends are the builder's
// platform (BuildKit's worker's), whatever --platform says, and the target
// platform is the builder's when --platform is not given.
func TestGraphBuildPlatform(t *testing.T) {
	src := "FROM --platform=$BUILDPLATFORM b-${BUILDOS}-${BUILDARCH}-${BUILDVARIANT} AS b\nFROM t-${TARGETARCH}\n"
	for _, c := range []struct{ platform, build, want string }{
		{"", "", "linux/amd64 linux/amd64 b-linux-amd64- t-amd64"},
		{"linux/arm64", "", "linux/amd64 linux/arm64 b-linux-amd64- t-arm64"},
		{"linux/arm64", "linux/amd64", "linux/amd64 linux/arm64 b-linux-amd64- t-arm64"},
		{"linux/amd64", "linux/arm/v7", "linux/arm/v7 linux/amd64 b-linux-arm-v7 t-amd64"},
		{"", "linux/arm64/v8", "linux/arm64 linux/arm64 b-linux-arm64- t-arm64"},
		{"", "arm64", "linux/arm64 linux/arm64 b-linux-arm64- t-arm64"},
	} {
		g, err := ParseStageGraphOptions([]byte(src), Options{Platform: c.platform, BuildPlatform: c.build})
		if err != nil {
			t.Errorf("--platform %q, builder %q: %v", c.platform, c.build, err)
			continue
		}
		got := strings.Join([]string{g.Stages[0].Platform, g.Platform, g.Stages[0].Base, g.Stages[1].Base}, " ")
		if got != c.want {
			t.Errorf("--platform %q, builder %q: %s, want %s", c.platform, c.build, got, c.want)
		}
	}
}

func TestGraphErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"", "the Dockerfile is empty"},
		{"  \n\n", "the Dockerfile is empty"},
		{"# comment\n", "line 1: file with no instructions"},
		{"ARG A\n", "has no FROM instruction"},
		{"RUN x\n", "line 1: RUN before the first FROM"},
		{"FROM\n", "line 1: FROM requires either one or three arguments"},
		{"FROM a AS 1x\n", "line 1: invalid name for build stage"},
		{"FROM alpine\nFOO bar\n", "line 2: unknown instruction: FOO"},
		{"ARG IMG\nFROM $IMG\n", "line 2: the base \"$IMG\" is empty after expanding build arguments"},
		{"FROM alpine\nCOPY --from=$X /a /b\n", "line 2: COPY --from=$X: variable expansion is not supported"},
		{"FROM alpine\nCOPY --from=3 /a /b\n", "line 2: COPY --from=3: there is no stage 3"},
		{"FROM alpine AS a\nCOPY --from=a /x /y\n", "circular dependency between stages: a -> a"},
		{"FROM alpine AS a\nCOPY --from=b /x /y\nFROM alpine AS b\nRUN --mount=from=a,target=/a make\nFROM alpine\n", "circular dependency between stages: a -> b -> a"},
		{"FROM alpine\nRUN <<EOF\n", "line 2:"},
		// every stage's --platform, built or not, as in BuildKit
		{"FROM alpine AS a\nFROM --platform=$NOPE alpine AS b\nFROM alpine AS c\n", "line 2: --platform \"$NOPE\" is empty after expanding build arguments"},
		{"FROM alpine AS a\nFROM --platform=linux/bogus/x/y alpine AS b\nFROM alpine AS c\n", "line 2: cannot parse --platform \"linux/bogus/x/y\""},
	} {
		_, err := ParseStageGraph([]byte(c.src), nil)
		var pe *ParseError
		if err == nil || !errors.As(err, &pe) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err %v, want %q", c.src, err, c.want)
		}
	}
}

// TestGraphBrokenStages: BuildKit raises some errors only for the stages it
// builds: a RUN --mount option it cannot parse, a cycle through a FROM or
// an ONBUILD trigger (one of its stages reads a later one). A target that
// does not need the broken stage builds; one that needs it fails.
func TestGraphBrokenStages(t *testing.T) {
	for _, c := range []struct{ src, target, want string }{
		{"FROM alpine AS a\nRUN --mount=type=bogus true\nFROM alpine AS b\nRUN make\n", "b", ""},
		{"FROM alpine AS a\nRUN --mount=type=bogus true\nFROM alpine AS b\nRUN make\n", "a", "line 2: unsupported mount type \"bogus\""},
		{"FROM alpine\nRUN --mount=type=bogus true\n", "", "line 2: unsupported mount type \"bogus\""},
		{"FROM alpine AS a\nRUN --mount=type=tmpfs,target=/t,uid=1 true\nFROM a AS b\nFROM alpine AS c\nCOPY --from=b /x /x\nFROM alpine AS d\n", "c", "line 2: uid not allowed for \"tmpfs\" type mounts"},
		{"FROM alpine AS a\nRUN --mount=type=tmpfs,target=/t,uid=1 true\nFROM a AS b\nFROM alpine AS c\nCOPY --from=b /x /x\nFROM alpine AS d\n", "d", ""},
		// the first error in the Dockerfile
		{"FROM alpine AS a\nRUN --mount=type=x true\nFROM alpine AS b\nRUN --mount=type=y true\nCOPY --from=a /a /a\n", "b", "line 2: unsupported mount type \"x\""},
		{"FROM alpine AS a\nCOPY --from=c /x /x\nFROM alpine AS b\nRUN --mount=type=y true\nCOPY --from=a /a /a\nFROM alpine AS c\n", "b", "line 2: stage a copies from stage c, which is defined after it"},
		{"FROM alpine AS a\nCOPY --from=b /x /y\nFROM a AS b\nFROM alpine AS final\n", "final", ""},
		{"FROM alpine AS a\nCOPY --from=b /x /y\nFROM a AS b\nFROM alpine AS final\n", "b", "line 2: stage a copies from stage b, which is defined after it"},
		{"FROM alpine AS a\nCOPY --from=b /x /y\nFROM a AS b\nFROM alpine AS final\n", "a", "line 2: stage a copies from stage b, which is defined after it"},
		{"FROM alpine AS base\nONBUILD COPY --from=c /x /x\nFROM base AS b\nFROM alpine AS c\nCOPY --from=b /y /y\nFROM alpine AS final\n", "final", ""},
		{"FROM alpine AS base\nONBUILD COPY --from=c /x /x\nFROM base AS b\nFROM alpine AS c\nCOPY --from=b /y /y\nFROM alpine AS final\n", "c", "line 3: stage b copies from stage c, which is defined after it"},
		// BuildKit reads ONBUILD triggers only for the stages it builds,
		// before it builds them
		{"FROM alpine AS base\nONBUILD COPY --from=9 /x /x\nFROM base AS b\nFROM alpine AS final\n", "final", ""},
		{"FROM alpine AS base\nONBUILD COPY --from=9 /x /x\nFROM base AS b\nFROM alpine AS final\n", "b", "line 3: COPY --from=9: there is no stage 9"},
		{"FROM alpine AS base\nONBUILD COPY --from=$X /x /x\nFROM base AS b\nFROM alpine AS final\n", "final", ""},
		{"FROM alpine AS base\nONBUILD COPY --from=$X /x /x\nFROM base AS b\nFROM alpine AS final\n", "b", "line 3: COPY --from=$X: variable expansion is not supported"},
		{"FROM alpine AS base\nONBUILD RUN --mount=type=bogus true\nFROM base AS b\nRUN --mount=type=x true\nFROM alpine AS final\n", "b", "line 3: unsupported mount type \"bogus\""},
		{"FROM alpine AS base\nONBUILD COPY /x\nFROM base AS b\nFROM alpine AS final\n", "b", "line 3: COPY requires at least two arguments"},
		{"FROM alpine AS base\nONBUILD COPY /x\nFROM base AS b\nFROM alpine AS final\n", "final", ""},
	} {
		g, err := ParseStageGraph([]byte(c.src), nil)
		if err != nil {
			t.Errorf("%q: %v", c.src, err)
			continue
		}
		_, err = g.Needed(c.target)
		_, perr := g.CachePlan(c.target)
		_, oerr := g.Outline(c.target, "Dockerfile")
		for _, err := range []error{err, perr, oerr} {
			var pe *ParseError
			if c.want == "" && err != nil || c.want != "" && (!errors.As(err, &pe) || !strings.HasPrefix(err.Error(), c.want)) {
				t.Errorf("%q, target %q: %v, want %q", c.src, c.target, err, c.want)
			}
		}
	}
}

// TestCopyFromPastStages: BuildKit numbers an image after the stages for
// each COPY --from=<image> and RUN --mount that reads no stage, as it
// reads them, so COPY --from=<index> past the last stage reads one of those
// added before it.
func TestCopyFromPastStages(t *testing.T) {
	for _, c := range []struct{ src, images, err string }{
		{"FROM alpine AS a\nCOPY --from=busybox /x /x\nFROM alpine\nCOPY --from=2 /y /y\n", "busybox", ""},
		{"FROM alpine AS a\nRUN --mount=type=cache,target=/c make\nFROM alpine\nCOPY --from=2 /y /y\n", "scratch", ""},
		{"FROM alpine AS a\nRUN make\nFROM alpine AS b\nRUN --mount=from=a,target=/a make\nCOPY --from=golang /g /g\nFROM alpine\nCOPY --from=A /a /a\nCOPY --from=3 /y /y\n", "golang", ""},
		// added after it: none yet
		{"FROM alpine AS a\nRUN make\nFROM alpine\nCOPY --from=2 /y /y\nCOPY --from=busybox /x /x\n", "", "line 4: COPY --from=2: there is no stage 2"},
		// a trigger reads them all
		{"FROM alpine AS base\nONBUILD COPY --from=2 /x /x\nFROM base\nCOPY --from=busybox /y /y\n", "busybox", ""},
	} {
		g, err := ParseStageGraph([]byte(c.src), nil)
		if c.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), c.err) {
				t.Errorf("%q: %v, want %q", c.src, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.src, err)
			continue
		}
		if _, err := g.Needed(""); err != nil {
			t.Errorf("%q: %v", c.src, err)
		}
		if got := strings.Join(g.Stages[len(g.Stages)-1].Images, ","); !strings.HasSuffix(got, c.images) {
			t.Errorf("%q: the last stage reads images %s, want %s", c.src, got, c.images)
		}
	}
}

func TestSanitizeCacheName(t *testing.T) {
	for in, want := range map[string]string{"build_env": "build-env", "Assets.v2": "assets-v2", "__": "stage", "npm": "npm"} {
		if got := SanitizeCacheName(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
	g := mustParse(t, "FROM a AS x.y\nRUN make\nFROM a AS x_y\nRUN make\n", nil)
	if g.Stages[0].CacheName != "x-y" || g.Stages[1].CacheName != "x-y-1" {
		t.Errorf("colliding names: %q %q", g.Stages[0].CacheName, g.Stages[1].CacheName)
	}
	// the tree lines up the entries' names, longer than the stages' here
	g = mustParse(t, "FROM a AS x.y\nRUN make\nFROM a AS x_y\nRUN make\nFROM x.y AS z\nCOPY --from=x_y /a /a\n", nil)
	p, err := g.Outline("", "Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var tree bytes.Buffer
	if err := p.WriteTree(&tree); err != nil || !strings.Contains(tree.String(), "\n  x-y-1  produces artifacts (make)\n") || !strings.Contains(tree.String(), "\n  x.y    line 1") {
		t.Errorf("tree: %v\n%s", err, tree.String())
	}
}

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		src       string
		cacheable bool
		reason    string
	}{
		{"FROM a\nRUN bundle install\n", true, "installs dependencies (bundle install)"},
		{"FROM a\nRUN bundle _${BUNDLER_VERSION}_ install\n", true, "installs dependencies (bundle install)"},
		{"FROM a\nRUN apk add --no-cache yarn && yarn install && yarn build\n", true, "installs dependencies (yarn install, apk add) and produces artifacts (yarn build)"},
		{"FROM a\nRUN SECRET_KEY_BASE_DUMMY=1 bin/rails assets:precompile\n", true, "produces artifacts (assets:precompile)"},
		{"FROM a AS gen\nRUN ./generate.sh\nFROM b\nCOPY --from=gen /out /out\n", true, "produces artifacts used by stage-1 (1 RUN step)"},
		{"FROM a\nRUN ./slow.sh\n", true, "runs 1 RUN step"},
		{"FROM a\nADD https://example.com/x.tgz /x\n", true, "produces artifacts (ADD https://example.com/x.tgz)"},
		{"FROM a\nRUN mkdir -p /app && ln -s /app /srv\n", false, "only cheap RUN steps"},
		{"FROM a\nCOPY . .\nENV A=1\n", false, "no RUN step"},
	} {
		g := mustParse(t, c.src, nil)
		st := g.Stages[0]
		if st.Cacheable != c.cacheable || !strings.Contains(st.Reason, c.reason) {
			t.Errorf("%q: cacheable %v reason %q, want %v %q", c.src, st.Cacheable, st.Reason, c.cacheable, c.reason)
		}
	}
}

func TestGraphOnbuild(t *testing.T) {
	// BuildKit runs a stage's ONBUILD triggers in the stages built FROM it,
	// so their COPY --from and RUN --mount=from are the child's references
	for _, c := range []struct{ src, needed, dead, edges string }{
		{"FROM alpine AS a\nRUN make\nFROM alpine AS base\nONBUILD COPY --from=a /a /a\nFROM base AS final\n",
			"a base final", "", "base:from@5 a:copy@5"},
		{"FROM alpine AS a\nRUN make\nFROM alpine AS base\nONBUILD RUN --mount=from=a,target=/m cat /m/a\nFROM base AS final\n",
			"a base final", "", "base:from@5 a:mount@5"},
		{"FROM alpine AS a\nRUN make\nFROM alpine AS base\nONBUILD COPY --from=golang:1.22 /a /a\nFROM base AS final\n",
			"base final", "a", "base:from@5"},
		// a trigger that reads the child itself reads the child's base
		{"FROM alpine AS base\nONBUILD COPY --from=final /a /a\nFROM base AS final\n",
			"base final", "", "base:from@3"},
		// a trigger fires in the child only, not in the grandchild
		{"FROM alpine AS a\nRUN make\nFROM alpine AS base\nONBUILD COPY --from=a /a /a\nFROM alpine AS final\nCOPY --from=base /b /b\n",
			"base final", "a", "base:copy@6"},
	} {
		g := mustParse(t, c.src, nil)
		needed, err := g.Needed("")
		if err != nil {
			t.Fatal(err)
		}
		final := g.Stages[len(g.Stages)-1]
		var edges []string
		for _, e := range final.Edges {
			edges = append(edges, fmt.Sprintf("%s:%s@%d", e.To.DisplayName(), e.Kind, e.Line))
		}
		if names(needed) != c.needed || names(g.Dead("")) != c.dead || strings.Join(edges, " ") != c.edges {
			t.Errorf("%q:\n needed %s, dead %s, edges %s\n want %s, %s, %s", c.src, names(needed), names(g.Dead("")), strings.Join(edges, " "), c.needed, c.dead, c.edges)
		}
	}
	g := mustParse(t, "FROM alpine AS base\nONBUILD COPY --from=golang:1.22 /a /a\nFROM base\n", nil)
	if strings.Join(g.Stages[1].Images, ",") != "golang:1.22" {
		t.Errorf("images %v", g.Stages[1].Images)
	}
}

func TestGraphLaterStage(t *testing.T) {
	// BuildKit builds stages in Dockerfile order: a stage it builds cannot
	// read a stage defined after it ("cannot copy from stage ..., it needs
	// to be defined before current stage"), but a stage it skips may
	src := "FROM alpine AS a\nRUN make\nFROM alpine AS b\nCOPY --from=d /x /x\nFROM alpine AS c\nRUN --mount=from=d,target=/d make\nFROM alpine AS d\nRUN make\nFROM alpine AS e\nCOPY --from=a /a /a\n"
	g := mustParse(t, src, nil)
	for _, c := range []struct{ target, want string }{
		{"b", "line 4: stage b copies from stage d, which is defined after it"},
		{"c", "line 6: stage c mounts from stage d, which is defined after it"},
		{"", ""},
		{"d", ""},
	} {
		_, err := g.Needed(c.target)
		_, perr := g.CachePlan(c.target)
		_, oerr := g.Outline(c.target, "Dockerfile")
		for _, err := range []error{err, perr, oerr} {
			var pe *ParseError
			if c.want == "" && err != nil || c.want != "" && (!errors.As(err, &pe) || !strings.Contains(err.Error(), c.want)) {
				t.Errorf("target %q: %v, want %q", c.target, err, c.want)
			}
		}
	}
	g = mustParse(t, "FROM alpine AS base\nONBUILD COPY --from=late /x /x\nFROM base AS child\nFROM alpine AS late\nRUN make\n", nil)
	if _, err := g.Needed("child"); err == nil || !strings.Contains(err.Error(), "line 3: stage child copies from stage late") {
		t.Errorf("onbuild: %v", err)
	}
}

func TestGraphTargetStage(t *testing.T) {
	// BuildKit sets $TARGETSTAGE to the --target, else the last stage's
	// name, else "default"; FROM lines may use it
	src := "FROM alpine AS build-final\nRUN make\nFROM busybox AS build-default\nRUN make\nFROM build-${TARGETSTAGE} AS final\nRUN make\nFROM build-$TARGETSTAGE AS other\n"
	for _, c := range []struct{ target, stage, base string }{
		{"", "final", "build-other"},
		{"final", "final", "build-final"},
		{"Final", "final", "build-Final"}, // as given: an image, as in BuildKit
		{"2", "final", "build-final"},
		{"other", "other", "build-other"},
	} {
		g, err := ParseStageGraphOptions([]byte(src), Options{Target: c.target})
		if err != nil {
			t.Fatal(err)
		}
		st, _ := g.Stage(c.stage)
		var base string
		if st.BaseStage != nil {
			base = st.BaseStage.Name
		}
		if st.Base != c.base {
			t.Errorf("target %q: %s is FROM %q (stage %q), want %q", c.target, c.stage, st.Base, base, c.base)
		}
	}
	src = "FROM alpine AS build-default\nRUN make\nFROM build-$TARGETSTAGE\n"
	g := mustParse(t, src, nil)
	if g.Stages[1].BaseStage != g.Stages[0] {
		t.Errorf("unnamed last stage: FROM %q", g.Stages[1].Base)
	}
	g = mustParse(t, src, map[string]string{"TARGETSTAGE": "x"})
	if g.Stages[1].Base != "build-x" {
		t.Errorf("--build-arg TARGETSTAGE=x: FROM %q", g.Stages[1].Base)
	}
}

func TestOutlineDuplicateName(t *testing.T) {
	// --target 0 is stage 0 even when a later stage has the same name
	g := mustParse(t, "FROM alpine AS x\nRUN make\nFROM busybox AS x\nRUN apk add foo\nFROM x AS final\n", nil)
	p, err := g.Outline("0", "Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	waves := waveNames(p.Waves)
	if p.Target != g.Stages[0] || len(p.Needed) != 1 || p.Needed[0] != g.Stages[0] || waves != "x" || names(p.Dead) != "x final" || len(p.Cache.Entries) != 1 || p.Cache.Entries[0].Stage != "x" {
		t.Errorf("target %s: needed %s, waves %s, dead %s, cache %+v", p.Target.DisplayName(), names(p.Needed), waves, names(p.Dead), p.Cache.Entries)
	}
	if !p.needed(p.Target) {
		t.Error("the target is not needed")
	}
}

// TestStageNamedLikeUnnamed: BuildKit shows an unnamed stage as
// stage-<index>, but --target and COPY --from find only names, so
// "stage-0" is the stage named so, never the unnamed stage 0. The named
// one keeps its name, in the output and for its cache entry; the unnamed
// one shows as "stage-0 (unnamed)".
func TestStageNamedLikeUnnamed(t *testing.T) {
	src := "FROM alpine\nRUN make\nFROM alpine AS stage-0\nRUN apk add x\nFROM alpine AS final\nCOPY --from=stage-0 /x /x\nCOPY --from=0 /y /y\n"
	g := mustParse(t, src, nil)
	unnamed, named, final := g.Stages[0], g.Stages[1], g.Stages[2]
	if st, ok := g.Stage("stage-0"); !ok || st != named {
		t.Errorf("Stage(stage-0) is stage %d", st.Index)
	}
	if st, err := g.Target("stage-0"); err != nil || st != named {
		t.Errorf("Target(stage-0): %v", err)
	}
	if unnamed.DisplayName() != "stage-0 (unnamed)" || named.DisplayName() != "stage-0" || names(final.Deps) != "stage-0 (unnamed) stage-0" {
		t.Errorf("display names %q %q, final's deps %s", unnamed.DisplayName(), named.DisplayName(), names(final.Deps))
	}
	if named.CacheName != "stage-0" || unnamed.CacheName == named.CacheName {
		t.Errorf("cache names: named %q, unnamed %q", named.CacheName, unnamed.CacheName)
	}
	p, err := g.Outline("", "Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	if w := waveNames(p.Waves); w != "stage-0 (unnamed) stage-0 | final" || len(p.Cache.Entries) != 1 || p.Cache.Entries[0].Stage != "stage-0" {
		t.Errorf("waves %s, cache entries %+v", w, p.Cache.Entries)
	}
	var tree bytes.Buffer
	p.WriteTree(&tree)
	for _, want := range []string{"stage-0 (unnamed) ∥ stage-0", "COPY --from=stage-0 (line 6), COPY --from=stage-0 (unnamed) (line 7)"} {
		if !strings.Contains(tree.String(), want) {
			t.Errorf("tree lacks %q:\n%s", want, tree.String())
		}
	}
	// without a stage of that name, stage-0 is the unnamed stage 0's name
	// in the output only
	g = mustParse(t, "FROM alpine\nRUN make\nFROM alpine AS final\nCOPY --from=0 /y /y\n", nil)
	if _, err := g.Target("stage-0"); err == nil || g.Stages[0].DisplayName() != "stage-0" || g.Stages[0].CacheName != "stage-0" {
		t.Errorf("Target(stage-0): %v; display %q", err, g.Stages[0].DisplayName())
	}
}

func TestUntargetableStages(t *testing.T) {
	// BuildKit's --target finds the last stage of a name, and no unnamed
	// stage but the last: the others get no cache entry and no bake target
	g := mustParse(t, "FROM alpine AS x\nRUN make\nFROM x AS x\nRUN apk add foo\nFROM alpine\nRUN make\nFROM x AS final\nCOPY --from=2 /a /a\nRUN make\n", nil)
	plan, err := g.CachePlan("")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range plan.Entries {
		got = append(got, e.Stage)
	}
	if strings.Join(got, " ") != "x-1 final" || g.Stages[0].TargetName() != "" || g.Stages[1].TargetName() != "x" {
		t.Errorf("entries %v, target names %q %q", got, g.Stages[0].TargetName(), g.Stages[1].TargetName())
	}
	p, _ := g.Outline("", "Dockerfile")
	var tree bytes.Buffer
	p.WriteTree(&tree)
	if !strings.Contains(tree.String(), "x, line 1 (a later stage has its name: rename it to give it an entry)") {
		t.Errorf("tree:\n%s", tree.String())
	}
	spec, _ := ParseCacheSpec("type=gha")
	for _, c := range []struct{ target, want string }{
		{"0", "target x (line 1) has the name of a later stage, which BuildKit's --target x builds instead"},
		{"2", "target stage-2 is an unnamed stage; BuildKit can only target named stages"},
		{"1", ""},
		{"", ""},
	} {
		p, err := g.Outline(c.target, "Dockerfile")
		if err != nil {
			t.Fatal(err)
		}
		err = p.WriteBake(io.Discard, spec, BakeOptions{})
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("bake of target %q: %v, want %q", c.target, err, c.want)
		}
	}
}

func TestCachePlanAncestors(t *testing.T) {
	// an ancestor without an entry of its own (unnamed, or its name reused
	// by a later stage) is not named among the ancestors
	g := mustParse(t, "FROM alpine\nRUN make\nFROM alpine AS x\nRUN make\nFROM alpine AS x\nRUN make\nFROM alpine AS b\nCOPY --from=0 /x /x\nCOPY --from=1 /x /x\nRUN make\nFROM b AS c\nRUN make\n", nil)
	plan, err := g.CachePlan("")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range plan.Entries {
		got = append(got, e.Stage+"<"+strings.Join(e.Ancestors, ",")+">")
	}
	if strings.Join(got, " ") != "b<> c<b>" {
		t.Errorf("entries %s", strings.Join(got, " "))
	}
}
