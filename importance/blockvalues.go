package importance

// A coalition's vector takes each modality's block from the explained case or from a
// background case. When the head's first layer is linear (fusion.DenseHead), its
// pre-activation is the sum of the blocks' shares, W_k z_k, so those shares are
// computed once per case and per background case, and each coalition vector costs a
// sum of short rows and the rest of the head. For the paper's head (40-100-50-10-2) that
// skips the first layer's 4,000 multiply-adds of about 9,500 per vector, and building
// the vector.

// blockHead is a head whose first layer can be evaluated by blocks of fusion features
// and whose rest runs from a pre-activation (fusion.DenseHead).
type blockHead interface {
	// Hidden is the length of a pre-activation row.
	Hidden() int
	// FirstLayerBlock sets a (n x Hidden) to the share of the features [start, end) of
	// each row of z (n x Dim) in the first layer's pre-activation, without the bias.
	FirstLayerBlock(z []float32, n, start, end int, a []float32)
	// FirstLayerBias returns the first layer's bias (Hidden values).
	FirstLayerBias() []float32
	// PreWork is the length of LogitPre's work buffer.
	PreWork() int
	// LogitPre sets s[i] to the log-odds of the head's class for the vector whose
	// pre-activation (bias included) is row i of a (n x Hidden), overwriting a; work
	// holds PreWork values.
	LogitPre(a []float32, n int, s, work []float32)
}

// blockRowsPerCall is about how many coalition rows blockValues builds per LogitPre
// call: few enough that they stay in cache between being built and being read.
const blockRowsPerCall = 512

// maxAbsentSums bounds the float32s of blockValues.absent (8 MiB).
const maxAbsentSums = 1 << 21

// blockValues evaluates the log-odds of coalitions from the blocks' shares of the first
// layer: the background cases' shares are computed once, the explained case's per call.
type blockValues struct {
	h       blockHead
	hid     int
	players []Modality
	rest    []Modality // the features in no player: they keep the case's values
	nb      int
	bias    []float32
	bgPre   []float32 // nb x len(players) x hid: each background case's share per player
	// absent, when not nil, holds for each set of players a (bit i: player i) and each
	// background case the bias plus the background case's shares of the players in a:
	// 2^m x nb x hid, so that a coalition's row is the explained case's part plus one row
	// of it.
	absent  []float32
	xPre    []float32 // len(players) x hid: the case's share per player
	restPre []float32 // hid: the case's share of the features in no player
	part    []float32 // hid: scratch for restPre
	xs      []float32 // hid: the case's part of one coalition's pre-activation
	rows    []float32 // pre-activations of one Head call
	s       []float32 // their log-odds
	work    []float32 // LogitPre's
	// empty is the value of the empty coalition, the same for every case when every
	// feature belongs to a player (rest is empty); haveEmpty says it is known.
	empty     float64
	emptyEach []float64 // and each background case's value of it
	haveEmpty bool
}

// newBlockValues returns the coalition evaluator of h over the players against the nb
// background rows bg (nb x dim), or nil when h cannot be evaluated by blocks.
func newBlockValues(h LogitHead, players []Modality, bg []float32, nb int) *blockValues {
	bh, ok := h.(blockHead)
	if !ok || nb == 0 {
		return nil
	}
	dim, hid, m := h.Dim(), bh.Hidden(), len(players)
	b := &blockValues{h: bh, hid: hid, players: players, nb: nb, bias: bh.FirstLayerBias(),
		bgPre: make([]float32, nb*m*hid), xPre: make([]float32, m*hid),
		restPre: make([]float32, hid), part: make([]float32, hid), xs: make([]float32, hid),
		work: make([]float32, bh.PreWork())}
	owned := make([]bool, dim)
	for _, p := range players {
		for j := p.Start; j < p.End; j++ {
			owned[j] = true
		}
	}
	for j := 0; j < dim; {
		if owned[j] {
			j++
			continue
		}
		k := j
		for k < dim && !owned[k] {
			k++
		}
		b.rest = append(b.rest, Modality{Start: j, End: k})
		j = k
	}
	share := make([]float32, nb*hid)
	for i, p := range players {
		bh.FirstLayerBlock(bg, nb, p.Start, p.End, share)
		for r := range nb {
			copy(b.bgPre[(r*m+i)*hid:(r*m+i+1)*hid], share[r*hid:(r+1)*hid])
		}
	}
	if sets := 1 << m; nb*sets*hid <= maxAbsentSums {
		b.absent = make([]float32, sets*nb*hid)
		for r := range nb {
			pre := b.bgPre[r*m*hid : (r+1)*m*hid]
			for a := range sets {
				row := b.absent[(a*nb+r)*hid : (a*nb+r+1)*hid]
				copy(row, b.bias)
				for i := range m {
					if a&(1<<i) != 0 {
						add(row, pre[i*hid:(i+1)*hid])
					}
				}
			}
		}
	}
	return b
}

