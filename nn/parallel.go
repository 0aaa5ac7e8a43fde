package nn

import (
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

// scratch is a reusable float32 buffer; pools of them keep ops allocation-free in the
// steady state.
type scratch struct{ buf []float32 }

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func getScratch(size int) *scratch {
	s := scratchPool.Get().(*scratch)
	if cap(s.buf) < size {
		s.buf = make([]float32, size)
	}
	s.buf = s.buf[:size]
	return s
}

func putScratch(s *scratch) { scratchPool.Put(s) }

// intScratch is a reusable int buffer.
type intScratch struct{ buf []int }

var intPool = sync.Pool{New: func() any { return new(intScratch) }}

func getInts(size int) *intScratch {
	s := intPool.Get().(*intScratch)
	if cap(s.buf) < size {
		s.buf = make([]int, size)
	}
	s.buf = s.buf[:size]
	return s
}

func putInts(s *intScratch) { intPool.Put(s) }
