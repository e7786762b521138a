"""RQ job functions (thin: ids in, hub services do the work), queues and the cron loop.

A job loads fresh state from the database, commits once, and is safe to run twice.
"""
