"""The chase engine: ladders of reminders and escalations for anything with a due date.

A policy declares the ladder for one kind of item (包案 duties now; handoffs and meeting
tasks later).  The periodic sweep computes from the database which step is due for each
open item and records it under a database-unique key (item, occurrence, step), so a step
is taken exactly once whatever the scheduler does.
"""
