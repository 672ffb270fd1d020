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
	"testing"

	"golang.org/x/sys/unix"
)

// TestMain runs hugePagesChild instead of the tests in the process that
// TestHugePagesInFreshProcess starts.
func TestMain(m *testing.M) {
	if mode := os.Getenv("GCSTART_HUGEPAGES_CHILD"); mode != "" {
		if err := hugePagesChild(mode == "limited"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println("child ok")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestHugePagesInFreshProcess runs hugePagesChild in a process of its own,
// whose heap no test has used, and again in one that sets itself an
// RLIMIT_DATA limit, with which it must advise nothing.
func TestHugePagesInFreshProcess(t *testing.T) {
	for _, limited := range []bool{false, true} {
		mode := "1"
		if limited {
			mode = "limited"
		}
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "GCSTART_HUGEPAGES_CHILD="+mode, "GOGC=", "GOMEMLIMIT=", "GODEBUG=")
		out, err := cmd.CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "child ok" {
			t.Fatalf("in a fresh process (limited: %v): %v\n%s", limited, err, out)
		}
	}
}

// hugePagesChild checks that hugePages leaves its buffer unwritten and
// unreachable, the advice on its range (VmFlags "hg" in /proc/self/smaps)
// when the kernel gives huge pages on request, and that a second call
// advises nothing; or, limited, that it advises nothing at all.
func hugePagesChild(limited bool) error {
	const n = 256 << 20
	if limited {
		// a soft limit far above what the process uses
		var lim unix.Rlimit
		if err := unix.Getrlimit(unix.RLIMIT_DATA, &lim); err != nil {
			return err
		}
		lim.Cur = 8 << 30
		if err := unix.Setrlimit(unix.RLIMIT_DATA, &lim); err != nil {
			return err
		}
	}
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
	if raceEnabled || limited || !systemAllowsHugePages() {
		if addr != 0 {
			return fmt.Errorf("hugePages advised a range with the race detector, an address-space limit or a kernel that does not give huge pages on request")
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
	var ru unix.Rusage
	err := unix.Getrusage(unix.RUSAGE_SELF, &ru)
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
