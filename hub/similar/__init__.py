"""Similar cases (相似信访件): which cases, across petitioners, tell the same matter.

``engine`` holds the pure functions (normalisation, shingles, MinHash signatures, LSH bands,
scoring with reasons, clustering); ``models`` the stored signatures and bucket index;
``services`` indexing and the visibility-respecting lookups.
"""