// values sets v[k] to the mean log-odds over the background of coalition masks[k] for
// case x, as valuer.values does with rows built feature by feature, and, when each is not
// nil, each[k*nb+r] to its log-odds with background case r.
func (b *blockValues) values(x []float32, masks []uint64, v, each []float64) {
	m, hid, nb := len(b.players), b.hid, b.nb
	full := uint64(1)<<m - 1
	for i, p := range b.players {
		b.h.FirstLayerBlock(x, 1, p.Start, p.End, b.xPre[i*hid:(i+1)*hid])
	}
	clear(b.restPre)
	for _, r := range b.rest {
		b.h.FirstLayerBlock(x, 1, r.Start, r.End, b.part)
		add(b.restPre, b.part)
	}
	noRest := len(b.rest) == 0
	per := min(len(masks), max(1, blockRowsPerCall/nb)) // masks per LogitPre call
	if len(b.s) < per*nb {
		b.rows = make([]float32, per*nb*hid)
		b.s = make([]float32, per*nb)
	}
	todo := make([]int, 0, per) // the positions in masks of one call's coalitions
	for lo := 0; lo < len(masks); {
		todo = todo[:0]
		for ; lo < len(masks) && len(todo) < per; lo++ {
			if masks[lo] == 0 && noRest && b.haveEmpty {
				v[lo] = b.empty
				if each != nil {
					copy(each[lo*nb:(lo+1)*nb], b.emptyEach)
				}
				continue
			}
			todo = append(todo, lo)
		}
		r := 0
		for _, k := range todo {
			mask := masks[k]
			// The case's part, the same for every background case.
			xs := b.xs
			copy(xs, b.restPre)
			for i := range m {
				if mask&(1<<i) != 0 {
					add(xs, b.xPre[i*hid:(i+1)*hid])
				}
			}
			a := int(full &^ mask)
			for bi := range nb {
				row := b.rows[(r+bi)*hid : (r+bi+1)*hid]
				if b.absent != nil {
					addTo(row, xs, b.absent[(a*nb+bi)*hid:(a*nb+bi+1)*hid])
					continue
				}
				addTo(row, xs, b.bias)
				pre := b.bgPre[bi*m*hid : (bi+1)*m*hid]
				for i := range m {
					if a&(1<<i) != 0 {
						add(row, pre[i*hid:(i+1)*hid])
					}
				}
			}
			r += nb
		}
		b.h.LogitPre(b.rows[:r*hid], r, b.s[:r], b.work)
		for t, k := range todo {
			var s float64
			for r, q := range b.s[t*nb : (t+1)*nb] {
				s += float64(q)
				if each != nil {
					each[k*nb+r] = float64(q)
				}
			}
			v[k] = s / float64(nb)
			if masks[k] == 0 && noRest {
				b.empty, b.haveEmpty = v[k], true
				b.emptyEach = make([]float64, nb)
				for r, q := range b.s[t*nb : (t+1)*nb] {
					b.emptyEach[r] = float64(q)
				}
			}
		}
	}
}

// add sets dst += src, element by element.
func add(dst, src []float32) {
	src = src[:len(dst)]
	for j, w := range src {
		dst[j] += w
	}
}

// addTo sets dst = a + b, element by element.
func addTo(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for j := range dst {
		dst[j] = a[j] + b[j]
	}
}
