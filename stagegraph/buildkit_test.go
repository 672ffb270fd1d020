package stagegraph

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// anyImage resolves every image to a one-layer linux/amd64 image, so that
// dockerfile2llb converts a Dockerfile without a registry.
type anyImage struct{}

func (anyImage) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	return ref, "", []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:1111111111111111111111111111111111111111111111111111111111111111"]}}`), nil
}

// buildKitLines converts a Dockerfile for a target with BuildKit's own
// frontend and returns the Dockerfile lines its LLB refers to: the FROM
// lines and instructions of every stage BuildKit builds. As in BuildKit's
// Dockerfile frontend, the build platform is the worker's
// (opts.BuildPlatform, default linux/amd64), and the target platform
// opts.Platform, else the build platform.
func buildKitLines(src []byte, opts Options) (map[int]bool, error) {
	bp := opts.BuildPlatform
	if bp == "" {
		bp = "linux/amd64"
	}
	build, err := platforms.Parse(bp)
	if err != nil {
		return nil, err
	}
	opt := dockerfile2llb.ConvertOpt{MetaResolver: anyImage{}}
	opt.Config = dockerui.Config{Target: opts.Target, BuildArgs: opts.BuildArgs, BuildPlatforms: []ocispecs.Platform{platforms.Normalize(build)}}
	if opts.Platform != "" {
		tp, err := platforms.Parse(opts.Platform)
		if err != nil {
			return nil, err
		}
		tp = platforms.Normalize(tp)
		opt.TargetPlatform = &tp
	}
	opt.SourceMap = llb.NewSourceMap(nil, "Dockerfile", "", src)
	res, err := dockerfile2llb.Dockerfile2LLB(context.Background(), src, opt)
	if err != nil {
		return nil, err
	}
	def, err := res.State.Marshal(context.Background())
	if err != nil {
		return nil, err
	}
	lines := map[int]bool{}
	for _, locs := range def.Source.GetLocations() {
		for _, l := range locs.Locations {
			for _, r := range l.Ranges {
				for i := r.Start.Line; i <= r.End.Line; i++ {
					lines[int(i)] = true
				}
			}
		}
	}
	return lines, nil
}

// compareWithBuildKit checks that the stages a target needs are the stages
// BuildKit builds for it. A stage BuildKit builds shows in its LLB unless
// it has neither an image base nor a RUN, COPY or ADD.
func compareWithBuildKit(t *testing.T, name string, src []byte, opts Options) {
	t.Helper()
	target := opts.Target
	lines, bkErr := buildKitLines(src, opts)
	g, err := ParseStageGraphOptions(src, opts)
	if err != nil {
		if bkErr == nil {
			t.Errorf("%s, target %q: gantry fails (%v), BuildKit builds it", name, target, err)
		}
		return
	}
	o, err := g.Outline(target, "Dockerfile")
	if bkErr != nil || err != nil {
		if bkErr == nil {
			t.Errorf("%s, target %q: gantry fails (%v), BuildKit builds it", name, target, err)
		}
		return
	}
	for _, st := range g.Stages {
		end := st.EndLine
		visible := st.BaseStage == nil && !strings.EqualFold(st.Base, "scratch")
		for _, s := range st.Steps {
			end = max(end, s.EndLine)
			visible = visible || s.Instruction == "RUN" || s.Instruction == "COPY" || s.Instruction == "ADD"
		}
		built := false
		for l := st.Line; l <= end; l++ {
			built = built || lines[l]
		}
		switch needed := o.needed(st); {
		case built && !needed:
			t.Errorf("%s, target %q: BuildKit builds %s, gantry says it is dead", name, target, st.DisplayName())
		case !built && needed && visible:
			t.Errorf("%s, target %q: gantry needs %s, BuildKit does not build it", name, target, st.DisplayName())
		}
	}
}

