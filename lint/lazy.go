package lint

// lazy is a value worked out on its first use, by one goroutine: unlike
// sync.OnceValue it allocates nothing when it stays on the stack.
type lazy[T any] struct {
	get  func() T
	v    T
	done bool
}

// value returns the value, working it out on the first call.
func (l *lazy[T]) value() T {
	if !l.done {
		l.v, l.done = l.get(), true
	}
	return l.v
}
