package importance

// The measured gradient counts an image's importance in ten generic measurements, which
// carry little of what a decision may use from an image. A user has more than that: the
// images of their whole cohort. The principal components of one image input over the
// cohort are a basis fitted on data the user has, and the first few of them hold most of
// what varies between the images; when the truth's own image features are smooth
// functions of the image (an autoencoder's latents), they span nearly what those span.
// BasisGradient is the reference gradient in that basis: each image's standardised
// principal-component scores as its reference features (Cohort.Basis, computed by the
// caller with package pca, so that this package needs no eigensolver), the clinical values
// as themselves, the quadratic map and the chain rule as before.

// BasisGradient is ReferenceGradient over c.Basis instead of c.Reference, each basis
// feature standardised over the cohort (principal-component scores already are; a
// constant one is set to 0): it scores basis feature j by the cohort mean of |dp/dr_j|
// per SD of r_j and a modality by the sum over its basis features, both normalised.
// c.Reference and c.Measured are not used. It needs c.Basis, with more cases than the map
// has coefficients per fusion feature.
func BasisGradient(h Head, mods []Modality, c Cohort, o Options) (Importance, error) {
	return standardisedGradient("basis_gradient", "basis features (each image's principal-component scores over the cohort)", h, mods, c, c.Basis, o)
}
