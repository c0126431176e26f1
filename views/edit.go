package views

import "encoding/json"

// editCounterVals names the edit form's counter for the live count.
func editCounterVals(postID string) string {
	b, _ := json.Marshal(map[string]string{"counter": "edit-counter-" + postID})
	return string(b)
}
