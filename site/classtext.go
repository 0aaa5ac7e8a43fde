package site

import "strings"

// explainedClass names the class the page explains: the chosen one, or "the predicted
// class" when each case's own prediction is explained.
func (s *State) explainedClass() string {
	if s.Class >= 0 {
		return s.ClassName(s.Class)
	}
	return "the predicted class"
}

// classGeneric rewrites a text written for the paper's binary models, which speaks of
// "p(class 1)" and "the log-odds of class 1", for the class the page explains, named
// from the model's schema: "p(malignant)", "the log-odds of malignant".
func (s *State) classGeneric(text string) string {
	c := s.explainedClass()
	return strings.NewReplacer("p(class 1)", "p("+c+")", "class 1", c).Replace(text)
}
