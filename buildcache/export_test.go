package buildcache

// CheckLocalEntry is checkLocalEntry for the external tests.
var CheckLocalEntry = checkLocalEntry
