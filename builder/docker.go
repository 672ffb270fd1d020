package builder

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// The container builder, started when no local buildkitd can run but docker
// can: the same image, privileges and state volume that buildx's
// docker-container driver uses, under gantry's own names.
const (
	// ContainerName is the container gantry starts and reuses.
	ContainerName = "gantry-buildkit"
	// ContainerVolume keeps the container's BuildKit state across restarts.
	ContainerVolume = "gantry-buildkit-state"
	// ContainerAddress reaches the daemon through `docker exec`
	// (BuildKit's docker-container connection helper).
	ContainerAddress = "docker-container://" + ContainerName
)

// ContainerImage is the moby/buildkit image of the BuildKit version gantry
// was built with.
func ContainerImage() string { return "moby/buildkit:" + BuildKitVersion() }

// ContainerRunArgs are the arguments of `docker` that create and start the
// container builder, with its garbage collection bounded by keepStorage.
func ContainerRunArgs(keepStorage string) []string {
	return []string{"run", "--detach", "--name", ContainerName, "--privileged",
		"--restart", "unless-stopped",
		"--volume", ContainerVolume + ":/var/lib/buildkit",
		ContainerImage(),
		"--oci-worker-gc", "--oci-worker-gc-keepstorage", keepStorage}
}

// dockerRunner runs the docker CLI; tests replace it.
type dockerRunner func(ctx context.Context, args ...string) (string, error)

func runDocker(ctx context.Context, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// dockerAvailable reports whether the docker CLI is on PATH and its engine
// answers.
func dockerAvailable(ctx context.Context, lookPath func(string) (string, error), docker dockerRunner) error {
	if _, err := lookPath("docker"); err != nil {
		return fmt.Errorf("docker is not on PATH")
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if out, err := docker(ctx, "version", "--format", "{{.Server.Version}}"); err != nil {
		return fmt.Errorf("the docker engine does not answer: %s", firstLine(out, err))
	}
	return nil
}

// StartContainer starts the container builder, reusing the container when
// it exists, and waits until it answers.
func StartContainer(ctx context.Context, keepStorage string) error {
	return startContainer(ctx, runDocker, keepStorage, waitContainer)
}

func startContainer(ctx context.Context, docker dockerRunner, keepStorage string, wait func(context.Context) error) error {
	if keepStorage == "" {
		keepStorage = DefaultKeepStorage
	}
	state, err := docker(ctx, "container", "inspect", "--format", "{{.State.Running}}", ContainerName)
	switch {
	case err != nil: // no such container
		if out, err := docker(ctx, ContainerRunArgs(keepStorage)...); err != nil {
			return fmt.Errorf("docker %s: %s", strings.Join(ContainerRunArgs(keepStorage), " "), firstLine(out, err))
		}
	case state != "true":
		if out, err := docker(ctx, "start", ContainerName); err != nil {
			return fmt.Errorf("docker start %s: %s", ContainerName, firstLine(out, err))
		}
	}
	return wait(ctx)
}

// waitContainer waits until the container builder answers.
func waitContainer(ctx context.Context) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		err := ping(ctx, ContainerAddress, 10*time.Second)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the %s container did not answer within 2m (docker logs %s): %v", ContainerName, ContainerName, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// StopContainer removes the container builder; its state volume stays.
func StopContainer(ctx context.Context) (bool, error) {
	if _, err := runDocker(ctx, "container", "inspect", ContainerName); err != nil {
		return false, nil
	}
	if out, err := runDocker(ctx, "rm", "--force", ContainerName); err != nil {
		return true, fmt.Errorf("docker rm --force %s: %s", ContainerName, firstLine(out, err))
	}
	return true, nil
}

func firstLine(out string, err error) string {
	if out == "" {
		return err.Error()
	}
	l, _, _ := strings.Cut(out, "\n")
	return l
}