// handwritten: stage names in both cases and reused, images named like
// stages, indexes, ARG and $TARGETSTAGE in FROM, ONBUILD, heredocs,
// directives, CRLF and a BOM
var buildKitCases = []string{
	"ARG A=1\nARG B=${A}2\nARG A=3\nFROM img-$B-$A AS x\nRUN make\nFROM img-12-3 AS y\nFROM x\n",
	"ARG IMG=alpine\nFROM ${IMG} AS alpine\nRUN make\nFROM ${IMG}\nCOPY --from=alpine /x /x\n",
	"\ufeffFROM alpine AS a\r\nRUN echo\r\nFROM a\r\nCOPY --from=a /x /x\r\n",
	"FROM alpine AS Builder\nRUN echo\nFROM builder AS x\nRUN true\nFROM alpine\nCOPY --from=BUILDER /a /a\n",
	"FROM alpine AS a\nRUN make\nFROM a AS b\nRUN make\nFROM alpine AS c\nCOPY --from=b /x /x\nFROM alpine AS d\nCOPY --from=1 /x /x\nFROM d\n",
	"FROM alpine AS a\nRUN make\nFROM alpine AS b\nCOPY --from=a \\\n  /x /x\nFROM b\n",
	"# syntax=docker/dockerfile:1\n# check=skip=all\n# escape=`\nFROM alpine AS a\nRUN echo `\n hi\nFROM scratch AS s\nCOPY --from=a /x /x\nFROM a\nCOPY --from=s /x /y\n",
	"FROM alpine AS a\nRUN echo 1\nFROM alpine AS a\nRUN echo 2\nFROM a AS b\nRUN true\nFROM alpine\nCOPY --from=a /x /x\n",
	"# escape=`\nFROM alpine AS a\nRUN echo `\n  hi\nFROM a\n",
	"FROM alpine AS a\nCOPY --from=b /x /x\nFROM alpine AS b\nRUN echo\nFROM a\n",
	"FROM alpine AS a\nRUN --mount=type=cache,target=/c echo\nFROM alpine AS b\nRUN --mount=from=a,target=/m true\nFROM b\nRUN <<EOF\necho\nEOF\nCOPY <<EOF /x\nhello\nEOF\n",
	"FROM alpine AS alpine\nRUN echo 1\nFROM alpine AS b\nRUN true\n",
	"FROM alpine AS a\nRUN echo\nFROM alpine\nCOPY --from=0 /x /x\nCOPY --from=a /y /y\n",
	"FROM alpine AS base\nRUN make\nFROM alpine AS x\nCOPY --link --from=base --chown=1:1 /a /a\nADD --link https://example.com/x /x\nFROM x\n",
	"ARG BASE=alpine\nARG B2=${BASE}\nFROM ${B2} AS a\nRUN echo\nFROM a\n",
	"FROM alpine AS a\nRUN make\nFROM alpine AS b\nCOPY --from=A /x /x\nRUN --mount=from=A,target=/m true\n",
	"FROM alpine AS a\nRUN make\nFROM a AS b\nRUN --mount=type=cache,target=/c --mount=type=bind,from=a,source=/x,target=/y make\nFROM b\n",
	"FROM alpine AS a\nRUN --mount=type=bind,FROM=b,target=/x echo\nFROM alpine AS b\nRUN echo\nFROM a\n",
	"FROM alpine AS a\nRUN echo > /a\nFROM alpine AS base\nONBUILD RUN --mount=from=a,target=/m cat /m/a\nFROM base AS final\nRUN true\n",
	"FROM alpine AS a\nRUN echo > /a\nFROM alpine AS base\nONBUILD COPY --from=a /a /a\nFROM base AS final\nRUN true\n",
	"FROM alpine AS a\nRUN make\nFROM alpine AS b\nONBUILD COPY --from=a /a /a\nFROM b AS c\nFROM c AS d\n",
	"FROM --platform=$BUILDPLATFORM golang AS build\nRUN go build\nFROM alpine-$TARGETARCH AS x\nCOPY --from=build /x /x\n",
	"FROM scratch\n",
	"FROM alpine AS build-final\nRUN echo hi\nFROM busybox AS build-default\nRUN echo default\nFROM build-${TARGETSTAGE} AS final\nRUN true\n",
	// broken stages: BuildKit parses a RUN's --mount options and checks
	// the order of the stages a stage reads only when it builds the stage,
	// and finds cycles through COPY --from and RUN --mount=from only
	"FROM alpine AS a\nRUN --mount=type=bogus,target=/x true\nFROM alpine AS b\nRUN echo\n",
	"FROM alpine AS a\nRUN --mount=type=cache,target=/c,uid=x make\nFROM alpine AS b\nRUN --mount=type=bind,target=/m,readonly echo\nFROM alpine AS final\nRUN --mount=type=secret,from=a,id=x true\n",
	"FROM alpine AS a\nRUN --mount=type=tmpfs,target=/t,mode=0700 true\nFROM a AS b\nRUN echo\nFROM alpine AS final\nCOPY --from=b /x /x\n",
	"FROM alpine AS a\nCOPY --from=b /x /x\nFROM a AS b\nRUN make\nFROM alpine AS final\nRUN true\n",
	"FROM alpine AS a\nRUN --mount=from=b,target=/b make\nFROM a AS b\nRUN make\nFROM alpine AS final\nCOPY --from=a /x /x\n",
	"FROM alpine AS base\nONBUILD COPY --from=c /x /x\nFROM base AS b\nFROM alpine AS c\nCOPY --from=b /y /y\nFROM alpine AS final\nRUN true\n",
	"FROM alpine AS a\nCOPY --from=b /x /x\nFROM alpine AS b\nCOPY --from=a /y /y\nFROM alpine AS final\nRUN true\n",
	// COPY --from=<index> past the stages reads an image BuildKit numbered
	// after them; ONBUILD triggers fail only the stages BuildKit builds
	"FROM alpine AS a\nRUN --mount=from=busybox,target=/b make\nFROM alpine AS b\nCOPY --from=2 /y /y\n",
	"FROM alpine AS a\nRUN --mount=type=cache,target=/c make\nRUN --mount=from=golang,target=/g make\nFROM alpine AS b\nCOPY --from=3 /y /y\nCOPY --from=a /z /z\nFROM b AS final\nCOPY --from=4 /y /y\n",
	"FROM alpine AS base\nONBUILD COPY --from=3 /x /x\nFROM base AS b\nCOPY --from=busybox /y /y\nFROM alpine AS final\nCOPY --from=b /z /z\n",
	"FROM alpine AS base\nONBUILD COPY --from=9 /x /x\nFROM base AS b\nFROM alpine AS final\n",
	"FROM alpine AS base\nONBUILD COPY --from=$X /x /x\nFROM base AS b\nFROM alpine AS final\n",
	"FROM alpine AS base\nONBUILD RUN --mount=type=bogus true\nFROM base AS b\nFROM alpine AS final\n",
	"FROM alpine AS base\nONBUILD COPY /x\nFROM base AS b\nFROM alpine AS final\n",
	// a stage named like an unnamed one: names are found, never stage-N
	"FROM alpine\nRUN make\nFROM alpine AS stage-0\nRUN make\nFROM alpine AS a\nCOPY --from=stage-0 /x /x\nFROM alpine AS b\nCOPY --from=0 /x /x\nFROM alpine AS final\nCOPY --from=stage-1 /x /x\n",
	"FROM alpine AS stage-1\nRUN make\nFROM alpine\nRUN make\nFROM alpine AS final\nCOPY --from=stage-1 /x /x\nRUN --mount=from=1,target=/m make\n",
}

