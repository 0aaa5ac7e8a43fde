package importance

import (
	"fmt"
	"strings"
)

// GlobalFunc computes a global importance over a cohort.
type GlobalFunc func(h Head, mods []Modality, c Cohort, o Options) (Importance, error)

// LocalFunc explains one fusion vector x; bg is the background cohort (its mean, spread
// or a sample of it stands for "absent"), unused by some methods.
type LocalFunc func(h Head, mods []Modality, x []float32, bg Cohort, o Options) (Attribution, error)

// Method describes one attribution method for user interfaces and command lines.
type Method struct {
	Name        string     // stable identifier, e.g. "gradient"
	Label       string     // short human name
	Description string     // one sentence
	Global      GlobalFunc // never nil
	Local       LocalFunc  // nil when a per-case explanation is not meaningful
}

// Methods lists every method, the paper's gradient first.
func Methods() []Method {
	return []Method{
		{"gradient", "Gradient (paper)",
			"Mean absolute derivative of p(class 1) with respect to each fusion feature, summed per modality.",
			Gradient, GradientLocal},
		{"gradxinput", "Gradient x input",
			"Mean absolute product of each fusion feature with the derivative of p with respect to it.",
			GradientXInput, GradientXInputLocal},
		{"integrated_gradients", "Integrated gradients",
			"Derivatives averaged along the straight path from the cohort-mean fusion vector to the case, times the distance travelled.",
			IntegratedGradients, IntegratedGradientsLocal},
		{"smoothgrad", "SmoothGrad",
			"Derivatives averaged over noisy copies of each case, which smooths out local jitter of the gradient.",
			SmoothGrad, SmoothGradLocal},
		{"permutation", "Permutation",
			"How much worse the predictions get when a feature or modality is shuffled across cases.",
			Permutation, nil},
		{"occlusion", "Occlusion",
			"How much p changes when a feature or modality is replaced by its cohort mean.",
			Occlusion, OcclusionLocal},
		{"kernelshap", "KernelSHAP",
			"Shapley-kernel weighted regression over all coalitions of modalities, absent modalities taken from background cases.",
			KernelSHAP, KernelSHAPLocal},
		{"kernelshap_features", "KernelSHAP (features)",
			"KernelSHAP with every fusion feature as a player, on sampled coalitions, summed per modality.",
			KernelSHAPFeatures, KernelSHAPFeaturesLocal},
		{"lime", "LIME",
			"Weighted ridge regression of p on random masks that switch modalities off, nearby masks weighted most.",
			LIME, LIMELocal},
		{"shapley", "Shapley values",
			"Exact Shapley values of the modalities, averaging each one's marginal contribution over every coalition.",
			Shapley, ShapleyLocal},
		{"mean4", "Mean of four",
			"The authors' ensemble: mean of the gradient, permutation, LIME and KernelSHAP modality importances.",
			MeanOfFour, nil},
	}
}

// Added lists the methods this project adds to the paper's: the paper's gradient with the
// log-odds and scale corrections, the contribution methods and the whitened gradient,
// each explained above. They need a LogitHead.
func Added() []Method {
	return []Method{
		{Name: "gradient_logit", Label: "Gradient of log-odds",
			Description: "Mean absolute derivative of the log-odds of class 1 with respect to each fusion feature: every case counts alike, not only those near the decision boundary.",
			Global:      GradientLogit, Local: GradientLogitLocal},
		{Name: "gradient_sd", Label: "Gradient x SD",
			Description: "The paper's gradient with each feature's derivative multiplied by that feature's standard deviation over the cohort, so features are compared per standard deviation.",
			Global:      GradientSD, Local: GradientSDLocal},
		{Name: "gradient_logit_sd", Label: "Log-odds gradient x SD",
			Description: "Both corrections: the derivative of the log-odds, times each feature's standard deviation over the cohort.",
			Global:      GradientLogitSD, Local: GradientLogitSDLocal},
		{Name: "gradient_contribution", Label: "Gradient contribution",
			Description: "First-order change of the log-odds caused by each modality: the log-odds gradient times the case's deviation from the cohort mean, summed over the modality's features, then made absolute; blind to the basis and scale of the learned image features.",
			Global:      GradientContribution, Local: GradientContributionLocal},
		{Name: "integrated_contribution", Label: "Integrated contribution",
			Description: "The gradient contribution made exact for a nonlinear head: integrated gradients of the log-odds from the cohort mean, summed over each modality's features, then made absolute.",
			Global:      IntegratedContribution, Local: IntegratedContributionLocal},
		{Name: "gradient_whitened", Label: "Whitened gradient",
			Description: "Log-odds gradient measured in the truth's units: per SD for the clinical values, and for each image as the norm of the gradient with respect to whitened image features, scaled to the L1 norm expected in an unknown basis.",
			Global:      WhitenedGradient(2), Local: WhitenedGradientLocal(2)},
	}
}

