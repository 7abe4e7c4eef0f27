"""CSV imports of invoices and agreements."""
