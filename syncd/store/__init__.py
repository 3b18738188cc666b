"""The only code that writes the database: schema, batches, CRM records, queries."""
