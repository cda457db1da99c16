package model

// Capture returns the capture with the captureID, or nil.
func (a *Advertisement) Capture(id string) *MediaCapture {
	for i := range a.MediaCaptures {
		if a.MediaCaptures[i].CaptureID == id {
			return &a.MediaCaptures[i]
		}
	}
	return nil
}

// EncodingGroup returns the encoding group with the encodingGroupID, or nil.
func (a *Advertisement) EncodingGroup(id string) *EncodingGroup {
	for i := range a.EncodingGroups {
		if a.EncodingGroups[i].EncodingGroupID == id {
			return &a.EncodingGroups[i]
		}
	}
	return nil
}

// SceneView returns the scene view with the sceneViewID and its scene, or
// nils.
func (a *Advertisement) SceneView(id string) (*SceneView, *CaptureScene) {
	for i := range a.CaptureScenes {
		s := &a.CaptureScenes[i]
		for j := range s.SceneViews {
			if s.SceneViews[j].SceneViewID == id {
				return &s.SceneViews[j], s
			}
		}
	}
	return nil, nil
}

// Expand returns the captureIDs a <content> or <configuredContent> stands
// for: its mediaCaptureIDREFs plus the captures of its sceneViewIDREFs
// (RFC 8846 §11.7: scene views are shortcuts), resolved against a, without
// duplicates, in order of first appearance. Unresolved references are
// dropped (Check reports them). A provider uses it to learn which captures
// an MCC, or a consumer's subset of it, contains (RFC 8846 §11.9).
func (a *Advertisement) Expand(c *Content) []string {
	if c == nil {
		return nil
	}
	return newChecker(a, "").expand("", c, false)
}
