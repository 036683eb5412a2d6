package app

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// store is the test user's orders and the catalog, seeded fresh per Server.
// The data is invented; addresses are city-level only.
type store struct {
	mu      sync.Mutex
	orders  []*order // newest first
	catalog []product
	outbox  []email
	returns int
}

type money struct {
	Cents    int    `json:"amount_cents"`
	Currency string `json:"currency"`
}

type product struct {
	SKU     string `json:"sku"`
	Name    string `json:"name"`
	Price   money  `json:"price"`
	InStock bool   `json:"in_stock"`
}

type lineItem struct {
	SKU       string `json:"sku"`
	Name      string `json:"name"`
	Quantity  int    `json:"quantity"`
	UnitPrice money  `json:"unit_price"`
}

type orderReturn struct {
	ReturnID string   `json:"return_id"`
	SKUs     []string `json:"skus"`
	Reason   string   `json:"reason"`
	Status   string   `json:"status"`
}

type order struct {
	OrderID  string        `json:"order_id"`
	PlacedOn string        `json:"placed_on"`
	Status   string        `json:"status"`
	ShipTo   string        `json:"ship_to"`
	Items    []lineItem    `json:"items"`
	Total    money         `json:"total"`
	Tracking string        `json:"tracking_number,omitempty"`
	Notes    []string      `json:"notes"`
	Returns  []orderReturn `json:"returns"`
}

type email struct{ OrderID, Template, Message string }

// Order states.
const (
	statusOpen      = "open"
	statusShipped   = "shipped"
	statusDelivered = "delivered"
	statusCancelled = "cancelled"
)

func usd(cents int) money { return money{cents, "USD"} }

func newStore() *store {
	catalog := []product{
		{"SKU-101", "Ceramic pour-over dripper", usd(2400), true},
		{"SKU-205", "Paper filters, pack of 100", usd(650), true},
		{"SKU-310", "Conical burr grinder", usd(8900), true},
		{"SKU-412", "Gooseneck kettle", usd(5400), false},
		{"SKU-518", "Glass carafe, 600 ml", usd(1950), true},
		{"SKU-620", "Coffee scale with timer", usd(3200), true},
	}
	item := func(sku string, qty int) lineItem {
		i := slices.IndexFunc(catalog, func(p product) bool { return p.SKU == sku })
		return lineItem{sku, catalog[i].Name, qty, catalog[i].Price}
	}
	mk := func(id, placed, status, shipTo, tracking string, items ...lineItem) *order {
		o := &order{OrderID: id, PlacedOn: placed, Status: status, ShipTo: shipTo, Items: items, Tracking: tracking, Notes: []string{}, Returns: []orderReturn{}}
		o.Total = usd(0)
		for _, it := range items {
			o.Total.Cents += it.Quantity * it.UnitPrice.Cents
		}
		return o
	}
	return &store{
		catalog: catalog,
		orders: []*order{
			mk("ORD-1045", "2026-11-28", statusOpen, "Portland, US", "", item("SKU-101", 1), item("SKU-205", 2)),
			mk("ORD-1044", "2026-11-20", statusShipped, "Portland, US", "ORX-TRK-55821", item("SKU-310", 1)),
			mk("ORD-1043", "2026-11-02", statusDelivered, "Portland, US", "ORX-TRK-55104", item("SKU-518", 2), item("SKU-620", 1)),
			mk("ORD-1042", "2026-10-15", statusDelivered, "Seattle, US", "ORX-TRK-54930", item("SKU-205", 3)),
			mk("ORD-1041", "2026-09-30", statusCancelled, "Portland, US", "", item("SKU-412", 1)),
		},
	}
}

// order returns a copy of one order.
func (st *store) order(id string) (order, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	o, err := st.find(id)
	if err != nil {
		return order{}, err
	}
	return o.clone(), nil
}

// update runs f on one order under the lock and returns the changed copy.
func (st *store) update(id string, f func(*order) error) (order, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	o, err := st.find(id)
	if err != nil {
		return order{}, err
	}
	if err := f(o); err != nil {
		return order{}, err
	}
	return o.clone(), nil
}

func (st *store) find(id string) (*order, error) {
	for _, o := range st.orders {
		if o.OrderID == id {
			return o, nil
		}
	}
	return nil, fmt.Errorf("no order %s on this account", id)
}

func (o *order) clone() order {
	c := *o
	c.Items = slices.Clone(o.Items)
	c.Notes = slices.Clone(o.Notes)
	c.Returns = slices.Clone(o.Returns)
	return c
}

func (st *store) list(status string, limit int) []order {
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []order
	for _, o := range st.orders {
		if (status == "" || o.Status == status) && len(out) < limit {
			out = append(out, o.clone())
		}
	}
	return out
}

func (st *store) search(query string, limit int) []product {
	words := strings.Fields(strings.ToLower(query))
	var out []product
	for _, p := range st.catalog {
		name := strings.ToLower(p.Name)
		if len(out) < limit && slices.ContainsFunc(words, func(w string) bool { return strings.Contains(name, w) }) {
			out = append(out, p)
		}
	}
	return out
}

// returnID numbers a new return. Callers hold st.mu (inside update).
func (st *store) returnID() string {
	st.returns++
	return fmt.Sprintf("RMA-%04d", 7000+st.returns)
}

func (st *store) send(e email) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.outbox = append(st.outbox, e)
}