// ReferenceMethods lists the methods that also need reference features for every case
// (Cohort.Reference, Cohort.Measured or Cohort.Basis): features a person can name, such as each
// image's autoencoder latents or measurements, and the clinical values.
func ReferenceMethods() []Method {
	return []Method{
		{Name: "reference_gradient", Label: "Reference gradient",
			Description: "The paper's gradient moved by the chain rule into reference features a person can name (each image's autoencoder features, the clinical values), through a quadratic map from those features to the fusion features fitted on the cohort.",
			Global:      ReferenceGradient},
		{Name: "measured_gradient", Label: "Measured gradient",
			Description: "The reference gradient counted in features a user can compute without the truth's basis: named measurements of each image (intensity, area and place of the bright region, spread, texture), each per standard deviation over the cohort, and the clinical values (Cohort.Measured).",
			Global:      MeasuredGradient},
		{Name: "basis_gradient", Label: "Cohort-basis gradient",
			Description: "The reference gradient counted in the cohort's own basis: each image's standardised scores on the first principal components of that image input over the cohort, and the clinical values (Cohort.Basis).",
			Global:      BasisGradient},
	}
}

// AllMethods lists every method: Methods (the paper's gradient first), Added, then
// ReferenceMethods.
func AllMethods() []Method {
	ms := append(Methods(), Added()...)
	return append(ms, ReferenceMethods()...)
}

// MethodByName returns the method of AllMethods with the given Name.
func MethodByName(name string) (Method, error) {
	ms := AllMethods()
	names := make([]string, len(ms))
	for i, m := range ms {
		if m.Name == name {
			return m, nil
		}
		names[i] = m.Name
	}
	return Method{}, fmt.Errorf("importance: no method %q (have %s)", name, strings.Join(names, ", "))
}

// Mean averages normalised importances: modality scores always, feature scores only
// when every input has them (else the result has none). The result is named name.
func Mean(name string, imps ...Importance) (Importance, error) {
	if len(imps) == 0 {
		return Importance{}, fmt.Errorf("importance: mean of no importances")
	}
	m := len(imps[0].Modalities)
	out := Importance{Method: name, Modalities: make([]float64, m)}
	withFeatures := true
	for _, imp := range imps {
		if len(imp.Modalities) != m {
			return Importance{}, fmt.Errorf("importance: %s has %d modalities, %s has %d", imp.Method, len(imp.Modalities), imps[0].Method, m)
		}
		if imp.Features == nil || len(imp.Features) != len(imps[0].Features) {
			withFeatures = false
		}
	}
	if withFeatures {
		out.Features = make([]float64, len(imps[0].Features))
	}
	k := float64(len(imps))
	for _, imp := range imps {
		for i, v := range imp.Modalities {
			out.Modalities[i] += v / k
		}
		if withFeatures {
			for j, v := range imp.Features {
				out.Features[j] += v / k
			}
		}
	}
	return out, nil
}

// MeanOfFour is the authors' ensemble: the mean of the gradient, permutation, LIME and
// KernelSHAP normalised modality importances (all with options o). It scores modalities
// only, since LIME and KernelSHAP do.
func MeanOfFour(h Head, mods []Modality, c Cohort, o Options) (Importance, error) {
	var imps []Importance
	for _, f := range []GlobalFunc{Gradient, Permutation, LIME, KernelSHAP} {
		imp, err := f(h, mods, c, o)
		if err != nil {
			return Importance{}, err
		}
		imps = append(imps, imp)
	}
	return Mean("mean4", imps...)
}
