package validation

import (
	"fmt"
	"strings"

	"github.com/fusionlens/fusionlens/importance"
)

// Extras lists the methods this project adds to the paper's (importance.Added).
func Extras() []importance.Method { return importance.Added() }

// ReferenceMethods lists the methods that also need reference features for every case
// (importance.Cohort.Reference): the validation platform gives them the ground truth's
// own features, each image's autoencoder latents and the clinical values.
func ReferenceMethods() []importance.Method {
	return []importance.Method{
		{Name: "reference_gradient", Label: "Reference gradient",
			Description: "The paper's gradient moved by the chain rule into reference features a person can name (each image's autoencoder features, the clinical values), through a quadratic map from those features to the fusion features fitted on the cohort.",
			Global:      importance.ReferenceGradient},
	}
}

// Methods lists every method that needs only fusion vectors: importance.Methods (the
// paper's gradient first) and then Extras.
func Methods() []importance.Method {
	return append(importance.Methods(), Extras()...)
}

// AllMethods lists every method the validation platform runs: Methods, then
// ReferenceMethods.
func AllMethods() []importance.Method {
	return append(Methods(), ReferenceMethods()...)
}

// MethodByName returns the method of AllMethods with the given Name.
func MethodByName(name string) (importance.Method, error) {
	ms := AllMethods()
	names := make([]string, len(ms))
	for i, m := range ms {
		if m.Name == name {
			return m, nil
		}
		names[i] = m.Name
	}
	return importance.Method{}, fmt.Errorf("validation: no method %q (have %s)", name, strings.Join(names, ", "))
}
