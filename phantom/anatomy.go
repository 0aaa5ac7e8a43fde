package phantom

import (
	"math"
	"math/rand/v2"
)

// Class indices, as OrganAMNIST numbers them.
const (
	Bladder = iota
	FemurLeft
	FemurRight
	Heart
	KidneyLeft
	KidneyRight
	Liver
	LungLeft
	LungRight
	Pancreas
	Spleen
)

const none = -1

// palette holds the tissues of one synthetic patient and scan, in Hounsfield units.
type palette struct {
	fat, viscFat, muscle, boneCortex, cancellous, marrow, lung, lungVessel tissue
	blood, vein, myocardium, liverT, spleenT, cortexT, medullaT, sinusFat  tissue
	urine, pancreasT, bowelWall, fluid, gas, stool, csf, cartilage         tissue
	lesion                                                                 tissue
}

// newPalette picks a contrast phase and patient variation. LiTS, the source of
// OrganMNIST, is mostly portal-venous contrast CT: enhanced blood and renal cortex
// bright, liver and spleen mid-grey; arterial scans show bright arteries and a
// corticomedullary kidney; plain scans leave blood and organs at 30-60 HU.
func newPalette(rng *rand.Rand) *palette {
	p := &palette{
		fat: tissue{-100, 10, 8}, viscFat: tissue{-90, 14, 10}, muscle: tissue{50, 6, 8},
		boneCortex: tissue{700, 40, 40}, cancellous: tissue{165, 25, 30}, marrow: tissue{-10, 15, 15},
		lung: tissue{-850, 30, 25}, lungVessel: tissue{40, 15, 10}, sinusFat: tissue{-60, 15, 10},
		urine: tissue{8, 3, 6}, bowelWall: tissue{45, 8, 10}, fluid: tissue{15, 6, 8},
		gas: tissue{-950, 20, 10}, stool: tissue{-150, 80, 60}, csf: tissue{15, 4, 6}, cartilage: tissue{140, 10, 10},
	}
	switch u := rng.Float64(); {
	case u < 0.55: // portal venous
		p.blood, p.vein, p.myocardium = tissue{165, 8, 8}, tissue{135, 8, 8}, tissue{105, 6, 8}
		p.liverT, p.spleenT, p.pancreasT = tissue{105, 9, 7}, tissue{115, 6, 6}, tissue{92, 10, 28}
		p.cortexT, p.medullaT = tissue{165, 8, 8}, tissue{135, 8, 8}
		p.lesion = tissue{50, 12, 10}
	case u < 0.78: // arterial
		p.blood, p.vein, p.myocardium = tissue{260, 10, 10}, tissue{90, 8, 8}, tissue{115, 6, 8}
		p.liverT, p.spleenT, p.pancreasT = tissue{78, 8, 7}, tissue{120, 25, 12}, tissue{110, 10, 28}
		p.cortexT, p.medullaT = tissue{210, 8, 8}, tissue{85, 10, 8}
		p.lesion = tissue{uni(rng, 40, 150), 15, 10}
	default: // without contrast
		p.blood, p.vein, p.myocardium = tissue{42, 5, 8}, tissue{40, 5, 8}, tissue{45, 5, 8}
		p.liverT, p.spleenT, p.pancreasT = tissue{58, 6, 7}, tissue{48, 5, 6}, tissue{42, 8, 25}
		p.cortexT, p.medullaT = tissue{33, 5, 8}, tissue{30, 5, 8}
		p.lesion = tissue{25, 8, 8}
	}
	// Patients differ a little in every soft tissue.
	for _, t := range []*tissue{&p.fat, &p.viscFat, &p.muscle, &p.liverT, &p.spleenT, &p.pancreasT, &p.cortexT, &p.blood, &p.urine} {
		t.hu += jit(rng, 6)
	}
	return p
}

func uni(rng *rand.Rand, a, b float64) float64 { return a + (b-a)*rng.Float64() }

func jit(rng *rand.Rand, sd float64) float64 { return sd * rng.NormFloat64() }

// trunkAxial draws the body outline (subcutaneous fat), the muscle wall and the inner
// fat of an axial slice W x H mm; it returns the inner cavity's semi-axes.
func (sc *scene) trunkAxial(rng *rand.Rand, w, h, sub float64) (ax, ay float64) {
	sc.blob(rng, none, 0, 0, w/2, h/2, jit(rng, 2), 0.02, sc.p.fat)
	wall := uni(rng, 8, 14)
	sc.blob(rng, none, 0, jit(rng, 2), w/2-sub, h/2-sub*0.8, jit(rng, 2), 0.02, sc.p.muscle)
	ax, ay = w/2-sub-wall, h/2-sub*0.8-wall
	sc.blob(rng, none, 0, -2, ax, ay, 0, 0.02, sc.p.viscFat)
	return ax, ay
}

// vertebraAxial draws a vertebra with its spinal canal and posterior elements centred
// at (0, yv), and the paraspinal muscles behind it.
func (sc *scene) vertebraAxial(rng *rand.Rand, yv, k float64) {
	for _, s := range []float64{-1, 1} {
		sc.blob(rng, none, s*28*k, yv+40*k, 24*k, 19*k, s*jit(rng, 8), 0.05, sc.p.muscle)
	}
	sc.capsule(none, 0, yv+30*k, 0, yv+58*k, 5*k, sc.p.boneCortex)
	for _, s := range []float64{-1, 1} {
		sc.capsule(none, s*9*k, yv+18*k, s*6*k, yv+36*k, 4*k, sc.p.boneCortex)
		sc.capsule(none, s*12*k, yv+22*k, s*36*k, yv+20*k+jit(rng, 3), 4*k, sc.p.boneCortex)
	}
	sc.blob(rng, none, 0, yv+27*k, 8*k, 7*k, 0, 0, sc.p.csf)
	sc.blob(rng, none, 0, yv, 21*k, 18*k, jit(rng, 3), 0.03, sc.p.boneCortex)
	sc.blob(rng, none, 0, yv, 18*k, 15*k, 0, 0.03, sc.p.cancellous)
}

