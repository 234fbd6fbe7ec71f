package jitsiclient

import (
	"bytes"
	"encoding/xml"
	"strings"
)

// node is one received element, namespaces resolved by encoding/xml: a
// WebSocket message carries exactly one (RFC 7395 §3.3.3).
type node struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []node     `xml:",any"`
	Text     string     `xml:",chardata"`
}

func parse(b []byte) (node, error) {
	var n node
	err := xml.Unmarshal(b, &n)
	return n, err
}

// attr returns an unqualified attribute's value, or "".
func (n *node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Space == "" && a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// is reports whether n is local in namespace space ("" matches any).
func (n *node) is(space, local string) bool {
	return n != nil && n.XMLName.Local == local && (space == "" || n.XMLName.Space == space)
}

// child returns the first child local in space ("" matches any), or nil.
func (n *node) child(space, local string) *node {
	for i := range n.Children {
		if n.Children[i].is(space, local) {
			return &n.Children[i]
		}
	}
	return nil
}

// elem is an element to send; attributes with "" values are left out.
type elem struct {
	name  string
	attrs []string
	kids  []*elem
	text  string
}

// el builds an element from name, value attribute pairs.
func el(name string, attrs ...string) *elem { return &elem{name: name, attrs: attrs} }

func (e *elem) add(kids ...*elem) *elem {
	for _, k := range kids {
		if k != nil {
			e.kids = append(e.kids, k)
		}
	}
	return e
}

func (e *elem) setText(s string) *elem {
	e.text = s
	return e
}

// String serialises e.
func (e *elem) String() string {
	var b strings.Builder
	e.write(&b)
	return b.String()
}

func (e *elem) write(b *strings.Builder) {
	b.WriteString("<" + e.name)
	for i := 0; i+1 < len(e.attrs); i += 2 {
		if e.attrs[i+1] == "" {
			continue
		}
		b.WriteString(" " + e.attrs[i] + `="`)
		b.WriteString(escape(e.attrs[i+1]))
		b.WriteByte('"')
	}
	if len(e.kids) == 0 && e.text == "" {
		b.WriteString("/>")
		return
	}
	b.WriteByte('>')
	b.WriteString(escape(e.text))
	for _, k := range e.kids {
		k.write(b)
	}
	b.WriteString("</" + e.name + ">")
}

func escape(s string) string {
	var buf bytes.Buffer
	xml.EscapeText(&buf, []byte(s))
	return buf.String()
}
