"""Administering user accounts (admin only)."""
