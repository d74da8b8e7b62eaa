"""The auth service's domain: users, organisations, logins and the tokens they earn."""
