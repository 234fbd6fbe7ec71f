// Package web holds the browser side of Confer, embedded in the binary: the
// meeting client (meet/) and the IFrame API script (api/external_api.js),
// plain JavaScript and CSS with no build step.
package web

import "embed"

// Meet is the meeting client: index.html and its assets.
//
//go:embed meet
var Meet embed.FS

// ExternalAPI is external_api.js, the IFrame API's parent side.
//
//go:embed api/external_api.js
var ExternalAPI []byte

// Console is the Developer Console: html/template pages (templates/) and
// their ES modules and stylesheet (static/).
//
//go:embed console
var Console embed.FS
