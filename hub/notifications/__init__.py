"""The in-app inbox: notifications written in the same transaction as their cause."""
