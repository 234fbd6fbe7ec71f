package api

import "time"

// OpenSupportRequest is the body of POST /api/v1/tenants/{tenant}/support.
type OpenSupportRequest struct {
	Subject string `json:"subject"`
	Body    string `json:"body"`
	// Severity is low, normal (the default), high or urgent.
	Severity string `json:"severity,omitempty"`
	// Page is the console page the request is sent from (/console/…).
	Page string `json:"page,omitempty"`
	// MeetingID names a meeting of the tenant, as Analytics shows it.
	MeetingID string `json:"meeting_id,omitempty"`
}

// SupportReply is the body of POST …/support/{id}/replies.
type SupportReply struct {
	Body string `json:"body"`
}

// SupportStatus is the body of POST …/support/{id}/status: open or closed
// (members), or answered too (the operator).
type SupportStatus struct {
	Status string `json:"status"`
}

// SupportAuthor is who wrote a message: a member, or the operator.
type SupportAuthor struct {
	UserID   string `json:"user_id,omitempty"`
	Name     string `json:"name"`
	Email    string `json:"email,omitempty"`
	Operator bool   `json:"operator"`
}

// SupportMessage is one message of a request's thread.
type SupportMessage struct {
	ID        string        `json:"id"`
	Author    SupportAuthor `json:"author"`
	Body      string        `json:"body"`
	CreatedAt time.Time     `json:"created_at"`
}

// SupportRequest is a support request; Messages (its thread, the body
// first) is set when one request is asked for.
type SupportRequest struct {
	ID         string           `json:"id"`
	Tenant     string           `json:"tenant"`
	TenantName string           `json:"tenant_name"`
	Subject    string           `json:"subject"`
	Severity   string           `json:"severity"`
	Status     string           `json:"status"`
	Page       string           `json:"page,omitempty"`
	MeetingID  string           `json:"meeting_id,omitempty"`
	OpenedBy   SupportAuthor    `json:"opened_by"`
	Replies    int              `json:"replies"`
	CreatedAt  time.Time        `json:"created_at"`
	UpdatedAt  time.Time        `json:"updated_at"`
	ClosedAt   *time.Time       `json:"closed_at,omitempty"`
	Messages   []SupportMessage `json:"messages,omitempty"`
}

// SupportRequestList is GET …/support: requests, most recently changed first.
type SupportRequestList struct {
	Requests []SupportRequest `json:"requests"`
	// Emailed says whether new requests are e-mailed to the operator.
	Emailed bool `json:"emailed"`
}
