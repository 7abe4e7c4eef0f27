"""The demo's data: `seed` adds it (clients, people, on call, portal logins); `history`,
`tickets` and `billing` hold the past tickets, their timelines, agreements and invoices."""
