package phantom

import (
	"math"
	"math/rand/v2"
)

// A scene is a 2-D slice through a synthetic body in millimetres (x towards the image
// right, which is the patient's left as in radiological display; y towards the image
// bottom: posterior in axial views, inferior in coronal views), drawn as a stack of
// shapes: later shapes cover earlier ones, as organs lie in fat inside the body wall.
type scene struct {
	shapes []shape
	p      *palette
}

const (
	blobKind = iota
	capsuleKind
)

// shape is a filled region of one tissue: an ellipse whose radius is perturbed by a few
// angular harmonics (a "blob", for organs) or a capsule (a thick segment, for bones,
// vessels and muscles).
type shape struct {
	kind  uint8
	organ int8    // the class whose organ this shape draws, or -1
	hu    float32 // mean Hounsfield units
	tex   float32 // HU amplitude of the smooth texture field
	grain float32 // HU amplitude of the fine texture field

	// blob
	cx, cy, cos, sin, iax, iay float64
	h                          [4]float64 // cos 2t, sin 2t, cos 3t, sin 3t radius terms
	rmin2, rmax2               float64

	// capsule
	x0, y0, dx, dy, invLen2, r2 float64

	// optional half-plane: only points with nx*x + ny*y <= c belong to the shape
	cut        bool
	nx, ny, nc float64

	minX, minY, maxX, maxY float64
}

func (s *shape) contains(x, y float64) bool {
	if x < s.minX || x > s.maxX || y < s.minY || y > s.maxY {
		return false
	}
	if s.cut && s.nx*x+s.ny*y > s.nc {
		return false
	}
	if s.kind == capsuleKind {
		px, py := x-s.x0, y-s.y0
		t := (px*s.dx + py*s.dy) * s.invLen2
		t = min(1, max(0, t))
		qx, qy := px-t*s.dx, py-t*s.dy
		return qx*qx+qy*qy <= s.r2
	}
	dx, dy := x-s.cx, y-s.cy
	u := (dx*s.cos + dy*s.sin) * s.iax
	v := (-dx*s.sin + dy*s.cos) * s.iay
	r2 := u*u + v*v
	if r2 <= s.rmin2 {
		return true
	}
	if r2 > s.rmax2 {
		return false
	}
	r := math.Sqrt(r2)
	c, sn := u/r, v/r
	c2, s2 := c*c-sn*sn, 2*c*sn
	c3, s3 := c*c2-sn*s2, sn*c2+c*s2
	return r <= 1+s.h[0]*c2+s.h[1]*s2+s.h[2]*c3+s.h[3]*s3
}

// tissue gives a shape's intensity and texture.
type tissue struct{ hu, tex, grain float64 }

// blob adds an ellipse centred at (cx, cy) with semi-axes ax, ay, rotated by rot degrees,
// its outline perturbed by harmonics of relative size irr.
func (sc *scene) blob(rng *rand.Rand, organ int, cx, cy, ax, ay, rot, irr float64, t tissue) *shape {
	s := shape{kind: blobKind, organ: int8(organ), hu: float32(t.hu), tex: float32(t.tex), grain: float32(t.grain),
		cx: cx, cy: cy, iax: 1 / ax, iay: 1 / ay}
	a := rot * math.Pi / 180
	s.cos, s.sin = math.Cos(a), math.Sin(a)
	sum := 0.0
	if irr > 0 {
		for k := range s.h {
			s.h[k] = irr * rng.NormFloat64() / float64(k/2+1)
			sum += math.Abs(s.h[k])
		}
		if sum > 0.45 { // keep the outline star-shaped and the organ recognisable
			for k := range s.h {
				s.h[k] *= 0.45 / sum
			}
			sum = 0.45
		}
	}
	s.rmin2, s.rmax2 = (1-sum)*(1-sum), (1+sum)*(1+sum)
	// The bounding box from the outline itself, sampled finely.
	s.minX, s.minY, s.maxX, s.maxY = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, cs := range outline {
		c, sn := cs[0], cs[1]
		c2, s2 := c*c-sn*sn, 2*c*sn
		c3, s3 := c*c2-sn*s2, sn*c2+c*s2
		r := 1 + s.h[0]*c2 + s.h[1]*s2 + s.h[2]*c3 + s.h[3]*s3
		lx, ly := r*c*ax, r*sn*ay
		x, y := cx+lx*s.cos-ly*s.sin, cy+lx*s.sin+ly*s.cos
		s.minX, s.maxX = min(s.minX, x), max(s.maxX, x)
		s.minY, s.maxY = min(s.minY, y), max(s.maxY, y)
	}
	pad := 0.02 * max(ax, ay) * (1 + sum)
	s.minX, s.minY, s.maxX, s.maxY = s.minX-pad, s.minY-pad, s.maxX+pad, s.maxY+pad
	sc.shapes = append(sc.shapes, s)
	return &sc.shapes[len(sc.shapes)-1]
}

// outline holds the cosines and sines of 72 directions, for blob bounding boxes.
var outline = func() (t [72][2]float64) {
	for i := range t {
		th := float64(i) * math.Pi / 36
		t[i] = [2]float64{math.Cos(th), math.Sin(th)}
	}
	return t
}()

