// Package web holds the browser side of Confer, embedded in the binary: the
// meeting client (meet/), plain ES modules and CSS with no build step.
package web

import "embed"

// Meet is the meeting client: index.html and its assets.
//
//go:embed meet
var Meet embed.FS
