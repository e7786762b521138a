"""The shared joint boards: one per 信访+X mechanism and one for all mechanisms."""