// ribsAxial draws rib cross-sections just inside the muscle wall (semi-axes ax, ay) at
// the given angles (degrees; 0 is the patient's left, 90 posterior).
func (sc *scene) ribsAxial(rng *rand.Rand, ax, ay float64, angles []float64, t tissue) {
	for _, a := range angles {
		th := (a + jit(rng, 3)) * math.Pi / 180
		x, y := (ax+2)*math.Cos(th), (ay+2)*math.Sin(th)
		tang := math.Atan2(ay*math.Cos(th), -ax*math.Sin(th)) * 180 / math.Pi
		sc.blob(rng, none, x, y, uni(rng, 6, 9), uni(rng, 3.5, 5), tang, 0.05, t)
	}
}

// lungVessels scatters vessel cross-sections inside an ellipse.
func (sc *scene) lungVessels(rng *rand.Rand, cx, cy, ax, ay float64, n int, hilumX float64) {
	for range n {
		r, th := math.Sqrt(rng.Float64())*0.85, rng.Float64()*2*math.Pi
		x, y := cx+r*ax*math.Cos(th), cy+r*ay*math.Sin(th)
		// Vessels are larger towards the hilum (medial).
		near := 1 - math.Min(1, math.Abs(x-hilumX)/(2*ax))
		rad := uni(rng, 1.2, 2.2) + 2.5*near*near
		sc.blob(rng, none, x, y, rad, rad*uni(rng, 0.7, 1.3), rng.Float64()*180, 0.05, sc.p.lungVessel)
	}
}

// liverLesions adds, in some patients, the focal lesions LiTS is about: round, darker
// (in the arterial phase sometimes brighter) spots inside the liver ellipse.
func (sc *scene) liverLesions(rng *rand.Rand, cx, cy, ax, ay float64) {
	if rng.Float64() > 0.4 {
		return
	}
	for range 1 + rng.IntN(3) {
		r, th := math.Sqrt(rng.Float64())*0.6, rng.Float64()*2*math.Pi
		rad := uni(rng, 0.08, 0.3) * min(ax, ay)
		sc.blob(rng, Liver, cx+r*ax*math.Cos(th), cy+r*ay*math.Sin(th), rad, rad*uni(rng, 0.8, 1.2), rng.Float64()*180, 0.12, sc.p.lesion)
	}
}

// bowelLoop draws a loop of bowel: wall, then fluid, gas (floating anteriorly when
// gravity is in the slice plane) or stool.
func (sc *scene) bowelLoop(rng *rand.Rand, x, y, r float64, gravity bool) {
	rot := rng.Float64() * 180
	ax, ay := r*uni(rng, 0.8, 1.2), r*uni(rng, 0.7, 1.1)
	sc.blob(rng, none, x, y, ax, ay, rot, 0.1, sc.p.bowelWall)
	switch c := rng.IntN(4); c {
	case 0: // collapsed: wall only, with a little fluid
		sc.blob(rng, none, x, y, ax*0.4, ay*0.4, rot, 0.1, sc.p.fluid)
	case 1:
		sc.blob(rng, none, x, y, ax-3, ay-3, rot, 0.1, sc.p.fluid)
	case 2:
		sc.blob(rng, none, x, y, ax-3, ay-3, rot, 0.1, sc.p.fluid)
		g := sc.blob(rng, none, x, y, ax-3, ay-3, rot, 0.1, sc.p.gas)
		if gravity {
			g.keep(0, 1, y-uni(rng, -0.3, 0.5)*ay)
		} else {
			g.keep(math.Cos(rot), math.Sin(rot), math.Cos(rot)*x+math.Sin(rot)*y-uni(rng, 0, 0.5)*ax)
		}
	default:
		sc.blob(rng, none, x, y, ax-3, ay-3, rot, 0.15, sc.p.stool)
	}
}

// kidney draws a kidney (cortex, medulla, sinus fat opening towards the hilum) centred
// at (x, y), long semi-axis ay, rotated by rot degrees; hilum is the unit direction of
// the hilum in the slice.
func (sc *scene) kidney(rng *rand.Rand, organ int, x, y, ax, ay, rot, hx, hy float64) {
	sc.blob(rng, none, x, y, ax+uni(rng, 2, 7), ay+uni(rng, 2, 7), rot, 0.1, tissue{-95, 10, 8}) // perirenal fat
	if rng.Float64() < 0.25 {                                                                    // a slice near a pole: no sinus, cortex and medulla only
		sc.blob(rng, organ, x, y, ax*0.85, ay*0.8, rot, 0.08, sc.p.cortexT)
		sc.blob(rng, organ, x, y, ax*0.45, ay*0.4, rot, 0.15, sc.p.medullaT)
		return
	}
	sc.blob(rng, organ, x, y, ax, ay, rot, 0.05, sc.p.cortexT)
	sc.blob(rng, organ, x+0.1*hx*ax, y+0.1*hy*ax, ax*0.62, ay*0.7, rot, 0.1, sc.p.medullaT)
	sx, sy := x+hx*ax*0.55, y+hy*ax*0.55
	sc.blob(rng, none, sx, sy, ax*0.45, ay*0.38, rot, 0.1, sc.p.sinusFat)
	sc.blob(rng, none, sx+hx*3, sy+hy*3, ax*0.2, ay*0.2, rot, 0.1, tissue{uni(rng, 10, sc.p.vein.hu), 8, 8}) // pelvis or vessel
}

