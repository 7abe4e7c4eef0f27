"""People who log in: access requests, credentials, logins, account emails."""