// TestNeededMatchesBuildKit compares the stages each target needs with the
// stages dockerfile2llb builds for it, on the Dockerfiles of testdata and
// of BuildKit's parser tests, on buildKitCases, and on generated ones that mix stage names
// in both cases, duplicate names, indexes, images, ARG and $TARGETSTAGE in
// FROM, COPY --from, RUN --mount=from and ONBUILD.
func TestNeededMatchesBuildKit(t *testing.T) {
	var files []string
	for _, root := range []string{filepath.Join("..", "testdata"), corpusDir(t, "buildkit-parser")} {
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.Contains(strings.ToLower(d.Name()), "dockerfile") {
				files = append(files, p)
			}
			return nil
		})
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		compareWithBuildKit(t, f, src, Options{})
		if g, err := ParseStageGraph(src, nil); err == nil {
			for _, st := range g.Stages {
				if st.Name != "" {
					compareWithBuildKit(t, f, src, Options{Target: st.Name})
				}
			}
		}
	}

	for i, src := range buildKitCases {
		compareWithBuildKit(t, fmt.Sprintf("case %d:\n%s", i, src), []byte(src), Options{})
		for _, target := range []string{"a", "b", "final", "stage-0", "stage-1"} {
			compareWithBuildKit(t, fmt.Sprintf("case %d:\n%s", i, src), []byte(src), Options{Target: target})
		}
	}

	r := rand.New(rand.NewSource(1))
	names := []string{"a", "b", "A", "B", "base", "alpine", "x.y", "b-a", "b-default", "amd64"}
	for range 300 {
		var b strings.Builder
		if r.Intn(3) == 0 {
			b.WriteString("ARG S=a\n")
		}
		n := 1 + r.Intn(5)
		for range n {
			base := []string{"alpine", names[r.Intn(len(names))], "scratch", "${S}", "b-${TARGETSTAGE}", "$TARGETARCH"}[r.Intn(6)]
			fmt.Fprintf(&b, "FROM %s", base)
			if r.Intn(4) != 0 {
				fmt.Fprintf(&b, " AS %s", names[r.Intn(len(names))])
			}
			b.WriteString("\nRUN make\n")
			for k := r.Intn(3); k > 0; k-- {
				from := names[r.Intn(len(names))]
				if r.Intn(3) == 0 {
					from = fmt.Sprint(r.Intn(n))
				}
				fmt.Fprintf(&b, []string{"COPY --from=%s /x /x\n", "RUN --mount=from=%s,target=/m make\n", "ONBUILD COPY --from=%s /x /x\n"}[r.Intn(3)], from)
			}
		}
		var args map[string]string
		if r.Intn(2) == 0 {
			args = map[string]string{"S": names[r.Intn(len(names))]}
		}
		for _, target := range []string{"", "a", "b", "B"} {
			compareWithBuildKit(t, "\n"+b.String(), []byte(b.String()), Options{Target: target, BuildArgs: args})
		}
	}
}

