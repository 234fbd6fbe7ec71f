package config

// Plan is a plan the operator sells: prices in cents, per month.
type Plan struct {
	ID           string `yaml:"id"`
	Name         string `yaml:"name"`
	PriceCents   int64  `yaml:"price_cents"`
	IncludedMAU  int    `yaml:"included_mau"`
	OverageCents int64  `yaml:"overage_cents"`
	// HardCap refuses new devices once the included MAU are used.
	HardCap bool `yaml:"hard_cap"`
}

// Payments configures automatic collection of invoices. With no provider
// set the operator marks invoices paid by hand.
type Payments struct {
	Stripe Stripe `yaml:"stripe"`
}

// Stripe is the Stripe account that collects invoices: both keys or none.
type Stripe struct {
	// SecretKey is the API key (CONFER_STRIPE_SECRET_KEY).
	SecretKey string `yaml:"secret_key"`
	// WebhookSecret signs the events Stripe posts to /_confer/stripe
	// (CONFER_STRIPE_WEBHOOK_SECRET).
	WebhookSecret string `yaml:"webhook_secret"`
	// APIBase replaces https://api.stripe.com (tests run stripe-mock).
	APIBase string `yaml:"api_base"`
}
