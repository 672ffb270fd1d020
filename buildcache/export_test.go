package buildcache

// CheckLocalEntry is checkLocalEntry of a per-stage entry, for the external tests.
func CheckLocalEntry(dir string) string { return checkLocalEntry(stageEntry(dir)) }