// heart draws pericardial fat, myocardium and the contrast-filled chambers; (x, y) is the
// centre, rot the long axis angle in degrees.
func (sc *scene) heart(rng *rand.Rand, x, y, ax, ay, rot float64) {
	c, s := math.Cos(rot*math.Pi/180), math.Sin(rot*math.Pi/180)
	at := func(u, v float64) (float64, float64) { return x + u*ax*c - v*ay*s, y + u*ax*s + v*ay*c }
	sc.blob(rng, none, x, y, ax+uni(rng, 4, 9), ay+uni(rng, 4, 9), rot, 0.05, tissue{-80, 10, 8})
	sc.blob(rng, Heart, x, y, ax, ay, rot, 0.05, sc.p.myocardium)
	lx, ly := at(0.25, 0.1) // left ventricle
	sc.blob(rng, Heart, lx, ly, ax*0.42, ay*0.5, rot, 0.1, sc.p.blood)
	rx, ry := at(-0.38, -0.2) // right ventricle
	sc.blob(rng, Heart, rx, ry, ax*0.38, ay*0.5, rot+20, 0.1, tissue{sc.p.blood.hu - 15, 8, 8})
	ax2, ay2 := at(0.0, 0.62) // atria, posterior
	sc.blob(rng, Heart, ax2, ay2, ax*0.45, ay*0.28, rot, 0.1, tissue{sc.p.blood.hu - 10, 8, 8})
}

// boneRound draws a round bone cross-section: cortex around inner (trabecular bone or
// marrow).
func (sc *scene) boneRound(rng *rand.Rand, organ int, x, y, r float64, inner tissue) {
	sc.blob(rng, organ, x, y, r, r*uni(rng, 0.92, 1.05), rng.Float64()*180, 0.03, sc.p.boneCortex)
	sc.blob(rng, organ, x, y, r-uni(rng, 2.5, 4), r*0.95-3, rng.Float64()*180, 0.04, inner)
}

// Axial slice at the lung bases and heart.
func thoraxAxial(rng *rand.Rand) *scene {
	sc := &scene{p: newPalette(rng)}
	w, h := uni(rng, 290, 350), uni(rng, 200, 250)
	sub := uni(rng, 8, 28)
	ax, ay := sc.trunkAxial(rng, w, h, sub)
	yv := ay - uni(rng, 30, 40)
	// Lungs fill the chest; the heart sits anteriorly, left of the midline.
	for _, s := range []float64{-1, 1} {
		organ := LungLeft
		if s < 0 {
			organ = LungRight
		}
		lax, lay := ax*uni(rng, 0.36, 0.42), ay*uni(rng, 0.8, 0.9)
		lx, ly := s*(ax-lax-uni(rng, 1, 4)), jit(rng, 4)+ay*0.05
		sc.blob(rng, organ, lx, ly, lax, lay, s*jit(rng, 5)+s*8, 0.06, sc.p.lung)
		sc.lungVessels(rng, lx, ly, lax, lay, 10+rng.IntN(10), s*ax*0.15)
	}
	// Organs below the diaphragm domes reach into the lung bases.
	if rng.Float64() < 0.6 {
		sc.blob(rng, Liver, -ax*uni(rng, 0.35, 0.55), ay*uni(rng, 0.0, 0.35), uni(rng, 30, 60), uni(rng, 25, 50), jit(rng, 20), 0.08, sc.p.liverT)
	}
	if rng.Float64() < 0.35 {
		sc.blob(rng, Spleen, ax*uni(rng, 0.35, 0.55), ay*uni(rng, 0.1, 0.4), uni(rng, 20, 40), uni(rng, 20, 35), jit(rng, 20), 0.08, sc.p.spleenT)
	}
	hx, hy := ax*uni(rng, 0.02, 0.15), -ay*uni(rng, 0.05, 0.25)
	sc.heart(rng, hx, hy, ax*uni(rng, 0.36, 0.46), ay*uni(rng, 0.42, 0.55), -uni(rng, 20, 45))
	sc.blob(rng, none, uni(rng, 14, 22), yv-uni(rng, 20, 26), 11, 11, 0, 0.02, sc.p.blood) // descending aorta
	sc.blob(rng, none, jit(rng, 3), yv-uni(rng, 22, 30), 7, 6, 0, 0.1, sc.p.muscle)        // oesophagus
	sc.vertebraAxial(rng, yv, uni(rng, 0.9, 1.1))
	var angles []float64
	for a := -150.0; a <= 150; a += uni(rng, 17, 23) {
		if math.Abs(a+90) > 18 { // no ribs at the sternum
			angles = append(angles, a)
		}
	}
	sc.ribsAxial(rng, ax, ay, angles, sc.p.boneCortex)
	sc.blob(rng, none, 0, -ay-3, 14, 6, 0, 0.05, tissue{350, 30, 30}) // sternum
	return sc
}

