"""People come and go: technicians, contacts, clients and portal users, edited and
(de)activated, never deleted."""
