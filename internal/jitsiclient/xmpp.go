package jitsiclient

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// login runs RFC 7395's opening, SASL ANONYMOUS (the token rides in the
// URL, as mod_auth_token reads it), the stream restart and the resource
// binding.
func (c *Client) login(ctx context.Context) error {
	if err := c.open(ctx, "mechanisms"); err != nil {
		return err
	}
	if err := c.write(ctx, el("auth", "xmlns", nsSASL, "mechanism", "ANONYMOUS").String()); err != nil {
		return err
	}
	n, raw, err := c.read(ctx)
	if err != nil {
		return err
	}
	if n.XMLName.Local == "failure" {
		e := &RefusedError{}
		for _, ch := range n.Children {
			if ch.XMLName.Local == "text" {
				e.Text = ch.Text
			} else {
				e.Condition = ch.XMLName.Local
			}
		}
		return e
	}
	if n.XMLName.Local != "success" {
		return fmt.Errorf("%w: got %s, want SASL success", ErrProtocol, raw)
	}
	if err := c.open(ctx, "bind"); err != nil {
		return err
	}
	bind := el("iq", "xmlns", nsClient, "type", "set", "id", "bind1").add(el("bind", "xmlns", nsBind))
	if err := c.write(ctx, bind.String()); err != nil {
		return err
	}
	n, raw, err = c.read(ctx)
	if err != nil {
		return err
	}
	b := n.child(nsBind, "bind")
	if n.attr("type") != "result" || b == nil || b.child("", "jid") == nil {
		return fmt.Errorf("%w: bind: got %s", ErrProtocol, raw)
	}
	c.jid = b.child("", "jid").Text
	return nil
}

// open sends <open/> and reads the server's and its features, which must
// offer want (mechanisms or bind).
func (c *Client) open(ctx context.Context, want string) error {
	if err := c.write(ctx, el("open", "xmlns", nsFraming, "to", c.domain, "version", "1.0").String()); err != nil {
		return err
	}
	if n, raw, err := c.read(ctx); err != nil || n.XMLName.Local != "open" {
		return cmpErr(err, fmt.Errorf("%w: got %s, want <open/>", ErrProtocol, raw))
	}
	n, raw, err := c.read(ctx)
	if err != nil {
		return err
	}
	if n.XMLName.Local != "features" || n.child("", want) == nil {
		return fmt.Errorf("%w: got %s, want features with %s", ErrProtocol, raw, want)
	}
	return nil
}

func cmpErr(err, other error) error {
	if err != nil {
		return err
	}
	return other
}

// Join sends the conference request to the focus (moderator.js) and the
// MUC join presence (ChatRoom.join), and waits for the room's own
// presence of the client (status 110). The focus then starts the Jingle
// session by itself.
func (c *Client) Join(ctx context.Context) error {
	if c.cfg.Vnode == "" && c.cfg.Username == "" {
		if err := c.requestConference(ctx); err != nil {
			return err
		}
	}
	joined := make(chan error, 1)
	c.mu.Lock()
	c.joined = joined
	c.mu.Unlock()
	if err := c.write(ctx, c.presence().String()); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	select {
	case err := <-joined:
		return err
	case <-c.done:
		return ErrClosed
	case <-ctx.Done():
		return fmt.Errorf("jitsiclient: waiting to enter the room: %w", ctx.Err())
	}
}

// requestConference sends the conference request to the focus; a
// redirect to a visitors' node is a *RedirectedError.
func (c *Client) requestConference(ctx context.Context) error {
	conf := el("conference", "xmlns", nsFocus, "room", c.roomJID, "machine-uid", c.cfg.Nick).
		add(el("property", "name", "startAudioMuted", "value", "false"))
	if c.cfg.Visitors {
		conf.add(el("property", "name", "visitors-version", "value", "1"))
	}
	raw, err := c.IQ(ctx, "set", "focus."+c.domain, conf.String())
	if err != nil {
		return fmt.Errorf("jitsiclient: the conference request: %w", err)
	}
	n, err := parse([]byte(raw))
	if err != nil {
		return err
	}
	conference := n.child(nsFocus, "conference")
	if conference == nil || conference.attr("ready") != "true" {
		return fmt.Errorf("%w: the conference request: got %s, want ready", ErrProtocol, raw)
	}
	if v := conference.attr("vnode"); v != "" {
		return &RedirectedError{Vnode: v, FocusJID: conference.attr("focusjid")}
	}
	return nil
}

// presence is the join presence as lib-jitsi-meet sends it: nick, stats
// id, and the SourceInfo of the client's sources by source name.
func (c *Client) presence() *elem {
	info, _ := json.Marshal(map[string]map[string]any{
		c.sourceName("a"): {"muted": false},
		c.sourceName("v"): {"muted": false, "videoType": "camera"},
	})
	return el("presence", "xmlns", nsClient, "to", c.roomJID+"/"+c.cfg.Nick).add(
		el("x", "xmlns", nsMUC),
		el("stats-id").setText(c.cfg.Nick),
		el("nick", "xmlns", nsNick).setText(c.cfg.DisplayName),
		el("SourceInfo").setText(string(info)),
		el("audiomuted").setText("false"),
		el("videomuted").setText("false"),
	)
}

