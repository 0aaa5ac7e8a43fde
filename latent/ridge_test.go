package latent

import (
	"gonum.org/v1/gonum/mat"
)

// ridgeR2 fits a ridge regression (penalty lambda, unpenalised intercept) from the 784
// pixels of the first nTrain images to each of the cols columns of Y (n x cols), and
// returns the R² of each column on the next nTest images: the share of that feature's
// variance a linear model on raw pixels explains on images it has not seen.
func ridgeR2(imgs []float32, Y []float64, cols, nTrain, nTest int, lambda float64) []float64 {
	p := Pixels + 1
	design := func(lo, n int) *mat.Dense {
		a := mat.NewDense(n, p, nil)
		for i := range n {
			for j, v := range imgs[(lo+i)*Pixels : (lo+i+1)*Pixels] {
				a.Set(i, j, float64(v))
			}
			a.Set(i, Pixels, 1)
		}
		return a
	}
	A := design(0, nTrain)
	var ata, aty, beta mat.Dense
	ata.Mul(A.T(), A)
	for j := range Pixels {
		ata.Set(j, j, ata.At(j, j)+lambda)
	}
	aty.Mul(A.T(), mat.NewDense(nTrain, cols, Y[:nTrain*cols]))
	if err := beta.Solve(&ata, &aty); err != nil {
		panic("ridge solve: " + err.Error())
	}
	var pred mat.Dense
	pred.Mul(design(nTrain, nTest), &beta)
	r2 := make([]float64, cols)
	for k := range cols {
		var mean, ss, se float64
		for i := range nTest {
			mean += Y[(nTrain+i)*cols+k]
		}
		mean /= float64(nTest)
		for i := range nTest {
			y := Y[(nTrain+i)*cols+k]
			ss += (y - mean) * (y - mean)
			se += (y - pred.At(i, k)) * (y - pred.At(i, k))
		}
		r2[k] = 1 - se/ss
	}
	return r2
}
