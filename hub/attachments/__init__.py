"""附件: files attached to cases (and later handoffs), stored outside the web root.

An attachment belongs to an owning object (``object_type``, ``object_id``) and is visible
exactly when that object is visible to the user.
"""
