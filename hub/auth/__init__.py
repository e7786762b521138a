"""Accounts, sessions, roles, capabilities and visibility."""
