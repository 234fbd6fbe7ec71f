module github.com/confer-video/confer

go 1.26.0
