package xmpp

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Limits of one parsed stanza besides its size in bytes.
const (
	maxDepth    = 32
	maxElements = 4096
)

// Element is one XML element of a stanza. On parsed elements Name.Space is
// the namespace URI; elements built here carry an "xmlns" attribute
// instead and an unqualified Name.
type Element struct {
	Name     xml.Name
	Attrs    []xml.Attr
	Children []*Element
	Text     string
}

// Parse reads one complete element, the whole of a WebSocket message
// (RFC 7395 §3.3.3). Restricted XML (RFC 6120 §11.1): no comments,
// processing instructions or DTDs, only the predefined entities.
func Parse(b []byte) (*Element, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	var stack []*Element
	var root *Element
	n := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			if root == nil || len(stack) > 0 {
				return nil, fmt.Errorf("%w: the message is not one complete element", ErrNotWellFormed)
			}
			return root, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s", ErrNotWellFormed, err.Error())
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				return nil, fmt.Errorf("%w: more than one element in a message", ErrNotWellFormed)
			}
			if n++; n > maxElements || len(stack) >= maxDepth {
				return nil, fmt.Errorf("%w: more than %d elements or %d levels", ErrPolicy, maxElements, maxDepth)
			}
			e := &Element{Name: t.Name, Attrs: t.Attr}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, e)
			} else {
				root = e
			}
			stack = append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(t)
			} else if len(bytes.TrimSpace(t)) > 0 {
				return nil, fmt.Errorf("%w: text outside the element", ErrNotWellFormed)
			}
		case xml.Comment, xml.ProcInst, xml.Directive:
			return nil, fmt.Errorf("%w: comments, processing instructions and DTDs are not allowed", ErrRestrictedXML)
		}
	}
}

// Is reports whether e is the element local in namespace space.
func (e *Element) Is(space, local string) bool {
	return e != nil && e.Name.Space == space && e.Name.Local == local
}

// Get returns the value of e's unqualified attribute name, or "".
func (e *Element) Get(name string) string {
	for _, a := range e.Attrs {
		if a.Name.Space == "" && a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// Child returns e's first child local in namespace space, or nil.
func (e *Element) Child(space, local string) *Element {
	for _, c := range e.Children {
		if c.Is(space, local) {
			return c
		}
	}
	return nil
}

// First returns e's first child, or nil.
func (e *Element) First() *Element {
	if len(e.Children) == 0 {
		return nil
	}
	return e.Children[0]
}

// el builds an element; attrs are name, value pairs ("" values left out).
func el(name string, attrs ...string) *Element {
	e := &Element{Name: xml.Name{Local: name}}
	for i := 0; i+1 < len(attrs); i += 2 {
		if attrs[i+1] != "" {
			e.Attrs = append(e.Attrs, xml.Attr{Name: xml.Name{Local: attrs[i]}, Value: attrs[i+1]})
		}
	}
	return e
}

// add appends children to e and returns e.
func (e *Element) add(children ...*Element) *Element {
	e.Children = append(e.Children, children...)
	return e
}

// text sets e's text and returns e.
func (e *Element) text(s string) *Element {
	e.Text = s
	return e
}

// String serialises e without whitespace between elements, as Strophe's
// parsers (and lib-jitsi-meet's SASL failure regexp) expect.
func (e *Element) String() string {
	var b strings.Builder
	e.write(&b)
	return b.String()
}

func (e *Element) write(b *strings.Builder) {
	b.WriteByte('<')
	b.WriteString(qualified(e.Name))
	for _, a := range e.Attrs {
		b.WriteByte(' ')
		b.WriteString(qualified(a.Name))
		b.WriteString(`="`)
		xml.EscapeText(b, []byte(xmlChars(a.Value)))
		b.WriteByte('"')
	}
	if len(e.Children) == 0 && e.Text == "" {
		b.WriteString("/>")
		return
	}
	b.WriteByte('>')
	b.WriteString(textEscaper.Replace(xmlChars(e.Text)))
	for _, c := range e.Children {
		c.write(b)
	}
	b.WriteString("</")
	b.WriteString(qualified(e.Name))
	b.WriteByte('>')
}

// qualified is a name as written: "prefix:local" for the prefixed names
// built here (xmlns:stream, xml:lang), else local.
func qualified(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// textEscaper escapes element text: only what XML requires, so quotes stay
// readable to clients that read the raw text (lib-jitsi-meet's SASL
// failure regexp), and line breaks as character references, so a text is
// one line.
var textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\n", "&#xA;", "\r", "&#xD;")

// xmlChars replaces what XML 1.0 cannot carry — invalid UTF-8 and the
// control characters besides tab, newline and carriage return — with
// U+FFFD: error texts may quote what a client sent.
func xmlChars(s string) string {
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0xFFFE || r == 0xFFFF {
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}