// Axial slice through the upper abdomen: liver, stomach, spleen.
func upperAbdomenAxial(rng *rand.Rand) *scene {
	sc := &scene{p: newPalette(rng)}
	w, h := uni(rng, 290, 360), uni(rng, 200, 260)
	sub := uni(rng, 8, 35)
	ax, ay := sc.trunkAxial(rng, w, h, sub)
	yv := ay - uni(rng, 30, 40)
	if rng.Float64() < 0.6 { // posterior lung recesses
		for _, s := range []float64{-1, 1} {
			sc.blob(rng, none, s*ax*uni(rng, 0.55, 0.7), ay*uni(rng, 0.45, 0.65), uni(rng, 18, 32), uni(rng, 12, 22), s*uni(rng, 20, 50), 0.08, sc.p.lung)
		}
	}
	// Stomach on the left, anterior, with an air-fluid level.
	stx, sty := ax*uni(rng, 0.2, 0.45), -ay*uni(rng, 0.1, 0.4)
	stax, stay := uni(rng, 30, 50), uni(rng, 25, 40)
	rot := jit(rng, 30)
	sc.blob(rng, none, stx, sty, stax, stay, rot, 0.1, sc.p.bowelWall)
	sc.blob(rng, none, stx, sty, stax-4, stay-4, rot, 0.1, sc.p.fluid)
	sc.blob(rng, none, stx, sty, stax-4, stay-4, rot, 0.1, sc.p.gas).keep(0, 1, sty-uni(rng, -0.4, 0.6)*stay)
	// Spleen along the left posterolateral ribs.
	sax, say := uni(rng, 22, 32), uni(rng, 40, 60)
	th := uni(rng, 25, 55) * math.Pi / 180
	spx, spy := (ax-sax*0.9)*math.Cos(th), (ay-sax*0.9)*math.Sin(th)
	sc.blob(rng, Spleen, spx, spy, sax, say, th*180/math.Pi-90+jit(rng, 10), 0.08, sc.p.spleenT)
	if rng.Float64() < 0.5 { // upper pole of the left kidney
		sc.kidney(rng, KidneyLeft, ax*uni(rng, 0.25, 0.4), yv-uni(rng, 0, 15), uni(rng, 14, 20), uni(rng, 16, 24), 70, -1, -0.3)
	}
	// Liver fills the right side and crosses the midline anteriorly.
	lx, ly := -ax*uni(rng, 0.3, 0.42), -ay*uni(rng, -0.05, 0.1)
	lax, lay := ax*uni(rng, 0.55, 0.68), ay*uni(rng, 0.75, 0.9)
	sc.blob(rng, Liver, lx, ly, lax, lay, jit(rng, 8), 0.06, sc.p.liverT)
	sc.liverLesions(rng, lx, ly, lax, lay)
	sc.blob(rng, Liver, ax*uni(rng, -0.05, 0.15), -ay*uni(rng, 0.45, 0.6), ax*uni(rng, 0.25, 0.4), ay*uni(rng, 0.25, 0.35), uni(rng, 0, 20), 0.1, sc.p.liverT)
	for range 2 + rng.IntN(4) { // portal and hepatic veins
		a := rng.Float64() * 2 * math.Pi
		r := uni(rng, 0.2, 0.6)
		x0, y0 := lx+lax*0.2, ly
		x1, y1 := lx+r*lax*math.Cos(a), ly+r*lay*math.Sin(a)
		sc.capsule(none, x0, y0, x1, y1, uni(rng, 2, 4.5), tissue{sc.p.vein.hu + jit(rng, 12), 6, 6})
	}
	if rng.Float64() < 0.4 { // gallbladder
		sc.blob(rng, none, lx+lax*uni(rng, 0.2, 0.5), ly-lay*uni(rng, 0.3, 0.6), uni(rng, 10, 18), uni(rng, 8, 13), rng.Float64()*180, 0.05, tissue{12, 4, 5})
	}
	sc.blob(rng, none, -uni(rng, 18, 28), yv-uni(rng, 26, 34), 13, 10, 0, 0.05, sc.p.vein) // IVC
	sc.blob(rng, none, uni(rng, 5, 12), yv-uni(rng, 24, 30), 11, 11, 0, 0.02, sc.p.blood)  // aorta
	sc.vertebraAxial(rng, yv, uni(rng, 0.9, 1.1))
	var angles []float64
	for a := -170.0; a <= 170; a += uni(rng, 18, 26) {
		if math.Abs(a+90) > 35 && rng.Float64() < 0.85 {
			angles = append(angles, a)
		}
	}
	sc.ribsAxial(rng, ax, ay, angles, sc.p.boneCortex)
	return sc
}

