package test

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/usage"
)

// TestJoinWhileDatabaseBusy: joining a meeting does no database write, so
// participants join while another writer holds the database; their
// webhooks and analytics follow once it lets go.
func TestJoinWhileDatabaseBusy(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, fastWebhooks)
	f := newTenant(t, s)
	rcv := newReceiver(t)
	createEndpoint(t, s, f.ID, rcv.URL, []string{"ROOM_CREATED", "PARTICIPANT_JOINED", "USAGE"})
	room := f.ID + "/busy"
	a, err := s.dial(t, room, f.token(t, "busy", "Ada", true), nil) // hello (admission) before the database is held
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.dial(t, room, f.token(t, "busy", "Bob", false), nil)
	if err != nil {
		t.Fatal(err)
	}

	db, err := sql.Open("sqlite", "file:"+filepath.Join(s.Config.Data, "confer.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	hold, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	if _, err := hold.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil { // the write lock, until ROLLBACK
		t.Fatal(err)
	}
	// Writers wait up to the busy timeout (10 s): a join that wrote would
	// not be answered within 5 s.
	joinCtx, cancelJoin := context.WithTimeout(ctx, 5*time.Second)
	defer cancelJoin()
	aj, err := a.Join(joinCtx, meetclient.JoinOptions{})
	if err != nil {
		t.Fatalf("first join while the database is held: %v", err)
	}
	if _, err := b.Join(joinCtx, meetclient.JoinOptions{}); err != nil {
		t.Fatalf("second join while the database is held: %v", err)
	}
	if n := len(rcv.events()); n != 0 {
		t.Errorf("%d webhooks sent while the database was held", n)
	}
	if _, err := hold.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}

	eventually(t, 20*time.Second, "the webhooks after the database is free", func() bool {
		return rcv.count("ROOM_CREATED") == 1 && rcv.count("PARTICIPANT_JOINED") == 2 && rcv.count("USAGE") == 1
	})
	var m usage.Meeting
	_, body := s.call(t, "GET", "/api/v1/tenants/"+f.ID+"/analytics/meetings/"+aj.Room.MeetingID, "")
	if err := json.Unmarshal(body, &m); err != nil || len(m.Sessions) != 2 || m.Peak != 2 || m.Joins != 2 {
		t.Errorf("meeting after the database is free: got %s, want 2 sessions, peak 2, 2 joins", body)
	}
}
