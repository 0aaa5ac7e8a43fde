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

// scratch is a reusable float32 buffer; pools of them, one per power-of-two size class,
// keep ops allocation-free in the steady state.
type scratch struct{ buf []float32 }

var scratchPools [48]sync.Pool

// getScratch returns a buffer of size elements (contents undefined).
func getScratch(size int) *scratch {
	c := bits.Len(uint(size))
	s, _ := scratchPools[c].Get().(*scratch)
	if s == nil {
		s = &scratch{buf: make([]float32, 1<<c)}
	}
	s.buf = s.buf[:size]
	return s
}

func putScratch(s *scratch) { scratchPools[bits.Len(uint(len(s.buf)))].Put(s) }

// intScratch is a reusable int buffer, pooled like scratch.
type intScratch struct{ buf []int }

var intPools [48]sync.Pool

func getInts(size int) *intScratch {
	c := bits.Len(uint(size))
	s, _ := intPools[c].Get().(*intScratch)
	if s == nil {
		s = &intScratch{buf: make([]int, 1<<c)}
	}
	s.buf = s.buf[:size]
	return s
}

func putInts(s *intScratch) { intPools[bits.Len(uint(len(s.buf)))].Put(s) }