// Axial slice at the kidneys and pancreas.
func midAbdomenAxial(rng *rand.Rand) *scene {
	sc := &scene{p: newPalette(rng)}
	w, h := uni(rng, 290, 370), uni(rng, 200, 270)
	sub := uni(rng, 8, 40)
	ax, ay := sc.trunkAxial(rng, w, h, sub)
	yv := ay - uni(rng, 30, 40)
	// Bowel loops fill the anterior abdomen; colon at both flanks.
	for range 6 + rng.IntN(7) {
		sc.bowelLoop(rng, ax*uni(rng, -0.6, 0.6), -ay*uni(rng, 0.1, 0.75), uni(rng, 10, 20), true)
	}
	for _, s := range []float64{-1, 1} {
		sc.bowelLoop(rng, s*ax*uni(rng, 0.65, 0.8), ay*uni(rng, -0.2, 0.2), uni(rng, 14, 22), true)
	}
	// Liver tip on the right, spleen tip on the left.
	sc.blob(rng, Liver, -ax*uni(rng, 0.5, 0.7), -ay*uni(rng, -0.1, 0.3), ax*uni(rng, 0.25, 0.4), ay*uni(rng, 0.35, 0.55), jit(rng, 20), 0.1, sc.p.liverT)
	if rng.Float64() < 0.7 {
		sc.blob(rng, Spleen, ax*uni(rng, 0.6, 0.75), ay*uni(rng, 0.0, 0.35), uni(rng, 15, 25), uni(rng, 25, 40), -uni(rng, 20, 50), 0.1, sc.p.spleenT)
	}
	// Psoas muscles beside the vertebra.
	for _, s := range []float64{-1, 1} {
		sc.blob(rng, none, s*uni(rng, 30, 40), yv-uni(rng, 0, 8), uni(rng, 12, 20), uni(rng, 12, 17), s*jit(rng, 10), 0.05, sc.p.muscle)
	}
	// Kidneys, hilum facing anteromedially.
	for _, s := range []float64{-1, 1} {
		organ := KidneyLeft
		if s < 0 {
			organ = KidneyRight
		}
		kx, ky := s*uni(rng, 58, 78), yv-uni(rng, -5, 12)
		ang := s * uni(rng, 25, 55)
		hth := math.Pi/2 + s*uni(rng, 100, 140)*math.Pi/180 // hilum direction
		sc.kidney(rng, organ, kx, ky, uni(rng, 20, 27), uni(rng, 27, 36), ang, math.Cos(hth), -math.Abs(math.Sin(hth)))
		// Renal vessels run from the hilum to the aorta and IVC.
		sc.capsule(none, kx-s*15, ky-6, s*18, yv-28, uni(rng, 2.5, 4), tissue{sc.p.vein.hu + jit(rng, 15), 6, 6})
	}
	// Pancreas: lobulated, from the head (right of midline) over the vessels to the tail.
	px := []float64{-uni(rng, 25, 40), -uni(rng, 0, 10), uni(rng, 20, 35), uni(rng, 45, 65)}
	py := []float64{yv - uni(rng, 45, 60), yv - uni(rng, 55, 70), yv - uni(rng, 50, 65), yv - uni(rng, 30, 50)}
	for i := range px {
		r := uni(rng, 9, 14)
		if i == 0 {
			r += 4 // the head is the thickest part
		}
		sc.blob(rng, Pancreas, px[i], py[i], r*uni(rng, 1.2, 1.6), r, jit(rng, 20)+math.Atan2(py[min(i+1, 3)]-py[max(i-1, 0)], px[min(i+1, 3)]-px[max(i-1, 0)])*180/math.Pi, 0.15, sc.p.pancreasT)
		if i > 0 {
			sc.capsule(Pancreas, px[i-1], py[i-1], px[i], py[i], r*0.8, sc.p.pancreasT)
		}
	}
	sc.capsule(none, px[1], py[1]+12, px[3], py[3]+10, 3.5, sc.p.vein) // splenic vein behind the pancreas
	sc.blob(rng, none, jit(rng, 3)+2, py[1]-2, 4, 4, 0, 0, sc.p.blood) // superior mesenteric artery
	sc.blob(rng, none, -uni(rng, 20, 28), yv-uni(rng, 26, 34), 12, 9, 0, 0.05, sc.p.vein)
	sc.blob(rng, none, uni(rng, 5, 12), yv-uni(rng, 24, 30), 10, 10, 0, 0.02, sc.p.blood)
	sc.bowelLoop(rng, px[0]-uni(rng, 12, 20), py[0]+uni(rng, -5, 10), uni(rng, 8, 12), true) // duodenum
	sc.vertebraAxial(rng, yv, uni(rng, 0.9, 1.1))
	var angles []float64
	for a := 15.0; a <= 165; a += uni(rng, 25, 40) {
		if math.Abs(a-90) > 30 && rng.Float64() < 0.6 {
			angles = append(angles, a)
		}
	}
	sc.ribsAxial(rng, ax, ay, angles, sc.p.boneCortex)
	return sc
}

