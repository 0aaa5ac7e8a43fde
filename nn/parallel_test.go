package nn

import (
	"runtime"
	"sync"
	"testing"
)

// Scratch buffers are kept across garbage collections: a buffer put back is the one the
// next get of its size class returns, even after two collections (which empty a
// sync.Pool).
func TestScratchSurvivesGC(t *testing.T) {
	s := getScratch(1000)
	if len(s.buf) != 1000 || cap(s.buf) < 1000 {
		t.Fatalf("getScratch(1000): len %d cap %d", len(s.buf), cap(s.buf))
	}
	p := &s.buf[0]
	putScratch(s)
	runtime.GC()
	runtime.GC()
	s2 := getScratch(700) // same class as 1000 (bits.Len 10)
	if &s2.buf[0] != p || len(s2.buf) != 700 {
		t.Errorf("after two collections getScratch(700) gave a new buffer (len %d), want the one put back", len(s2.buf))
	}
	putScratch(s2)

	is := getInts(50)
	q := &is.buf[0]
	putInts(is)
	runtime.GC()
	runtime.GC()
	is2 := getInts(40)
	if &is2.buf[0] != q || len(is2.buf) != 40 {
		t.Errorf("after two collections getInts(40) gave a new buffer (len %d), want the one put back", len(is2.buf))
	}
	putInts(is2)
}

// Buffers in use at once are distinct, and the lists are safe for concurrent use.
func TestScratchConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				a, b := getScratch(300+i), getScratch(300+i)
				if &a.buf[0] == &b.buf[0] {
					t.Errorf("goroutine %d: two buffers in use share memory", g)
					return
				}
				a.buf[0], b.buf[0] = float32(g), float32(-g)
				if a.buf[0] != float32(g) {
					t.Errorf("goroutine %d: buffer changed under it", g)
					return
				}
				putScratch(a)
				putScratch(b)
			}
		}()
	}
	wg.Wait()
}
