package api

import "net/http"

// Stand-ins for the routes other parts of the API register, so that this
// tree builds on its own; the integrator deletes this file.

func (a *API) accountsRoutes(mux *http.ServeMux)  {}
func (a *API) statusesRoutes(mux *http.ServeMux)  {}
func (a *API) streamingRoutes(mux *http.ServeMux) {}
