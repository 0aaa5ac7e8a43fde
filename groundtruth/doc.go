// Package groundtruth is fusionlens's synthetic world with known answers: decision
// functions F over the 40 fusion features, their exact gradients, the ground-truth
// importance of each feature and modality, and the labels a network is trained on.
//
// # Features
//
// A case is a vector x of NumFeatures = 40 float64 features in fusion-vector order:
// ct_axial x[0:10], ct_coronal x[10:20], clinical_a x[20:30], clinical_b x[30:40]. The image
// features are the latent features of a convolutional autoencoder, the clinical ones the
// simulated clinical values; each is standardised to mean 0 and SD 1 over the cohort
// (Standardize does this for the latents). A cohort X is an n x 40 row-major []float64.
// A feature is named "modality[i]" ("clinical_a[3]", global index 23) or by its global
// index 0..39.
//
// # Decision functions
//
// A Scenario defines
//
//	F(x) = intercept + Σ_j w_j x_j + Σ_t term_t(x)
//
// with these term kinds, u = scale*(x_j - center) for the unary ones:
//
//	kind     term                     dF/dx_j
//	square   coef*u²                  2*coef*scale*u
//	abs      coef*|u|                 coef*scale*sign(u)   (0 at u = 0)
//	tanh     coef*tanh(u)             coef*scale*(1 - tanh²(u))
//	sin      coef*sin(u)              coef*scale*cos(u)
//	step     coef*σ(u), σ logistic    coef*scale*σ(u)(1 - σ(u))
//	product  coef*x_j*x_k (j != k)    coef*x_k for x_j, coef*x_j for x_k
//
// Grad returns these derivatives exactly (tests check them against central finite
// differences). A step is a logistic step at the threshold (center) with a stated slope
// (scale, default 10 per SD): the derivative of an exact Heaviside step is 0 almost
// everywhere, which would make a feature that decides the label look unimportant. With
// the logistic step F, the labels and the importance all use the same smooth function;
// as the slope grows, the step's mean |dF/dx_j| over a cohort tends to coef times the
// density of x_j at the threshold (0.399*coef at 0 for a standard normal feature), so
// the importance has a well-defined limit and a moderate slope stays close to it.
// abs is not differentiable at u = 0, a set of measure zero; its derivative there is
// taken as 0.
//
// # Ground truth
//
// Importance returns, over a cohort, I_j = mean |dF/dx_j| per feature, normalised to sum
// 1, and its sums over each modality's ten features (which also sum to 1). Label cuts F
// at a threshold t, the cohort median (classes balance: class 1 is F > median) or a fixed
// value, then flips each label with probability label_noise from a PCG stream seeded by
// the scenario's seed, and reports the class balance achieved before and after the noise.
//
// # Labels
//
// Threshold labels (the default, the paper's and every built-in's) make class 1 exactly
// F > t. Then the best log-odds a network can learn is a step in F, and a network that
// learns a steep monotone g(F) has cross-derivatives (d²g/dF²)·(dF/dx_i)·(dF/dx_j)
// between every two inputs F uses, even when F adds them up. Logistic labels draw
// class 1 with probability σ(s·(F - t)), σ the logistic function and s the label scale
// (log-odds per unit of F), one uniform draw per case from another PCG stream of the
// scenario's seed: s·(F - t) is then the labels' true log-odds, additive wherever F is. The labels that
// differ from F > t are counted (Labels.Flipped) beside their expectation
// Σ σ(-s·|F_i - t|); with F roughly normal with SD σ_F, a scale s·σ_F of 1, 2, 3 or 4
// moves about 32, 22, 16 or 13 % of them. The ground truth (importance and interactions)
// is of F and does not depend on the label mode.
//
// Builtins gives the eight cases F0..F7: the paper's published F0 (the sum of all 40
// features) and seven of ours that vary which modalities matter and by how much.
//
// # Scenario files
//
// A scenario file is one JSON object (at most MaxFileSize bytes). ParseScenario reads it,
// MarshalJSON writes it back (parsing that again gives an equal Scenario), and a Scenario
// also works with encoding/json directly. An example with every field:
//
//	{
//	  "name": "my-scenario",
//	  "description": "Axial image and clinical group A, with a threshold effect.",
//	  "intercept": 0,
//	  "weights": [
//	    {"modality": "ct_axial", "weight": 0.5},
//	    {"feature": "clinical_a[3]", "weight": -1.25},
//	    {"feature": 35, "weight": 0.2}
//	  ],
//	  "terms": [
//	    {"kind": "square", "feature": "ct_coronal[0]", "coef": 0.3},
//	    {"kind": "abs", "feature": "clinical_b[1]", "coef": 0.4, "center": 0.5},
//	    {"kind": "tanh", "feature": "ct_axial[2]", "coef": 1, "scale": 2},
//	    {"kind": "sin", "feature": "clinical_a[0]", "coef": 0.5, "scale": 1.2, "center": 0.1},
//	    {"kind": "step", "feature": "clinical_a[4]", "coef": 1.5, "threshold": 0.3, "slope": 5},
//	    {"kind": "product", "features": ["ct_axial[1]", "clinical_b[2]"], "coef": 0.7}
//	  ],
//	  "threshold": "median",
//	  "labels": "logistic",
//	  "label_scale": 0.8,
//	  "label_noise": 0.02,
//	  "cohort_size": 5000,
//	  "seed": 7
//	}
//
// Fields (all but name optional):
//
//   - name: non-empty text, at most MaxNameLen bytes, no control characters.
//   - description: one sentence for the UI, at most MaxDescLen bytes.
//   - intercept: number, default 0 (it matters only with a fixed threshold).
//   - weights: linear weights, each entry {"feature": F, "weight": w} or
//     {"modality": "ct_axial", "weight": w} (all ten features of that modality). F is a
//     name "modality[i]" or a global index 0..39. Each feature may be set once;
//     features not listed have weight 0.
//   - terms: nonlinear terms. Every term has "kind" and a non-zero "coef". square, abs,
//     tanh and sin take "feature", "scale" (non-zero, default 1) and "center" (default
//     0); step takes "feature", "threshold" (default 0) and "slope" (> 0, default 10);
//     product takes "features": [F1, F2] with F1 != F2. Other fields are errors.
//   - threshold: "median" (default) or a number t; class 1 is F > t.
//   - labels: "threshold" (default: class 1 is F > t) or "logistic" (class 1 with
//     probability σ(label_scale·(F - t))).
//   - label_scale: with "labels": "logistic" only, a number > 0, default 1: the log-odds
//     of class 1 per unit of F.
//   - label_noise: flip probability in [0, 0.5), default 0.
//   - cohort_size: integer 2..MaxCohortSize, default 5000: how many cases to draw.
//   - seed: integer in [0, 2^64), default 1.
//
// Every number must be finite with magnitude at most MaxMagnitude, at most MaxTerms terms
// are allowed, and F must not be constant (some non-zero weight or some term). Parsing is
// strict: unknown or repeated fields, wrong JSON types, null, unknown modalities or term
// kinds, malformed feature names ("clinical_a[03]", "ct_axial[10]") and out-of-range
// indices are errors. Each error is a *ScenarioError whose Path names the culprit, e.g.
// "terms[2].features[1]: index 40 out of range [0,40)".
package groundtruth