// Axial slice through the pelvis at the hips.
func pelvisAxial(rng *rand.Rand) *scene {
	sc := &scene{p: newPalette(rng)}
	w, h := uni(rng, 320, 390), uni(rng, 200, 260)
	sub := uni(rng, 10, 40)
	ax, ay := sc.trunkAxial(rng, w, h, sub)
	shaft := rng.Float64() < 0.4 // below the hip joint: femoral shafts, no acetabulum
	var fx, fy [2]float64
	// Muscles first: gluteal behind, iliopsoas in front, thigh muscles round the shaft.
	for i, s := range []float64{-1, 1} {
		sc.blob(rng, none, s*ax*uni(rng, 0.5, 0.65), ay*uni(rng, 0.4, 0.6), ax*uni(rng, 0.25, 0.35), ay*uni(rng, 0.3, 0.4), s*jit(rng, 15), 0.08, sc.p.muscle)
		fx[i], fy[i] = s*ax*uni(rng, 0.5, 0.62), ay*uni(rng, -0.15, 0.1)
		sc.blob(rng, none, fx[i]-s*10, fy[i]-ay*0.35, uni(rng, 18, 26), uni(rng, 12, 18), jit(rng, 20), 0.08, sc.p.muscle)
		sc.blob(rng, none, fx[i]-s*uni(rng, 18, 28), fy[i]-ay*uni(rng, 0.45, 0.6), 5, 5, 0, 0, sc.p.blood) // femoral artery
		sc.blob(rng, none, fx[i]-s*uni(rng, 30, 40), fy[i]-ay*uni(rng, 0.45, 0.6), 7, 6, 0, 0, sc.p.vein)
		if shaft {
			sc.blob(rng, none, fx[i], fy[i], uni(rng, 35, 50), uni(rng, 35, 50), 0, 0.1, sc.p.muscle)
		} else { // obturator internus, medial to the acetabulum
			sc.blob(rng, none, fx[i]-s*uni(rng, 38, 48), fy[i]+uni(rng, -5, 10), uni(rng, 8, 12), uni(rng, 22, 32), s*jit(rng, 10), 0.08, sc.p.muscle)
		}
	}
	// Midline: rectum behind, then the bladder in its fat.
	rx, ry := jit(rng, 5), ay*uni(rng, 0.4, 0.6)
	sc.blob(rng, none, rx, ry, uni(rng, 13, 20), uni(rng, 12, 18), jit(rng, 20), 0.1, sc.p.bowelWall)
	if rng.Float64() < 0.6 {
		sc.blob(rng, none, rx, ry, uni(rng, 6, 10), uni(rng, 5, 9), 0, 0.15, sc.p.gas)
	}
	if rng.Float64() < 0.5 { // uterus or seminal vesicles
		sc.blob(rng, none, jit(rng, 6), ay*uni(rng, 0.1, 0.3), uni(rng, 18, 30), uni(rng, 10, 16), jit(rng, 15), 0.1, tissue{55, 8, 8})
	}
	bx, by := jit(rng, 8), -ay*uni(rng, 0.2, 0.4)
	bax, bay := uni(rng, 28, 60), uni(rng, 24, 45)
	if shaft {
		bax, bay = bax*0.6, bay*0.6
	}
	rot := jit(rng, 10)
	sc.blob(rng, none, bx, by, bax+uni(rng, 8, 25), bay+uni(rng, 8, 20), rot, 0.1, sc.p.viscFat) // perivesical fat
	sc.blob(rng, none, bx, by, bax+2.5, bay+2.5, rot, 0.1, sc.p.muscle)                          // bladder wall
	sc.blob(rng, Bladder, bx, by, bax, bay, rot, 0.12, sc.p.urine)
	// Bones.
	for i, s := range []float64{-1, 1} {
		organ := FemurLeft
		if s < 0 {
			organ = FemurRight
		}
		x, y := fx[i], fy[i]
		if shaft {
			r := uni(rng, 13, 18)
			sc.blob(rng, organ, x-s*r*0.7, y+r*0.5, r*0.45, r*0.4, 0, 0.1, sc.p.boneCortex) // lesser trochanter
			sc.boneRound(rng, organ, x, y, r, sc.p.marrow)
			sc.blob(rng, none, s*ax*uni(rng, 0.2, 0.3), ay*uni(rng, 0.35, 0.55), uni(rng, 12, 16), uni(rng, 14, 20), jit(rng, 20), 0.1, sc.p.boneCortex) // ischial tuberosity
			continue
		}
		r := uni(rng, 21, 27)
		// Acetabulum cups the head medially; pubic ramus in front, ischium behind.
		sc.blob(rng, none, x-s*4, y, r+uni(rng, 7, 10), r+uni(rng, 7, 12), 0, 0.05, sc.p.boneCortex).keep(s, 0, s*x+r*0.2)
		sc.blob(rng, none, x-s*4, y, r+uni(rng, 4, 6), r+uni(rng, 4, 8), 0, 0.05, sc.p.cancellous).keep(s, 0, s*x+r*0.2)
		sc.blob(rng, none, x, y, r+2.5, r+2.5, 0, 0, sc.p.cartilage).keep(s, 0, s*x+r*0.4)
		if rng.Float64() < 0.5 { // superior pubic ramus, when the slice is low enough
			sc.capsule(none, x-s*r*0.8, y-r*0.8, s*uni(rng, 12, 20), -ay*uni(rng, 0.7, 0.9), uni(rng, 4, 6), sc.p.boneCortex)
		}
		sc.blob(rng, none, x-s*r*1.2, y+r*1.1, uni(rng, 9, 13), uni(rng, 14, 20), s*uni(rng, 10, 30), 0.1, sc.p.boneCortex)
		// Neck and greater trochanter run laterally (and slightly anteriorly).
		tx, ty := x+s*uni(rng, 32, 45), y+uni(rng, -8, 12)
		sc.capsule(organ, x, y, tx, ty, uni(rng, 12, 15), sc.p.boneCortex)
		sc.blob(rng, organ, tx, ty, uni(rng, 15, 20), uni(rng, 15, 22), 0, 0.1, sc.p.boneCortex)
		sc.capsule(organ, x, y, tx, ty, uni(rng, 8, 10), sc.p.cancellous)
		sc.blob(rng, organ, tx, ty, uni(rng, 11, 14), uni(rng, 11, 16), 0, 0.1, sc.p.cancellous)
		sc.boneRound(rng, organ, x, y, r, sc.p.cancellous)
	}
	return sc
}