// capsule adds the set of points within r of the segment (x0,y0)-(x1,y1).
func (sc *scene) capsule(organ int, x0, y0, x1, y1, r float64, t tissue) *shape {
	s := shape{kind: capsuleKind, organ: int8(organ), hu: float32(t.hu), tex: float32(t.tex), grain: float32(t.grain),
		x0: x0, y0: y0, dx: x1 - x0, dy: y1 - y0, r2: r * r}
	if l2 := s.dx*s.dx + s.dy*s.dy; l2 > 0 {
		s.invLen2 = 1 / l2
	}
	s.minX, s.maxX = min(x0, x1)-r, max(x0, x1)+r
	s.minY, s.maxY = min(y0, y1)-r, max(y0, y1)+r
	sc.shapes = append(sc.shapes, s)
	return &sc.shapes[len(sc.shapes)-1]
}

// keep restricts s to the half-plane nx*x + ny*y <= c.
func (s *shape) keep(nx, ny, c float64) {
	s.cut, s.nx, s.ny, s.nc = true, nx, ny, c
}

// bounds returns the bounding box of every shape drawn for organ.
func (sc *scene) bounds(organ int) (x0, y0, x1, y1 float64, ok bool) {
	x0, y0, x1, y1 = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for i := range sc.shapes {
		s := &sc.shapes[i]
		if int(s.organ) != organ {
			continue
		}
		ok = true
		x0, y0 = min(x0, s.minX), min(y0, s.minY)
		x1, y1 = max(x1, s.maxX), max(y1, s.maxY)
	}
	return
}

// crop maps the 28x28 output grid onto a rotated rectangle of the scene.
type crop struct {
	cx, cy, hw, hh, cos, sin float64
}

func (c crop) world(u, v float64) (float64, float64) {
	x, y := u*c.hw, v*c.hh
	return c.cx + x*c.cos - y*c.sin, c.cy + x*c.sin + y*c.cos
}

// render draws the cropped scene into hu (Size*Size Hounsfield units), averaging a 2x2
// grid of samples per pixel (partial volume), with texture fields coarse and fine.
func (sc *scene) render(c crop, coarse, fine, hu []float32) {
	// Only shapes that reach into the crop can be hit.
	var x0, y0, x1, y1 = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, uv := range [4][2]float64{{-1, -1}, {1, -1}, {-1, 1}, {1, 1}} {
		x, y := c.world(uv[0], uv[1])
		x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
	}
	active := make([]*shape, 0, len(sc.shapes))
	for i := range sc.shapes {
		s := &sc.shapes[i]
		if s.maxX >= x0 && s.minX <= x1 && s.maxY >= y0 && s.minY <= y1 {
			active = append(active, s)
		}
	}
	const n = Size
	row := make([]*shape, 0, len(active))
	for i := range n {
		// Cull again per row of pixels: most shapes are small.
		v0, v1 := float64(i)*(2.0/n)-1, float64(i+1)*(2.0/n)-1
		x0, y0, x1, y1 = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		for _, uv := range [4][2]float64{{-1, v0}, {1, v0}, {-1, v1}, {1, v1}} {
			x, y := c.world(uv[0], uv[1])
			x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
		}
		row = row[:0]
		for _, s := range active {
			if s.maxX >= x0 && s.minX <= x1 && s.maxY >= y0 && s.minY <= y1 {
				row = append(row, s)
			}
		}
		for j := range n {
			p := i*n + j
			var sum float32
			for _, sub := range [4][2]float64{{0.25, 0.25}, {0.75, 0.25}, {0.25, 0.75}, {0.75, 0.75}} {
				u := (float64(j)+sub[0])*(2.0/n) - 1
				v := (float64(i)+sub[1])*(2.0/n) - 1
				x, y := c.world(u, v)
				val := float32(airHU)
				for k := len(row) - 1; k >= 0; k-- {
					s := row[k]
					if s.contains(x, y) {
						val = s.hu + s.tex*coarse[p] + s.grain*fine[p]
						break
					}
				}
				sum += val
			}
			hu[p] = sum / 4
		}
	}
}

// airHU is the value outside the body.
const airHU = -1000

// noiseField fills f (Size*Size) with smooth zero-mean, unit-variance noise: normal
// values on a g x g grid, interpolated with a smoothstep.
func noiseField(rng *rand.Rand, g int, f []float32) {
	grid := make([]float64, (g+1)*(g+1))
	for i := range grid {
		grid[i] = rng.NormFloat64()
	}
	for i := range Size {
		fy := float64(i) * float64(g) / Size
		iy := int(fy)
		ty := smooth(fy - float64(iy))
		for j := range Size {
			fx := float64(j) * float64(g) / Size
			ix := int(fx)
			tx := smooth(fx - float64(ix))
			a := grid[iy*(g+1)+ix]*(1-tx) + grid[iy*(g+1)+ix+1]*tx
			b := grid[(iy+1)*(g+1)+ix]*(1-tx) + grid[(iy+1)*(g+1)+ix+1]*tx
			// Bilinear blending of independent values shrinks the variance; 1.5 restores
			// it roughly.
			f[i*Size+j] = float32(1.5 * (a*(1-ty) + b*ty))
		}
	}
}

func smooth(t float64) float64 { return t * t * (3 - 2*t) }