// TestPlatformsMatchBuildKit compares the stages a target needs with those
// dockerfile2llb builds for a target platform and a builder (worker)
// platform: FROM lines that pick a stage by $BUILDARCH, $TARGETARCH and
// friends, with --platform given or not.
func TestPlatformsMatchBuildKit(t *testing.T) {
	dockerfiles := []string{
		"FROM alpine AS build-amd64\nRUN make\nFROM alpine AS build-arm64\nRUN make\nFROM build-$BUILDARCH AS final\nRUN true\n",
		"FROM alpine AS build-amd64\nRUN make\nFROM alpine AS build-arm64\nRUN make\nFROM alpine AS final\nCOPY --from=build-${TARGETARCH} /x /x\n",
		"ARG B=build-$BUILDARCH\nFROM alpine AS build-amd64\nRUN make\nFROM alpine AS build-arm64\nRUN make\nFROM alpine AS build-arm\nRUN make\nFROM ${B} AS final\nRUN true\n",
		"FROM alpine AS tools-linux-amd64\nRUN make\nFROM alpine AS tools-linux-arm64\nRUN make\nFROM --platform=$BUILDPLATFORM tools-${BUILDOS}-${BUILDARCH} AS build\nRUN make\nFROM scratch-${TARGETARCH}${TARGETVARIANT}\nCOPY --from=build /x /x\n",
		"FROM alpine AS arm-v7\nRUN make\nFROM alpine AS arm64-\nRUN make\nFROM alpine AS amd64-\nRUN make\nFROM ${BUILDARCH}-${BUILDVARIANT} AS final\nRUN true\n",
	}
	for i, src := range dockerfiles {
		for _, p := range [][2]string{{"", ""}, {"linux/arm64", ""}, {"linux/arm64", "linux/amd64"}, {"linux/amd64", "linux/arm64"}, {"", "linux/arm64"}, {"linux/amd64", "linux/arm/v7"}} {
			compareWithBuildKit(t, fmt.Sprintf("case %d, --platform %q, builder %q:\n%s", i, p[0], p[1], src), []byte(src), Options{Platform: p[0], BuildPlatform: p[1]})
		}
	}
}

