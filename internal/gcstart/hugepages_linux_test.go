package gcstart

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// TestMain runs hugePagesChild instead of the tests in the process that
// TestHugePagesInFreshProcess starts.
func TestMain(m *testing.M) {
	if os.Getenv("GCSTART_HUGEPAGES_CHILD") == "1" {
		if err := hugePagesChild(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println("child ok")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestHugePagesInFreshProcess runs hugePagesChild in a process of its own,
// whose heap no test has used.
func TestHugePagesInFreshProcess(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "GCSTART_HUGEPAGES_CHILD=1", "GOGC=", "GOMEMLIMIT=", "GODEBUG=")
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "child ok" {
		t.Fatalf("in a fresh process: %v\n%s", err, out)
	}
}

// hugePagesChild checks that hugePages leaves its buffer unwritten and
// unreachable, the advice on its range (VmFlags "hg" in /proc/self/smaps)
// when the kernel gives huge pages on request, and that a second call
// advises nothing.
func hugePagesChild() error {
	const n = 256 << 20
	// written memory freed at the top of the heap, where the buffer goes:
	// a buffer that is zeroed there is zeroed in full
	garbage := make([]byte, 16<<20)
	for i := range garbage {
		garbage[i] = 1
	}
	garbage = nil
	runtime.GC()
	before, err := minorFaults()
	if err != nil {
		return err
	}
	addr := hugePages(n)
	after, err := minorFaults()
	if err != nil {
		return err
	}
	if raceEnabled || !kernelAllowsHugePages() {
		if addr != 0 {
			return fmt.Errorf("hugePages advised a range with the race detector or a kernel that does not give huge pages on request")
		}
		return nil
	}
	if addr == 0 {
		return fmt.Errorf("hugePages advised nothing in a fresh process")
	}
	// writing the buffer would have taken 65,536 faults
	if faults := after - before; faults > 2000 {
		return fmt.Errorf("hugePages took %d page faults: the buffer was written", faults)
	}
	// the objects the heap holds now, not the last mark's live heap
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if held := s[0].Value.Uint64(); held > n/2 {
		return fmt.Errorf("the heap holds %d MiB after hugePages: the buffer was not freed", held>>20)
	}
	if hugePages(n) != 0 {
		return fmt.Errorf("a second hugePages advised a range")
	}
	flags, err := vmFlags(addr)
	if err != nil {
		return err
	}
	if !slices.Contains(flags, "hg") {
		return fmt.Errorf("the advised range has VmFlags %v, want hg among them", flags)
	}
	return nil
}

// minorFaults is the process's count of minor page faults so far.
func minorFaults() (int64, error) {
	var ru syscall.Rusage
	err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return int64(ru.Minflt), err
}

// vmFlags returns the VmFlags of the mapping that holds the address.
func vmFlags(addr uintptr) ([]string, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		var lo, hi uintptr
		if n, _ := fmt.Sscanf(line, "%x-%x ", &lo, &hi); n == 2 {
			in = lo <= addr && addr < hi
			continue
		}
		if rest, ok := strings.CutPrefix(line, "VmFlags:"); ok && in {
			return strings.Fields(rest), nil
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("no mapping holds %#x", addr)
}