// Coronal slice through the trunk. depth 0 is anterior (heart, liver, stomach), 1
// middle (liver, spleen, pancreas, kidneys), 2 posterior (kidneys, spine, lungs).
func trunkCoronal(rng *rand.Rand, depth int) *scene {
	sc := &scene{p: newPalette(rng)}
	hw := uni(rng, 145, 180)
	sub := uni(rng, 8, 30)
	sc.blob(rng, none, 0, 50, hw, 700, 0, 0.005, sc.p.fat)
	wall := uni(rng, 8, 14)
	sc.blob(rng, none, 0, 50, hw-sub, 700, 0, 0.005, sc.p.muscle)
	iw := hw - sub - wall
	sc.blob(rng, none, 0, 50, iw, 700, 0, 0.005, sc.p.viscFat)
	dr := jit(rng, 12)         // top of the right diaphragm dome
	dl := dr + uni(rng, 5, 25) // the left dome sits lower
	lay := uni(rng, 110, 150)  // lung half-height
	for _, s := range []float64{-1, 1} {
		organ, top := LungLeft, dl
		if s < 0 {
			organ, top = LungRight, dr
		}
		lax := iw * uni(rng, 0.36, 0.44)
		lx, ly := s*(iw-lax-uni(rng, 1, 5)), top-lay+uni(rng, 25, 45)
		sc.blob(rng, organ, lx, ly, lax, lay, s*jit(rng, 4), 0.05, sc.p.lung)
		sc.lungVessels(rng, lx, ly, lax, lay, 10+rng.IntN(12), s*iw*0.15)
	}
	// Spine (posterior slices) with discs between the vertebral bodies.
	if depth == 2 || depth == 1 && rng.Float64() < 0.3 {
		sc.capsule(none, 0, -300, 0, 400, uni(rng, 19, 24), tissue{80, 8, 8})
		y0 := -300 + rng.Float64()*33
		for y := y0; y < 400; y += uni(rng, 31, 35) {
			sc.blob(rng, none, jit(rng, 1), y, uni(rng, 19, 24), uni(rng, 12, 14), jit(rng, 3), 0.03, sc.p.boneCortex)
			sc.blob(rng, none, jit(rng, 1), y, uni(rng, 16, 20), uni(rng, 9, 11), 0, 0.03, sc.p.cancellous)
		}
		for _, s := range []float64{-1, 1} { // psoas muscles
			sc.capsule(none, s*uni(rng, 28, 36), dr+uni(rng, 110, 140), s*uni(rng, 55, 75), dr+400, uni(rng, 14, 22), sc.p.muscle)
		}
	}
	if depth == 1 { // aorta and IVC
		sc.capsule(none, uni(rng, 8, 16), -200, uni(rng, 5, 15), 400, 11, sc.p.blood)
		sc.capsule(none, -uni(rng, 18, 26), dr+10, -uni(rng, 18, 26), 400, 12, sc.p.vein)
	}
	// Bowel below the liver and spleen.
	if depth < 2 {
		for range 8 + rng.IntN(8) {
			sc.bowelLoop(rng, iw*uni(rng, -0.7, 0.7), dr+uni(rng, 140, 330), uni(rng, 12, 22), false)
		}
	}
	// Liver under the right dome, spleen under the left.
	lax, lay := iw*uni(rng, 0.55, 0.7), uni(rng, 70, 100)
	lx := -iw + lax*uni(rng, 0.85, 1.0)
	sc.blob(rng, Liver, lx, dr-8+lay, lax, lay, uni(rng, 5, 20), 0.06, sc.p.liverT)
	sc.liverLesions(rng, lx, dr-8+lay, lax, lay)
	if depth < 2 {
		sc.blob(rng, Liver, iw*uni(rng, -0.1, 0.15), dr+uni(rng, 25, 45), iw*uni(rng, 0.25, 0.4), uni(rng, 25, 40), -uni(rng, 0, 20), 0.1, sc.p.liverT)
	}
	for range 2 + rng.IntN(3) {
		x0, y0 := lx+lax*uni(rng, 0.1, 0.4), dr+lay*uni(rng, 0.6, 1.2)
		a := rng.Float64() * 2 * math.Pi
		sc.capsule(none, x0, y0, x0+lax*0.5*math.Cos(a), y0+lay*0.5*math.Sin(a), uni(rng, 2, 4), tissue{sc.p.vein.hu + jit(rng, 12), 6, 6})
	}
	if depth > 0 {
		sax, say := uni(rng, 24, 34), uni(rng, 45, 65)
		sc.blob(rng, Spleen, iw-sax*uni(rng, 0.9, 1.3), dl-5+say*uni(rng, 0.8, 1.0), sax, say, -uni(rng, 10, 35), 0.08, sc.p.spleenT)
	}
	if depth < 2 { // stomach
		stx, sty := iw*uni(rng, 0.15, 0.4), dl+uni(rng, 30, 60)
		stax, stay := uni(rng, 30, 50), uni(rng, 30, 45)
		sc.blob(rng, none, stx, sty, stax, stay, jit(rng, 30), 0.1, sc.p.bowelWall)
		sc.blob(rng, none, stx, sty, stax-4, stay-4, 0, 0.1, sc.p.fluid)
		if rng.Float64() < 0.6 {
			sc.blob(rng, none, stx+jit(rng, 8), sty-stay*0.3, stax*0.5, stay*0.4, 0, 0.1, sc.p.gas)
		}
	}
	// Kidneys: vertical, upper poles tilted medially; the right one lower.
	if depth > 0 {
		for _, s := range []float64{-1, 1} {
			organ, top := KidneyLeft, dl+uni(rng, 75, 100)
			if s < 0 {
				organ, top = KidneyRight, dr+uni(rng, 95, 120)
			}
			k := 1.0
			if depth == 1 {
				k = uni(rng, 0.75, 0.95)
			}
			kay := uni(rng, 48, 62) * k
			sc.kidney(rng, organ, s*uni(rng, 60, 80), top+kay, uni(rng, 24, 32)*k, kay, s*uni(rng, 8, 20), -s, 0)
		}
	}
	// Pancreas, lobulated, rising from the head (right) to the tail at the splenic hilum.
	if depth == 1 || depth == 0 && rng.Float64() < 0.5 {
		hx, hy := -uni(rng, 15, 30), dr+uni(rng, 110, 140)
		tx, ty := iw*uni(rng, 0.45, 0.6), dl+uni(rng, 60, 90)
		for i := range 5 {
			t := float64(i) / 4
			x, y := hx+(tx-hx)*t, hy+(ty-hy)*t+jit(rng, 4)
			r := uni(rng, 9, 13) * (1.3 - 0.4*t)
			sc.blob(rng, Pancreas, x, y, r*1.4, r, math.Atan2(ty-hy, tx-hx)*180/math.Pi, 0.15, sc.p.pancreasT)
		}
		sc.capsule(Pancreas, hx, hy, tx, ty, uni(rng, 7, 10), sc.p.pancreasT)
	}
	// Heart on the diaphragm, left of the midline (anterior and middle slices).
	if depth == 0 || depth == 1 && rng.Float64() < 0.5 {
		hax, hay := uni(rng, 50, 68), uni(rng, 40, 52)
		sc.heart(rng, uni(rng, 5, 30), dl-hay*uni(rng, 0.7, 0.95), hax, hay, -uni(rng, 15, 35))
	}
	// Ribs cut obliquely along both flanks.
	for _, s := range []float64{-1, 1} {
		for y := -300 + rng.Float64()*25; y < dr+uni(rng, 90, 130); y += uni(rng, 20, 34) {
			if rng.Float64() < 0.8 {
				sc.blob(rng, none, s*(iw+uni(rng, 0, 6)), y, uni(rng, 5, 9), uni(rng, 3, 5), s*uni(rng, 15, 45), 0.1, tissue{uni(rng, 250, 600), 40, 40})
			}
		}
	}
	return sc
}