// TestPlatformErrorsMatchBuildKit: BuildKit parses the --platform of every
// stage, built or not, and fails on one empty or that does not parse; so
// does gantry.
func TestPlatformErrorsMatchBuildKit(t *testing.T) {
	for _, src := range []string{
		"FROM alpine AS a\nFROM --platform=$NOPE alpine AS b\nFROM alpine AS c\n",
		"ARG P\nFROM alpine AS a\nFROM --platform=${P} alpine AS b\nFROM alpine AS c\n",
		"FROM alpine AS a\nFROM --platform=linux/bogus/x/y alpine AS b\nFROM alpine AS c\n",
	} {
		_, bkErr := buildKitLines([]byte(src), Options{Target: "c"})
		_, err := ParseStageGraphOptions([]byte(src), Options{Target: "c"})
		if bkErr == nil || err == nil {
			t.Errorf("%q, target c: BuildKit %v, gantry %v; want both to fail", src, bkErr, err)
		}
	}
}

// TestCheckAllMatchesBuildKit checks that CheckAll fails as BuildKit's
// check of the whole Dockerfile does (docker build --check without a
// target: every stage is built, but the ONBUILD triggers run only in the
// stages the last stage needs), and passes where it passes.
func TestCheckAllMatchesBuildKit(t *testing.T) {
	for _, src := range []string{
		// a trigger's error in a stage the last stage does not need
		"FROM alpine AS base\nONBUILD RUN --mount=type=bogus true\nFROM base AS child\nFROM alpine\n",
		"FROM alpine AS base\nONBUILD COPY --from=9 /x /x\nFROM base AS child\nFROM alpine\n",
		"FROM alpine AS base\nONBUILD COPY --from=later /x /x\nFROM base AS child\nFROM alpine AS later\nFROM alpine\n",
		// and in one it needs
		"FROM alpine AS base\nONBUILD RUN --mount=type=bogus true\nFROM base AS child\nFROM child\n",
		"FROM alpine AS base\nONBUILD COPY --from=9 /x /x\nFROM base AS child\nFROM child\n",
		"FROM alpine AS base\nONBUILD COPY --from=later /x /x\nFROM base AS child\nFROM alpine AS later\nCOPY --from=child /x /x\n",
		// a stage's own errors fail whatever needs it
		"FROM alpine AS base\nONBUILD RUN true\nFROM base AS child\nRUN --mount=type=bogus true\nFROM alpine\n",
		"FROM alpine AS a\nCOPY --from=b /x /x\nFROM a AS b\nFROM alpine\n",
	} {
		opt := dockerfile2llb.ConvertOpt{MetaResolver: anyImage{}, AllStages: true}
		opt.SourceMap = llb.NewSourceMap(nil, "Dockerfile", "", []byte(src))
		_, bkErr := dockerfile2llb.Dockerfile2LLB(context.Background(), []byte(src), opt)
		g, err := ParseStageGraphOptions([]byte(src), Options{Lenient: true})
		if err != nil {
			t.Errorf("%q: %v", src, err)
			continue
		}
		if err := g.CheckAll(); (err == nil) != (bkErr == nil) {
			t.Errorf("%q: CheckAll = %v, BuildKit's check: %v", src, err, bkErr)
		}
	}
}