// sourceName is the client's source name of a kind ("a" or "v"), as
// lib-jitsi-meet's source-name signaling makes it.
func (c *Client) sourceName(kind string) string { return c.cfg.Nick + "-" + kind + "0" }

func (c *Client) onPresence(n node, raw string) {
	from := n.attr("from")
	bare, nick, _ := strings.Cut(from, "/")
	if !strings.EqualFold(bare, c.roomJID) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if nick == c.cfg.Nick {
		if x := n.child(nsMUCUser, "x"); x != nil && x.child(nsMUCUser, "item") != nil {
			c.role = x.child(nsMUCUser, "item").attr("role")
		}
		if c.joined != nil {
			var err error
			if n.attr("type") == "error" {
				err = stanzaError(n, raw)
			}
			c.joined <- err
			c.joined = nil
		}
		return
	}
	if props := n.child(nsFocus, "conference-properties"); props != nil && nick == "focus" {
		c.focusProps = map[string]string{}
		for _, p := range props.Children {
			c.focusProps[p.attr("key")] = p.attr("value")
		}
	}
	if n.attr("type") == "unavailable" {
		delete(c.occupants, nick)
	} else if n.attr("type") == "" && nick != "" {
		c.occupants[nick] = true
	}
}

// JSONMessage is a json-message a component or the room sent the client
// (http://jitsi.org/jitmeet).
type JSONMessage struct {
	From, Text string
}

// JSONMessages returns the json-messages received so far.
func (c *Client) JSONMessages() []JSONMessage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.jsonMessages)
}

// FocusProperty is a property of the focus's conference-properties, from
// its latest presence ("visitor-count"…); "" when absent.
func (c *Client) FocusProperty(key string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.focusProps[key]
}

// Role is the client's own MUC role, from the room's presence of it:
// "moderator", "participant" or, on a visitors' node, "visitor".
func (c *Client) Role() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.role
}

// Occupants are the other occupants' nicks (the focus among them).
func (c *Client) Occupants() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for n := range c.occupants {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func (c *Client) onMessage(n node) {
	if j := n.child(nsJitMeet, "json-message"); j != nil {
		c.mu.Lock()
		c.jsonMessages = append(c.jsonMessages, JSONMessage{From: n.attr("from"), Text: j.Text})
		c.mu.Unlock()
		return
	}
	body := n.child("", "body")
	if n.attr("type") != "groupchat" || body == nil {
		return
	}
	_, nick, _ := strings.Cut(n.attr("from"), "/")
	c.mu.Lock()
	c.chat = append(c.chat, ChatMessage{From: nick, Body: body.Text})
	c.mu.Unlock()
}

// SendChat sends a groupchat message to the room.
func (c *Client) SendChat(ctx context.Context, text string) error {
	return c.write(ctx, el("message", "xmlns", nsClient, "type", "groupchat", "to", c.roomJID).add(el("body").setText(text)).String())
}

// Chat returns the groupchat messages received so far, own ones included.
func (c *Client) Chat() []ChatMessage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.chat)
}

// Leave ends the Jingle session (session-terminate), leaves the room
// (unavailable presence) and closes.
func (c *Client) Leave(ctx context.Context) error {
	c.mu.Lock()
	sess := c.sess
	c.mu.Unlock()
	var err error
	if sess != nil {
		term := el("jingle", "xmlns", nsJingle, "action", "session-terminate", "sid", sess.sid).
			add(el("reason").add(el("success"), el("text").setText("left")))
		_, err = c.IQ(ctx, "set", c.focusJID, term.String())
	}
	if werr := c.write(ctx, el("presence", "xmlns", nsClient, "type", "unavailable", "to", c.roomJID+"/"+c.cfg.Nick).String()); err == nil {
		err = werr
	}
	c.Close()
	return err
}

// Promotion is a visitors' node's answer to a visitor's request to join
// (jitsi:visitors promotion-response).
type Promotion struct {
	Allow bool
	// Username is the JID node to log in to the main domain with
	// (Config.Username).
	Username string
}

func (c *Client) onPromotion(v *node) {
	r := v.child(nsVisitors, "promotion-response")
	if r == nil {
		return
	}
	select {
	case c.promotion <- Promotion{Allow: strings.EqualFold(r.attr("allow"), "true"), Username: r.attr("username")}:
	default: // one is waiting to be read
	}
}

// Promoted waits for the answer to the visitor's request to join.
func (c *Client) Promoted(ctx context.Context) (Promotion, error) {
	select {
	case p := <-c.promotion:
		return p, nil
	case <-c.done:
		return Promotion{}, ErrClosed
	case <-ctx.Done():
		return Promotion{}, fmt.Errorf("jitsiclient: waiting to be let in: %w", ctx.Err())
	}
}
