package site

import (
	"errors"
	"time"

	"github.com/fusionlens/fusionlens/engine"
)

// Long computations (the reference cohort, explanations Explain left pending, the
// ground-truth check) run as jobs, one after another, on one worker goroutine. A job's
// work runs without the render lock and calls its Pace between slices of a few
// milliseconds; the pace takes the lock briefly to show progress, then sleeps a moment,
// which in js/wasm hands the page's only thread back to the browser to draw and to run
// event handlers. The worker never holds a lock while it sleeps: an event handler that
// waited for one would stall the browser's event loop, and with it the timer that wakes
// the worker.

// job is one long computation.
type job struct {
	key  string                  // jobs with the same key replace each other while queued
	gen  int                     // the engine generation the job belongs to
	run  func(engine.Pace) error // the work, without the lock
	done func(err error)         // applies the result, with the lock held; not called for a stale job
	ms   func(ms float64)        // when set, told how long run took
	// details marks work the page starts on its own for the explanation on screen
	// (intervals, interactions): what the user asked for (the ground-truth check, a
	// pending explanation) goes ahead of it in the queue.
	details bool
}

// errStale stops the work of a job whose model is no longer the page's.
var errStale = errors.New("the model changed")

// paceEvery is the least time between two re-renders of progress.
const paceEvery = 100 * time.Millisecond

// enqueue adds a job for the current engine, replacing a queued one with the same key.
// With no event environment (native tests) the jobs run at once.
func (s *State) enqueue(j job) {
	j.gen = s.gen
	s.jobs = queueJob(s.jobs, j)
	if s.env == nil {
		s.drain()
		return
	}
	if !s.working {
		s.working = true
		go s.worker()
	}
}

// queueJob returns the queue with j in it: in place of a queued job with the same key,
// else before the first details job when j is not one, else at the end.
func queueJob(q []job, j job) []job {
	for i := range q {
		if q[i].key == j.key {
			q[i] = j
			return q
		}
	}
	at := len(q)
	if !j.details {
		for i := range q {
			if q[i].details {
				at = i
				break
			}
		}
	}
	return append(q[:at], append([]job{j}, q[at:]...)...)
}

// drain runs the queued jobs synchronously (native tests); nested calls leave the work
// to the outer one.
func (s *State) drain() {
	if s.draining {
		return
	}
	s.draining = true
	defer func() { s.draining = false }()
	for len(s.jobs) > 0 {
		j := s.jobs[0]
		s.jobs = s.jobs[1:]
		s.WorkKey = j.key
		t0 := s.now()
		err := safely(j.key, func() error {
			return j.run(func(p engine.Progress) error {
				s.Work = p
				if j.gen != s.gen {
					return errStale
				}
				return nil
			})
		})
		s.WorkKey, s.Work = "", engine.Progress{}
		if j.gen != s.gen {
			continue
		}
		if j.ms != nil {
			j.ms(s.now() - t0)
		}
		if perr := safely(j.key, func() error { j.done(err); return nil }); perr != nil {
			s.ResultErr = perr.Error()
		}
	}
}

// worker runs the queue in the browser until it is empty.
func (s *State) worker() {
	ee := s.env
	for {
		// Let the browser paint what the event that queued the job changed before the
		// job's own render (its progress) runs: Vugu renders at once when asked, so the
		// render below would otherwise come between the change and its paint (the first
		// explanation after a click waited for it).
		afterPaint()
		ee.Lock()
		if len(s.jobs) == 0 {
			s.working = false
			s.WorkKey, s.Work = "", engine.Progress{}
			ee.UnlockRender()
			return
		}
		j := s.jobs[0]
		s.jobs = s.jobs[1:]
		s.WorkKey, s.Work = j.key, engine.Progress{}
		ee.UnlockRender()
		// Wait for the browser to paint what the event that queued this job changed (a
		// keystroke's new prediction): js/wasm Go does not preempt, so a job that started
		// at once would hold the thread until its first pace, ahead of the render.
		afterPaint()

		t0 := s.now()
		err := safely(j.key, func() error { return j.run(s.browserPace(j)) })
		ms := s.now() - t0

		ee.Lock()
		if j.gen == s.gen {
			if j.ms != nil {
				j.ms(ms)
			}
			if perr := safely(j.key, func() error { j.done(err); return nil }); perr != nil {
				s.ResultErr = perr.Error()
			}
		}
		s.WorkKey, s.Work = "", engine.Progress{}
		ee.UnlockRender()
		yield()
	}
}

// browserPace shows the job's progress (re-rendering at most every paceEvery) and yields
// the thread to the browser.
func (s *State) browserPace(j job) engine.Pace {
	ee := s.env
	var last time.Time
	return func(p engine.Progress) error {
		ee.Lock()
		stale := j.gen != s.gen
		if !stale {
			s.Work = p
		}
		if now := time.Now(); now.Sub(last) >= paceEvery || p.Done == p.Total {
			last = now
			ee.UnlockRender()
		} else {
			ee.UnlockOnly()
		}
		if stale {
			return errStale
		}
		yield()
		// Foreground work (pixel saliency of the case on screen) goes first.
		for {
			ee.Lock()
			fg := s.foreground
			ee.UnlockOnly()
			if fg == 0 {
				return nil
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// yield lets the browser run: with every goroutine asleep, Go's js/wasm scheduler
// returns to the event loop until the timer fires.
func yield() { time.Sleep(time.Millisecond) }

// Busy reports whether a long computation with the given key is running or queued.
func (s *State) Busy(key string) bool {
	if s.WorkKey == key {
		return true
	}
	for _, j := range s.jobs {
		if j.key == key {
			return true
		}
	}
	return false
}

// unqueue forgets a queued job that has not started.
func (s *State) unqueue(key string) {
	for i := range s.jobs {
		if s.jobs[i].key == key {
			s.jobs = append(s.jobs[:i], s.jobs[i+1:]...)
			return
		}
	}
}

// dropJobs forgets the queued jobs (a new engine was chosen); a running one stops at its
// next pace.
func (s *State) dropJobs() {
	s.gen++
	s.jobs = nil
}