// Coronal slice through the hips and bladder.
func pelvisCoronal(rng *rand.Rand) *scene {
	sc := &scene{p: newPalette(rng)}
	hw := uni(rng, 160, 195)
	sub := uni(rng, 10, 35)
	tw := hw * uni(rng, 0.45, 0.52) // thigh half width
	sc.blob(rng, none, 0, -200, hw, 330, 0, 0.01, sc.p.fat)
	for _, s := range []float64{-1, 1} {
		sc.blob(rng, none, s*(hw-tw), 220, tw, 300, s*uni(rng, 0, 4), 0.01, sc.p.fat)
		sc.blob(rng, none, s*(hw-tw), 230, tw-sub, 290, s*uni(rng, 0, 4), 0.01, sc.p.muscle)
	}
	sc.blob(rng, none, 0, -200, hw-sub, 320-sub, 0, 0.01, sc.p.muscle)
	sc.blob(rng, none, 0, -70, hw*uni(rng, 0.5, 0.6), uni(rng, 90, 120), 0, 0.05, sc.p.viscFat)
	// Bowel loops above the bladder.
	for range 3 + rng.IntN(5) {
		sc.bowelLoop(rng, hw*uni(rng, -0.45, 0.45), -uni(rng, 70, 160), uni(rng, 12, 20), false)
	}
	for _, s := range []float64{-1, 1} {
		organ := FemurLeft
		if s < 0 {
			organ = FemurRight
		}
		fx, fy := s*hw*uni(rng, 0.46, 0.54), jit(rng, 6)
		r := uni(rng, 21, 27)
		// Iliac wing rising laterally from the acetabular roof, obturator muscle medially.
		sc.capsule(none, fx-s*5, fy-r-8, fx+s*uni(rng, 30, 55), fy-uni(rng, 110, 160), uni(rng, 8, 12), sc.p.boneCortex)
		sc.capsule(none, fx-s*5, fy-r-8, fx+s*uni(rng, 30, 55), fy-uni(rng, 110, 160), uni(rng, 4, 6), sc.p.cancellous)
		sc.blob(rng, none, fx-s*uni(rng, 35, 45), fy+uni(rng, 0, 20), uni(rng, 10, 15), uni(rng, 30, 45), s*jit(rng, 10), 0.08, sc.p.muscle)
		sc.blob(rng, none, fx, fy-3, r+uni(rng, 8, 12), r+uni(rng, 8, 12), 0, 0.05, sc.p.boneCortex).keep(0, 1, fy+r*0.1)
		sc.blob(rng, none, fx, fy, r+2.5, r+2.5, 0, 0, sc.p.cartilage)
		// Shaft down the thigh from the trochanters.
		tx, ty := fx+s*uni(rng, 35, 48), fy+uni(rng, 25, 45)
		// The shaft runs on beyond the scan; the organ's box covers what a scan of the
		// abdomen holds of it, 90-170 mm below the trochanter.
		bx, by := fx+s*uni(rng, 22, 38), fy+uni(rng, 90, 170)
		ex, ey := bx+(bx-tx)*2, by+(by-ty)*2
		rs := uni(rng, 13, 17)
		sc.capsule(none, bx, by, ex, ey, rs, sc.p.boneCortex)
		sc.capsule(organ, tx-s*4, ty, bx, by, rs, sc.p.boneCortex)
		sc.capsule(organ, fx, fy, tx, ty, uni(rng, 12, 15), sc.p.boneCortex)
		sc.blob(rng, organ, tx, ty, uni(rng, 15, 20), uni(rng, 18, 24), 0, 0.1, sc.p.boneCortex)
		sc.blob(rng, organ, tx-s*rs*1.2, ty+uni(rng, 25, 40), 7, 9, 0, 0.1, sc.p.boneCortex) // lesser trochanter
		sc.capsule(none, tx-s*4, ty+20, ex, ey, rs*uni(rng, 0.5, 0.65), sc.p.marrow)
		sc.capsule(organ, fx, fy, tx, ty, uni(rng, 8, 10), sc.p.cancellous)
		sc.blob(rng, organ, tx, ty, uni(rng, 11, 14), uni(rng, 13, 18), 0, 0.1, sc.p.cancellous)
		sc.boneRound(rng, organ, fx, fy, r, sc.p.cancellous)
	}
	// Pubic bones below the bladder.
	for _, s := range []float64{-1, 1} {
		sc.blob(rng, none, s*uni(rng, 8, 14), uni(rng, 30, 45), uni(rng, 7, 10), uni(rng, 12, 18), s*uni(rng, 0, 20), 0.1, sc.p.boneCortex)
	}
	bx, by := jit(rng, 6), -uni(rng, 20, 45)
	bax, bay := uni(rng, 30, 60), uni(rng, 25, 45)
	sc.blob(rng, none, bx, by, bax+2.5, bay+2.5, jit(rng, 8), 0.1, sc.p.muscle)
	sc.blob(rng, Bladder, bx, by, bax, bay, jit(rng, 8), 0.12, sc.p.urine)
	return sc
}

// sceneFor builds the slice on which class is drawn in view.
func sceneFor(class int, view View, rng *rand.Rand) *scene {
	if view == Axial {
		switch class {
		case Bladder, FemurLeft, FemurRight:
			return pelvisAxial(rng)
		case Heart, LungLeft, LungRight:
			return thoraxAxial(rng)
		case Liver, Spleen:
			if rng.Float64() < 0.25 && class == Liver {
				return midAbdomenAxial(rng)
			}
			return upperAbdomenAxial(rng)
		default: // kidneys, pancreas
			return midAbdomenAxial(rng)
		}
	}
	switch class {
	case Bladder, FemurLeft, FemurRight:
		return pelvisCoronal(rng)
	case Heart:
		return trunkCoronal(rng, 0)
	case Liver:
		return trunkCoronal(rng, rng.IntN(2))
	case Pancreas:
		return trunkCoronal(rng, 1)
	case KidneyLeft, KidneyRight:
		return trunkCoronal(rng, 1+rng.IntN(2))
	default: // lungs, spleen
		return trunkCoronal(rng, 1+rng.IntN(2))
	}
}
