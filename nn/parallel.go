package nn

import (
	"math/bits"
	"runtime"
	"sync"
)

// parallelFor splits [0, n) into at most GOMAXPROCS contiguous chunks and runs
// fn(worker, lo, hi) for each, the first on the calling goroutine. worker numbers the
// chunks from 0, so fn may index per-worker scratch with it.
func parallelFor(n int, fn func(worker, lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		if n > 0 {
			fn(0, 0, n)
		}
		return
	}
	var wg sync.WaitGroup
	wg.Add(workers - 1)
	for w := 1; w < workers; w++ {
		go func() {
			defer wg.Done()
			fn(w, w*n/workers, (w+1)*n/workers)
		}()
	}
	fn(0, 0, n/workers)
	wg.Wait()
}

// numWorkers is the number of chunks parallelFor uses for n items.
func numWorkers(n int) int { return max(1, min(runtime.GOMAXPROCS(0), n)) }

// scratch is a reusable float32 buffer; free lists of them, one per power-of-two size
// class, keep ops allocation-free in the steady state.
type scratch struct{ buf []float32 }

// freeLists holds buffers between uses, per size class. Unlike a sync.Pool, which the
// garbage collector empties, it keeps them across collections: in the browser a
// collection runs between most user actions (the page's rendering allocates), and a
// sync.Pool then made the next explanation allocate and clear its scratch again
// (BENCHMARKS.md, "Issue 16: the full explanation"). A list only grows when every
// buffer of its class is in use, so it holds at most the most buffers of that class
// ever used at once.
type freeLists[T any] struct {
	mu   sync.Mutex
	free [48][]*T
}

// get pops a buffer of class c, or returns nil when the list is empty.
func (f *freeLists[T]) get(c int) *T {
	f.mu.Lock()
	defer f.mu.Unlock()
	l := f.free[c]
	if len(l) == 0 {
		return nil
	}
	s := l[len(l)-1]
	l[len(l)-1] = nil
	f.free[c] = l[:len(l)-1]
	return s
}

// put pushes a buffer of class c.
func (f *freeLists[T]) put(c int, s *T) {
	f.mu.Lock()
	f.free[c] = append(f.free[c], s)
	f.mu.Unlock()
}

var scratchFree freeLists[scratch]

// getScratch returns a buffer of size elements (contents undefined).
func getScratch(size int) *scratch {
	c := bits.Len(uint(size))
	s := scratchFree.get(c)
	if s == nil {
		s = &scratch{buf: make([]float32, 1<<c)}
	}
	s.buf = s.buf[:size]
	return s
}

func putScratch(s *scratch) { scratchFree.put(bits.Len(uint(len(s.buf))), s) }

// intScratch is a reusable int buffer, kept like scratch.
type intScratch struct{ buf []int }

var intFree freeLists[intScratch]

func getInts(size int) *intScratch {
	c := bits.Len(uint(size))
	s := intFree.get(c)
	if s == nil {
		s = &intScratch{buf: make([]int, 1<<c)}
	}
	s.buf = s.buf[:size]
	return s
}

func putInts(s *intScratch) { intFree.put(bits.Len(uint(len(s.buf))), s) }
